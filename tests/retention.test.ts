// --max-messages and --max-age, wired end to end: mail over SMTP, pruned by the running app, gone from disk.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import nodemailer from 'nodemailer';
import { allIndexed, startTestApp } from './helpers/app.ts';

const send = (port: number, subject: string) =>
  nodemailer.createTransport({ host: '127.0.0.1', port, tls: { rejectUnauthorized: false } }).sendMail({ from: 'a@example.com', to: 'b@example.com', subject, text: subject });

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return condition();
}

test('--max-messages keeps only the newest N', async () => {
  const app = await startTestApp(['--max-messages', '3']);
  try {
    for (let i = 0; i < 6; i++) await send(app.smtp.port, `count ${i}`);
    await allIndexed();
    await app.store.prune();
    assert.deepEqual(app.store.list().messages.map((m) => m.Subject), ['count 5', 'count 4', 'count 3']);
  } finally {
    await app.dispose();
  }
});

test('--max-age prunes messages once they are older than the limit', async () => {
  const app = await startTestApp(['--max-age', '1s']);
  try {
    await send(app.smtp.port, 'short-lived');
    await allIndexed();
    assert.equal(app.store.count(), 1);
    // The age check runs on a timer (every min(60 s, max-age)); no request is needed to trigger it.
    assert.ok(await until(() => app.store.count() === 0, 10_000), 'message was not pruned by age');
  } finally {
    await app.dispose();
  }
});

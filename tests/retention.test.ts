// --max-messages and --max-age, wired end to end: mail over SMTP, pruned by the running app, gone from disk.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mailer } from './helpers/api.ts';
import { startTestApp } from './helpers/app.ts';
import { until } from './helpers/until.ts';

/** Sends and waits until the message is indexed (mailer does). */
const send = (port: number, subject: string) => mailer(port)({ subject, text: subject });

test('--max-messages keeps only the newest N', async () => {
  const app = await startTestApp(['--max-messages', '3']);
  try {
    for (let i = 0; i < 6; i++) await send(app.smtp.port, `count ${i}`);
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
    assert.equal(app.store.count(), 1);
    // The age check runs on a timer (every min(60 s, max-age)); no request is needed to trigger it.
    await until(() => app.store.count() === 0, 'the message to be pruned by age', 10_000);
  } finally {
    await app.dispose();
  }
});

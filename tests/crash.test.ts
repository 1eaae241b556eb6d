// kill -9 mid-stream loses no message that got a 250, and leaves nothing unreadable.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, test } from 'node:test';
import { summarise } from '../server/mail/summarise.ts';
import { DiskStore } from '../server/store/disk-store.ts';
import { tempDir } from './helpers/app.ts';
import { startServerProcess } from './helpers/server-process.ts';
import { RawSmtp } from './helpers/smtp-session.ts';

const TOTAL = 2000;
const CONNECTIONS = 8;
const KILL_AFTER = 700;

const dataDir = tempDir();
after(() => rmSync(dataDir, { recursive: true, force: true }));

function message(n: number): Buffer {
  return Buffer.from(`From: load@example.com\r\nTo: sink@example.com\r\nSubject: crash ${n}\r\nMessage-ID: <crash-${n}@example.com>\r\n\r\nBody of message ${n}\r\n${'.'.repeat(n % 3)}line\r\n${'x'.repeat(n % 500)}\r\n`);
}

const dotStuff = (raw: Buffer) => raw.toString('latin1').replace(/^\./gm, '..');

test('every acknowledged message survives kill -9 and a restart', async () => {
  const server = await startServerProcess(['--data', dataDir, '--max-messages', '0']);
  const acked = new Map<string, number>(); // message ID → message number
  let next = 0;
  let killed = false;

  const sender = async () => {
    let s: RawSmtp;
    try {
      s = await RawSmtp.connect(server.smtpPort);
      await s.read();
      await s.command('EHLO crash-test');
    } catch {
      return;
    }
    while (next < TOTAL) {
      const n = next++;
      try {
        s.write(`MAIL FROM:<load@example.com>\r\nRCPT TO:<sink@example.com>\r\nDATA\r\n`);
        const replies = [await s.read(), await s.read(), await s.read()];
        if (replies[2]!.code !== 354) throw new Error(replies.map((r) => r.text).join(' | '));
        s.write(dotStuff(message(n)) + '.\r\n');
        const done = await s.read();
        if (done.code !== 250) throw new Error(done.text);
        acked.set(/queued as (\w+)/.exec(done.text)![1]!, n);
        if (!killed && acked.size >= KILL_AFTER) {
          killed = true;
          server.child.kill('SIGKILL');
        }
      } catch (err) {
        if (killed) return;
        throw err;
      }
    }
    s.close();
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, sender));
  assert.ok(killed, 'the server was killed mid-stream');
  assert.ok(acked.size >= KILL_AFTER && acked.size < TOTAL, `acked ${acked.size}`);
  await server.exited;

  // Restart the real server on the same data: it must come up and report at least every acknowledged message.
  const restarted = await startServerProcess(['--data', dataDir, '--max-messages', '0']);
  const count = Number(/(\d+) messages in/.exec(restarted.output())?.[1]);
  assert.ok(count >= acked.size, `restart reports ${count} messages, ${acked.size} were acknowledged`);
  restarted.child.kill('SIGTERM');
  assert.equal(await restarted.exited, 0);

  const store = new DiskStore({ dir: dataDir, summarise, maxMessages: 0, maxAgeMs: null, log: () => {} });
  await store.open();
  try {
    for (const [id, n] of acked) {
      const summary = store.get(id);
      assert.ok(summary, `acknowledged message ${id} (#${n}) is missing`);
      assert.equal(summary.Subject, `crash ${n}`);
      assert.deepEqual(await store.readRaw(id), message(n));
    }
    // Messages stored but not yet acknowledged at the kill are fine to keep, but must be whole.
    for (const summary of store.list({ limit: TOTAL }).messages) {
      const n = Number(/crash (\d+)/.exec(summary.Subject)?.[1]);
      assert.deepEqual(await store.readRaw(summary.ID), message(n), `message ${summary.ID} is unreadable`);
    }
  } finally {
    await store.close();
  }
});

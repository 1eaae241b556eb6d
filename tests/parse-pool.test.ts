// The parse worker: what it returns must equal a main-thread parse, and a worker that dies loses no message.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParsePool } from '../server/mail/parse-pool.ts';
import { summarise } from '../server/mail/summarise.ts';
import { meta, rawMessage } from './store-contract.ts';

const html = Buffer.from(
  'From: "Ann" <ann@example.com>\r\nTo: bob@example.com, "Cy" <cy@example.com>\r\nSubject: =?UTF-8?B?w4lsw6h2ZQ==?=\r\n' +
    'X-Tags: alpha, beta\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n' +
    '--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlain body\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>Html body</p>\r\n--b--\r\n',
);

test('overlapping messages go to the worker and come back exactly as a main-thread parse', async () => {
  const pool = new ParsePool();
  const created = new Date('2026-01-02T03:04:05Z');
  const raws = [html, ...Array.from({ length: 20 }, (_, i) => rawMessage(`overlap ${i}`, `body ${i}`))];
  const results = await Promise.all(raws.map((raw, i) => pool.summarise(raw, meta({ username: `job-${i}` }), `ID${i}`, created)));
  await pool.close();
  assert.equal(pool.counts.mainThread, 1, 'only the first, alone, is parsed on the main thread');
  assert.equal(pool.counts.worker, raws.length - 1);
  for (const [i, raw] of raws.entries()) assert.deepEqual(results[i], await summarise(raw, meta({ username: `job-${i}` }), `ID${i}`, created));
  assert.equal(results[0]!.summary.Subject, 'Élève');
});

test('a worker that dies mid-parse: its messages are parsed on the main thread, none lost', async () => {
  const pool = new ParsePool();
  const created = new Date();
  const pending = Array.from({ length: 50 }, (_, i) => pool.summarise(rawMessage(`crash ${i}`), meta(), `C${i}`, created));
  await pool.killWorker();
  const results = await Promise.all(pending);
  assert.deepEqual(
    results.map((r) => r.summary.Subject),
    Array.from({ length: 50 }, (_, i) => `crash ${i}`),
  );
  assert.ok(pool.counts.recovered > 0, 'some parses were still in the worker when it died');
  // A new worker takes over afterwards.
  const again = await Promise.all([1, 2, 3].map((i) => pool.summarise(rawMessage(`after ${i}`), meta(), `A${i}`, created)));
  assert.deepEqual(again.map((r) => r.summary.Subject), ['after 1', 'after 2', 'after 3']);
  await pool.close();
});

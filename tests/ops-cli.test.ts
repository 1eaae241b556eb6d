// The subcommands as users run them (child processes): export → import reproduces every byte, mbox import, the
// refusal while a server holds the folder, and sendmail -t.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { mailer, queuedId } from './helpers/api.ts';
import { allIndexed, startTestApp, tempDir } from './helpers/app.ts';
import { DiskStore } from '../server/store/disk-store.ts';
import { summarise } from '../server/mail/summarise.ts';

function cli(args: string[], stdin = ''): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', ...args], { env: { ...process.env, MAILCOVE_DATA: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

test('export then import into an empty folder reproduces every raw message; mbox import unescapes >From', async () => {
  const app = await startTestApp();
  const send = mailer(app.smtp.port);
  const ids: string[] = [];
  ids.push(queuedId((await send({ subject: 'plain', text: 'From the start\r\n.leading dot\r\n' })).response));
  ids.push(queuedId((await send({ subject: 'ünïcödé', html: '<p>h</p>', attachments: [{ filename: 'a.bin', content: Buffer.from([0, 1, 2, 255]) }] })).response));
  ids.push(queuedId((await send({ subject: 'third', text: 'x' })).response));
  const originals = await Promise.all(ids.map((id) => app.store.readRaw(id)));
  const exportDir = join(tempDir(), 'export');

  // While the server runs, the folder is refused rather than opened by a second writer.
  const refused = await cli(['export', exportDir, '--data', app.dataDir]);
  assert.equal(refused.status, 75, refused.stderr);
  assert.match(refused.stderr, new RegExp(`a Mailcove server \\(pid ${process.pid}\\) is using`));
  await app.stop();

  const exported = await cli(['export', exportDir, '--data', app.dataDir]);
  assert.equal(exported.status, 0, exported.stderr);
  assert.match(exported.stderr, /exported 3\/3 messages/);
  assert.deepEqual(readdirSync(exportDir).sort(), ids.map((id) => `${id}.eml`).sort());
  for (const [i, id] of ids.entries()) assert.ok(readFileSync(join(exportDir, `${id}.eml`)).equals(originals[i]!), `export of ${id}`);

  const mbox = join(tempDir(), 'box.mbox');
  writeFileSync(mbox, [
    'From alice@example.com Thu Jan  1 00:00:00 2026',
    'From: Alice <alice@example.com>', 'Subject: first', '', 'line one', '>From the quoted line', '>>From twice quoted', '',
    'From bob@example.com Thu Jan  1 00:00:01 2026',
    'From: Bob <bob@example.com>', 'Subject: second', '', 'bye', '', ''].join('\n'));
  const target = tempDir();
  const imported = await cli(['import', exportDir, mbox, '--data', target]);
  assert.equal(imported.status, 0, imported.stderr);
  assert.match(imported.stderr, /imported 5 messages/);

  const store = new DiskStore({ dir: target, summarise, maxMessages: 0, maxAgeMs: null });
  await store.open();
  try {
    const list = store.list({ limit: 100 }).messages.reverse();
    assert.equal(list.length, 5);
    // Exported files are named by ID, which sorts in arrival order: the order survives too.
    for (const [i, summary] of list.slice(0, 3).entries()) assert.ok((await store.readRaw(summary.ID)).equals(originals[i]!), `raw ${i}`);
    assert.deepEqual(list.slice(0, 3).map((m) => m.Subject), ['plain', 'ünïcödé', 'third']);
    const [first, second] = list.slice(3);
    assert.equal((await store.readRaw(first!.ID)).toString(), 'From: Alice <alice@example.com>\r\nSubject: first\r\n\r\nline one\r\nFrom the quoted line\r\n>From twice quoted\r\n');
    assert.equal(first!.Envelope.MailFrom, 'alice@example.com');
    assert.equal((await store.readRaw(second!.ID)).toString(), 'From: Bob <bob@example.com>\r\nSubject: second\r\n\r\nbye\r\n');
  } finally {
    await store.close();
  }
});

test('sendmail -t delivers to To, Cc and Bcc with the From address as sender, and strips Bcc', async () => {
  const app = await startTestApp();
  try {
    const message = [
      'From: "App" <app@example.com>',
      'To: Ann <ann@example.com>, bob@example.com',
      'Cc: carol@example.com',
      'Bcc: hidden@example.com,',
      ' other-hidden@example.com',
      'Subject: via sendmail',
      '',
      'Hello from sendmail.',
      '',
    ].join('\r\n');
    const run = await cli(['sendmail', '-t', '-i', '--smtp-addr', `127.0.0.1:${app.smtp.port}`], message);
    assert.equal(run.status, 0, run.stderr);
    await allIndexed();
    const stored = app.store.latest();
    assert.ok(stored, 'a message arrived');
    assert.equal(stored.Subject, 'via sendmail');
    assert.equal(stored.Envelope.MailFrom, 'app@example.com');
    assert.deepEqual([...stored.Envelope.RcptTo].sort(), ['ann@example.com', 'bob@example.com', 'carol@example.com', 'hidden@example.com', 'other-hidden@example.com']);
    const raw = (await app.store.readRaw(stored.ID)).toString();
    assert.doesNotMatch(raw, /^bcc:/im);
    assert.doesNotMatch(raw, /hidden@example\.com/);
    assert.match(raw, /^To: Ann <ann@example\.com>, bob@example\.com\r\nCc: carol@example\.com\r\nSubject: via sendmail\r\n\r\nHello from sendmail\.\r\n/m);
    assert.deepEqual(stored.Bcc.map((a) => a.Address).sort(), ['hidden@example.com', 'other-hidden@example.com']);

    const none = await cli(['sendmail', '--smtp-addr', `127.0.0.1:${app.smtp.port}`], message);
    assert.equal(none.status, 64);
    assert.match(none.stderr, /no recipients/);
  } finally {
    await app.dispose();
  }
});

// Bad input gets a clear SMTP error and never costs anyone else their mail.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import nodemailer from 'nodemailer';
import { allIndexed, startTestApp, tempDir, type TestApp } from './helpers/app.ts';
import { RawSmtp } from './helpers/smtp-session.ts';

const plain = (s: string) => Buffer.from(s).toString('base64');

describe('SMTP bad input', () => {
  let app: TestApp;
  before(async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'users'), 'alice:right\n');
    app = await startTestApp(['--max-message-size', '1MB', '--smtp-auth-file', join(dir, 'users')]);
  });
  after(() => app.dispose());

  test('an oversized message gets 552 and nothing of it is stored', async () => {
    const before = app.store.count();
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: app.smtp.port, tls: { rejectUnauthorized: false } });
    await assert.rejects(
      transport.sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 'too big', text: 'x'.repeat(1536 * 1024) }),
      (err: Error & { responseCode?: number }) => err.responseCode === 552,
    );
    // Declared up front with SIZE=, the refusal comes at MAIL FROM.
    const s = await RawSmtp.connect(app.smtp.port);
    await s.read();
    await s.command('EHLO client');
    const reply = await s.command('MAIL FROM:<a@example.com> SIZE=999999999');
    assert.equal(reply.code, 552);
    s.close();
    await allIndexed();
    assert.equal(app.store.count(), before);
    assert.equal(app.store.list({ filter: (m) => m.Subject === 'too big' }).total, 0);
  });

  test('a wrong password gets 535, and the client may try again in the same session', async () => {
    const s = await RawSmtp.connect(app.smtp.port);
    await s.read();
    const ehlo = await s.command('EHLO client');
    for (const ext of ['PIPELINING', '8BITMIME', 'SMTPUTF8', 'SIZE 1048576', 'ENHANCEDSTATUSCODES', 'STARTTLS', 'AUTH PLAIN LOGIN CRAM-MD5']) {
      assert.ok(ehlo.lines.some((l) => l.slice(4) === ext), `EHLO lacks ${ext}:\n${ehlo.text}`);
    }
    assert.equal((await s.command(`AUTH PLAIN ${plain('\0alice\0wrong')}`)).code, 535);
    assert.equal((await s.command(`AUTH PLAIN ${plain('\0alice\0right')}`)).code, 235);
    assert.equal((await s.command('MAIL FROM:<a@example.com>')).code, 250);
    assert.equal((await s.command('RCPT TO:<b@example.com>')).code, 250);
    assert.equal((await s.command('DATA')).code, 354);
    const done = await s.command('Subject: after retry\r\n\r\nhello\r\n.');
    assert.equal(done.code, 250);
    await allIndexed();
    assert.equal(app.store.list({ filter: (m) => m.Subject === 'after retry' }).messages[0]?.Username, 'alice');
    s.close();
  });

  test('garbage commands get 5xx replies while other sessions keep being served', async () => {
    const garbage = await RawSmtp.connect(app.smtp.port);
    await garbage.read();
    const replies = [];
    for (const line of ['HELLO?', 'MAIL', 'RCPT TO:<x@y>', 'DATA', '\u0001\u0002\u00ff binary junk', 'MAIL FROM:not-an-address']) {
      replies.push((await garbage.command(line)).code);
    }
    for (const code of replies) assert.ok(code >= 500 && code < 600, `expected 5xx, got ${replies.join(',')}`);

    // Meanwhile a well-behaved client delivers normally.
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: app.smtp.port, tls: { rejectUnauthorized: false } });
    const info = await transport.sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 'still served', text: 'ok' });
    assert.match(info.response, /^250 /);
    await allIndexed();
    assert.equal(app.store.list({ filter: (m) => m.Subject === 'still served' }).total, 1);
    garbage.close();
  });

  test('MIME that mailparser refuses is stored raw with the reason', async () => {
    const nested = Array.from({ length: 3000 }, (_, i) => `Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}\r\n`).join('');
    const raw = Buffer.from('Subject: nested too deep\r\n' + nested);
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: app.smtp.port, tls: { rejectUnauthorized: false } });
    const info = await transport.sendMail({ envelope: { from: 'deep@example.com', to: ['b@example.com'] }, raw });
    const id = /queued as (\w+)/.exec(info.response)?.[1];
    assert.ok(id, info.response);
    await allIndexed();
    const summary = app.store.get(id);
    assert.match(summary?.ParseError ?? '', /child nodes/);
    assert.equal(summary?.From?.Address, 'deep@example.com');
    assert.deepEqual(await app.store.readRaw(id), raw);
  });

  test('a message with no header block is still stored raw', async () => {
    const s = await RawSmtp.connect(app.smtp.port);
    await s.read();
    await s.command('EHLO client');
    await s.command('MAIL FROM:<weird@example.com>');
    await s.command('RCPT TO:<b@example.com>');
    await s.command('DATA');
    const body = 'this is not\r\na header block at all\r\n\r\n--boundary-without-type\r\n\u0000\u0001';
    const reply = await s.command(body + '\r\n.');
    assert.equal(reply.code, 250);
    const id = /queued as (\w+)/.exec(reply.text)?.[1];
    assert.ok(id);
    await allIndexed();
    const raw = await app.store.readRaw(id);
    assert.equal(raw.toString('latin1'), body + '\r\n');
    assert.equal(app.store.get(id)?.Envelope.MailFrom, 'weird@example.com');
    s.close();
  });
});

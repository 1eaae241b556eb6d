// Real clients (nodemailer and Python's smtplib) deliver over every path; the stored bytes equal what was sent.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { MessageSummary } from '../server/store/types.ts';
import { allIndexed, startTestApp, tempDir, type TestApp } from './helpers/app.ts';
import { pythonAvailable, sendWithPython } from './helpers/python-smtp.ts';

const tlsOff = { rejectUnauthorized: false };

function compose(options: ConstructorParameters<typeof MailComposer>[0]): Promise<Buffer> {
  return new MailComposer(options).compile().build();
}

/** The newest message whose subject is `subject`; fails the test when there is none. */
async function bySubject(app: TestApp, subject: string): Promise<MessageSummary> {
  await allIndexed();
  const found = app.store.list({ limit: 1, filter: (m) => m.Subject === subject }).messages[0];
  assert.ok(found, `message "${subject}" was not stored`);
  return found;
}

test('python3 with smtplib is installed (run .ci/run or apt-get install python3)', () => {
  assert.ok(pythonAvailable(), 'python3 with smtplib and ssl is required by these tests');
});

describe('plain listener with STARTTLS, accept-any AUTH', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.dispose());

  test('nodemailer over STARTTLS: bytes stored exactly, metadata recorded', async () => {
    const raw = await compose({ from: 'App <app@example.com>', to: 'user@example.com', subject: 'starttls nodemailer', text: 'hello over TLS\r\n' });
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: app.smtp.port, requireTLS: true, tls: tlsOff, name: 'client.example' });
    const info = await transport.sendMail({ envelope: { from: 'bounce@example.com', to: ['user@example.com'] }, raw });
    assert.match(info.response, /^250 /);
    const m = (await bySubject(app, 'starttls nodemailer'));
    assert.deepEqual(await app.store.readRaw(m.ID), raw);
    assert.equal(m.Client.TLS, true);
    assert.equal(m.Client.Helo, 'client.example');
    assert.equal(m.Client.Address, '127.0.0.1');
    assert.deepEqual(m.Envelope, { MailFrom: 'bounce@example.com', RcptTo: ['user@example.com'] });
    assert.equal(m.Inbox, 'default');
    assert.equal(m.Username, '');
  });

  test('python smtplib over STARTTLS, and EHLO offers every extension', async () => {
    const raw = Buffer.from('From: py@example.com\r\nTo: rcpt@example.com\r\nSubject: starttls python\r\n\r\nfrom python\r\n');
    const result = await sendWithPython({ port: app.smtp.port, mode: 'starttls', from: 'py@example.com', to: ['rcpt@example.com'], message: raw });
    assert.equal(result.ok, true, result.error);
    for (const feature of ['pipelining', '8bitmime', 'smtputf8', 'size', 'enhancedstatuscodes', 'auth']) {
      assert.ok(result.features.includes(feature), `EHLO after STARTTLS lacks ${feature}: ${result.features.join(',')}`);
    }
    const m = (await bySubject(app, 'starttls python'));
    assert.deepEqual(await app.store.readRaw(m.ID), raw);
    assert.equal(m.Client.TLS, true);
  });

  test('any credentials are accepted; the AUTH username names the inbox', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: app.smtp.port, tls: tlsOff, auth: { user: 'ci-job-42', pass: 'whatever' } });
    await transport.sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 'accept any auth', text: 'x' });
    const m = (await bySubject(app, 'accept any auth'));
    assert.equal(m.Username, 'ci-job-42');
    assert.equal(m.Inbox, 'ci-job-42');
    const py = await sendWithPython({ port: app.smtp.port, mode: 'plain', from: 'a@example.com', to: ['b@example.com'], user: 'py-job', password: 'anything', message: Buffer.from('Subject: py accept any\r\n\r\nx\r\n') });
    assert.equal(py.ok, true, py.error);
    assert.equal((await bySubject(app, 'py accept any')).Inbox, 'py-job');
  });

  test('without AUTH, the X-Mailcove-Inbox header names the inbox; envelope-only recipients are Bcc', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: app.smtp.port, tls: tlsOff });
    await transport.sendMail({
      from: 'a@example.com',
      to: 'Visible <to@example.com>',
      cc: 'cc@example.com',
      bcc: ['hidden@example.com'],
      subject: 'inbox header',
      text: 'x',
      headers: { 'X-Mailcove-Inbox': 'signup-tests' },
    });
    const m = (await bySubject(app, 'inbox header'));
    assert.equal(m.Inbox, 'signup-tests');
    assert.deepEqual(m.To, [{ Name: 'Visible', Address: 'to@example.com' }]);
    assert.deepEqual(m.Cc, [{ Name: '', Address: 'cc@example.com' }]);
    assert.deepEqual(m.Bcc, [{ Name: '', Address: 'hidden@example.com' }]);
    assert.deepEqual(m.Envelope.RcptTo.sort(), ['cc@example.com', 'hidden@example.com', 'to@example.com']);
  });

  test('SMTPUTF8 addresses', async () => {
    const from = 'jörg@exämple.de';
    const to = 'пользователь@пример.рф';
    const raw = Buffer.from(`From: ${from}\r\nTo: ${to}\r\nSubject: utf8 addresses\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nGrüße\r\n`);
    const py = await sendWithPython({ port: app.smtp.port, mode: 'plain', from, to: [to], message: raw, smtputf8: true });
    assert.equal(py.ok, true, py.error);
    const m = (await bySubject(app, 'utf8 addresses'));
    assert.equal(m.Envelope.MailFrom, from);
    assert.deepEqual(m.Envelope.RcptTo, [to]);
    assert.equal(m.From?.Address, from);
    assert.deepEqual(await app.store.readRaw(m.ID), raw);

    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: app.smtp.port, tls: tlsOff });
    await transport.sendMail({ from, to, subject: 'utf8 nodemailer', text: 'Grüße' });
    assert.equal((await bySubject(app, 'utf8 nodemailer')).Envelope.MailFrom, from);
  });

  test('an 8-bit body is kept byte for byte', async () => {
    const body = Buffer.concat([
      Buffer.from('From: a@example.com\r\nTo: b@example.com\r\nSubject: eight bit\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'),
      Buffer.from([0x47, 0x72, 0xfc, 0xdf, 0x65, 0x20, 0xe9, 0xe8, 0xff, 0x0d, 0x0a]),
      Buffer.from('Zoë ☃ 日本語\r\n', 'utf8'),
    ]);
    const py = await sendWithPython({ port: app.smtp.port, mode: 'plain', from: 'a@example.com', to: ['b@example.com'], message: body });
    assert.equal(py.ok, true, py.error);
    const m = (await bySubject(app, 'eight bit'));
    assert.deepEqual(await app.store.readRaw(m.ID), body);
    assert.match(m.Snippet, /Grüße/);
  });

  test('dot-leading lines are unstuffed back to what was sent', async () => {
    const raw = Buffer.from('From: a@example.com\r\nTo: b@example.com\r\nSubject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\n...\r\nend\r\n');
    const py = await sendWithPython({ port: app.smtp.port, mode: 'plain', from: 'a@example.com', to: ['b@example.com'], message: raw });
    assert.equal(py.ok, true, py.error);
    assert.deepEqual(await app.store.readRaw((await bySubject(app, 'dots')).ID), raw);
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: app.smtp.port, tls: tlsOff });
    const raw2 = Buffer.from(raw.toString().replace('Subject: dots', 'Subject: dots nodemailer'));
    await transport.sendMail({ envelope: { from: 'a@example.com', to: ['b@example.com'] }, raw: raw2 });
    assert.deepEqual(await app.store.readRaw((await bySubject(app, 'dots nodemailer')).ID), raw2);
  });

  test('a 10 MB attachment arrives intact', async () => {
    const attachment = randomBytes(10 * 1024 * 1024);
    const raw = await compose({ from: 'a@example.com', to: 'b@example.com', subject: 'ten megabytes', text: 'see attached', attachments: [{ filename: 'blob.bin', content: attachment }] });
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: app.smtp.port, tls: tlsOff });
    await transport.sendMail({ envelope: { from: 'a@example.com', to: ['b@example.com'] }, raw });
    const m = (await bySubject(app, 'ten megabytes'));
    assert.equal(m.Attachments, 1);
    assert.equal(m.Size, raw.length);
    assert.deepEqual(await app.store.readRaw(m.ID), raw);
  });
});

describe('implicit TLS (SMTPS)', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp(['--smtp-require-tls']);
  });
  after(() => app.dispose());

  test('nodemailer and smtplib deliver over implicit TLS', async () => {
    const raw = await compose({ from: 'a@example.com', to: 'b@example.com', subject: 'smtps nodemailer', text: 'secure' });
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: app.smtp.port, secure: true, tls: tlsOff });
    await transport.sendMail({ envelope: { from: 'a@example.com', to: ['b@example.com'] }, raw });
    const m = (await bySubject(app, 'smtps nodemailer'));
    assert.deepEqual(await app.store.readRaw(m.ID), raw);
    assert.equal(m.Client.TLS, true);

    const pyRaw = Buffer.from('Subject: smtps python\r\n\r\nsecure too\r\n');
    const py = await sendWithPython({ port: app.smtp.port, mode: 'ssl', from: 'a@example.com', to: ['b@example.com'], message: pyRaw });
    assert.equal(py.ok, true, py.error);
    assert.deepEqual(await app.store.readRaw((await bySubject(app, 'smtps python')).ID), pyRaw);
  });

  test('a plain-text client gets no SMTP greeting', async () => {
    const net = await import('node:net');
    const greeting = await new Promise<string>((resolve) => {
      const socket = net.connect(app.smtp.port, '127.0.0.1');
      let data = '';
      socket.on('data', (d) => (data += d.toString('latin1')));
      socket.on('error', () => resolve(data));
      socket.on('close', () => resolve(data));
      setTimeout(() => socket.destroy(), 500);
    });
    assert.doesNotMatch(greeting, /^220 /);
  });
});

describe('AUTH with a credentials file', () => {
  let app: TestApp;
  let dir: string;
  before(async () => {
    dir = tempDir();
    const file = join(dir, 'users.txt');
    writeFileSync(file, '# test users\nalice:s3cret\nbob:hunter2:with:colons\n');
    app = await startTestApp(['--smtp-auth-file', file]);
  });
  after(() => app.dispose());

  test('correct passwords pass with PLAIN, LOGIN and CRAM-MD5', async () => {
    for (const method of ['PLAIN', 'LOGIN', 'CRAM-MD5']) {
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: app.smtp.port, tls: tlsOff, authMethod: method, auth: { user: 'alice', pass: 's3cret' } });
      await transport.sendMail({ from: 'a@example.com', to: 'b@example.com', subject: `auth ${method}`, text: 'x' });
      assert.equal((await bySubject(app, `auth ${method}`)).Username, 'alice');
    }
    // smtplib prefers CRAM-MD5; a password containing colons is kept whole.
    const py = await sendWithPython({ port: app.smtp.port, mode: 'starttls', from: 'a@example.com', to: ['b@example.com'], user: 'bob', password: 'hunter2:with:colons', message: Buffer.from('Subject: auth python\r\n\r\nx\r\n') });
    assert.equal(py.ok, true, py.error);
    assert.equal((await bySubject(app, 'auth python')).Inbox, 'bob');
  });

  test('a wrong password gets 535 and nothing is stored', async () => {
    const before = app.store.count();
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: app.smtp.port, tls: tlsOff, auth: { user: 'alice', pass: 'wrong' } });
    await assert.rejects(transport.sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 'bad auth', text: 'x' }), (err: Error & { responseCode?: number }) => err.responseCode === 535);
    const py = await sendWithPython({ port: app.smtp.port, mode: 'plain', from: 'a@example.com', to: ['b@example.com'], user: 'mallory', password: 'x', message: Buffer.from('Subject: nope\r\n\r\nx\r\n') });
    assert.equal(py.ok, false);
    assert.equal(py.code, 535);
    assert.equal(app.store.count(), before);
  });
});

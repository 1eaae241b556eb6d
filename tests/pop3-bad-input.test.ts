// What no well-behaved client sends: over-long lines, binary garbage, commands in the wrong state, plaintext
// smuggled behind STLS, hundreds of idle connections, more connections than the cap, and a client that goes quiet.
// Every case gets -ERR (or a clean close) and the server keeps serving everyone else.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { LiveEvent } from '../server/events/hub.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { mailer } from './helpers/api.ts';
import { Pop3Client, unstuff } from './helpers/pop3-client.ts';
import { startTestPop3 } from './helpers/pop3-listener.ts';

describe('POP3 bad input', () => {
  let app: TestApp;
  let port: number;
  before(async () => {
    app = await startTestApp();
    port = app.pop3.port;
    await mailer(app.smtp.port, { user: 'victim', pass: 'x' })({ subject: 'still served', text: 'hello\n.dot' });
  });
  after(() => app.dispose());

  test('a command line over 255 octets gets -ERR and a pop3 error event; 255 exactly is fine; the session goes on', async () => {
    const errors: LiveEvent[] = [];
    const unsubscribe = app.hub.subscribe((e) => e.Type === 'error' && errors.push(e));
    const client = await Pop3Client.connect(port);
    await client.line();
    assert.match(await client.command('USER ' + 'a'.repeat(5000)), /^-ERR line too long/);
    // 5 + 248 + CRLF = 255 octets, the most RFC 2449 requires; one more is refused.
    assert.equal(await client.command('USER ' + 'b'.repeat(248)), '+OK send PASS');
    assert.match(await client.command('USER ' + 'b'.repeat(249)), /^-ERR line too long/);
    assert.match(await client.command('USER victim'), /^\+OK/);
    assert.match(await client.command('PASS x'), /^\+OK inbox victim has 1 messages/);
    client.close();
    unsubscribe();
    const mine = errors.filter((e) => e.Type === 'error' && e.Data.Type === 'pop3' && e.Data.IP === '127.0.0.1');
    assert.equal(mine.length, 2);
    assert.match((mine[0] as Extract<LiveEvent, { Type: 'error' }>).Data.Message, /5007 octets, over the 255-octet limit/);
  });

  test('binary garbage, NULs and bare LFs get -ERR line by line, and the session still works', async () => {
    const client = await Pop3Client.connect(port);
    await client.line();
    const garbage = Buffer.concat([randomBytes(3000).map((b) => (b === 0x0a ? 0x00 : b)), Buffer.from('\n\x00\xff\xfe\r\n\r\nNOOP\n')]);
    client.write(garbage);
    // One over-long line, then "\0\xff\xfe", an empty line, and NOOP (allowed only after login): four -ERRs.
    for (let i = 0; i < 4; i++) assert.match(await client.line(), /^-ERR /);
    assert.match(await client.command('USER victim'), /^\+OK/);
    assert.match(await client.command('PASS x'), /^\+OK/);
    const retr = await client.multiline('RETR 1');
    assert.match(retr.status, /^\+OK \d+ octets$/);
    assert.match(unstuff(retr.body).toString(), /\r\nhello\r\n\.dot\r\n$/);
    client.close();
  });

  test('commands in the wrong state or unknown get -ERR without ending the session', async () => {
    const client = await Pop3Client.connect(port);
    await client.line();
    for (const command of ['STAT', 'LIST', 'RETR 1', 'DELE 1', 'NOOP', 'PASS x', 'XYZZY', '', 'TOP 1']) {
      assert.match(await client.command(command), /^-ERR /, command);
    }
    assert.match(await client.command('STAT'), /^-ERR STAT is not allowed in the AUTHORIZATION state/);
    assert.match(await client.command('USER victim'), /^\+OK/);
    assert.match(await client.command('PASS x'), /^\+OK/);
    for (const command of ['USER victim', 'PASS x', 'APOP victim 0123456789abcdef0123456789abcdef', 'AUTH PLAIN', 'STLS', 'RETR', 'RETR 0', 'RETR 2', 'RETR x', 'TOP 1', 'TOP 1 -1', 'LIST 99', 'DELE 2', 'UIDL 0']) {
      assert.match(await client.command(command), /^-ERR /, command);
    }
    assert.match(await client.command('STAT'), /^\+OK 1 \d+$/);
    assert.equal(await client.command('QUIT'), '+OK signing off (0 messages deleted)');
    await client.closedByServer();
  });

  test('pipelined commands are answered in order', async () => {
    const client = await Pop3Client.connect(port);
    await client.line();
    client.write('USER victim\r\nPASS x\r\nSTAT\r\nLIST\r\nUIDL 1\r\nNOOP\r\nQUIT\r\n');
    assert.equal(await client.line(), '+OK send PASS');
    assert.match(await client.line(), /^\+OK inbox victim/);
    assert.match(await client.line(), /^\+OK 1 \d+$/);
    assert.match(await client.line(), /^\+OK 1 messages/);
    assert.match((await client.body()).toString(), /^1 \d+\r\n$/);
    assert.match(await client.line(), /^\+OK 1 \w{20}$/);
    assert.equal(await client.line(), '+OK');
    assert.match(await client.line(), /^\+OK signing off/);
    await client.closedByServer();
  });

  test('plaintext pipelined behind STLS is dropped, never run inside the TLS session', async () => {
    const client = await Pop3Client.connect(port);
    await client.line();
    client.write('STLS\r\nUSER victim\r\n');
    assert.equal(await client.line(), '+OK begin TLS negotiation');
    await client.startTls();
    assert.match(await client.command('PASS x'), /^-ERR send USER first/);
    assert.match(await client.command('STLS'), /^-ERR TLS is already active/);
    assert.match(await client.command('USER victim'), /^\+OK/);
    assert.match(await client.command('PASS x'), /^\+OK inbox victim/);
    client.close();
  });

  test('a failed STLS handshake closes the connection and is reported as a pop3 error event', async () => {
    const errors: LiveEvent[] = [];
    const unsubscribe = app.hub.subscribe((e) => e.Type === 'error' && errors.push(e));
    const client = await Pop3Client.connect(port);
    await client.line();
    assert.equal(await client.command('STLS'), '+OK begin TLS negotiation');
    client.write('this is not a TLS ClientHello\r\n');
    await client.closedByServer();
    unsubscribe();
    assert.ok(errors.some((e) => e.Type === 'error' && /^POP3 STLS handshake failed/.test(e.Data.Message)), JSON.stringify(errors));
  });

  test('500 idle connections do not stop another client from being served', async () => {
    const idle = await Promise.all(Array.from({ length: 500 }, () => Pop3Client.connect(port)));
    await Promise.all(idle.map((c) => c.line()));
    const started = performance.now();
    const client = await Pop3Client.connect(port);
    assert.match(await client.login('victim'), /^\+OK/);
    const retr = await client.multiline('RETR 1');
    const ms = performance.now() - started;
    assert.match(retr.status, /^\+OK/);
    assert.ok(ms < 2000, `served in ${ms.toFixed(0)} ms beside 500 idle connections`);
    client.close();
    for (const c of idle) c.close();
  });
});

describe('POP3 connection cap and idle timeout', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp(['--pop3-max-connections', '3']);
  });
  after(() => app.dispose());

  test('connections past --pop3-max-connections get -ERR [SYS/TEMP]; a freed slot is reused, STLS sessions included', async () => {
    const open = await Promise.all([1, 2, 3].map(() => Pop3Client.connect(app.pop3.port)));
    for (const c of open) assert.match(await c.line(), /^\+OK Mailcove POP3 server ready/);
    const refused = await Pop3Client.connect(app.pop3.port);
    assert.match(await refused.line(), /^-ERR \[SYS\/TEMP\] too many connections/);
    await refused.closedByServer();

    // A session upgraded with STLS must give its slot back when it ends, like a plain one.
    assert.equal(await open[0]!.command('STLS'), '+OK begin TLS negotiation');
    await open[0]!.startTls();
    assert.equal(await open[0]!.command('QUIT'), '+OK Mailcove POP3 server signing off');
    await open[0]!.closedByServer();
    // The server sees a close a moment after the client does (a refused attempt holds a slot until then too); a
    // leaked slot would keep refusing.
    let greeting = '';
    for (const deadline = Date.now() + 2000; !greeting.startsWith('+OK') && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const next = await Pop3Client.connect(app.pop3.port);
      greeting = await next.line();
      next.close();
    }
    assert.match(greeting, /^\+OK Mailcove POP3 server ready/);
    for (const c of open) c.close();
  });

  test('an idle session is closed without a reply and without entering UPDATE', async () => {
    const listener = await startTestPop3(app, { idleTimeoutMs: 300 });
    try {
      await mailer(app.smtp.port, { user: 'sleepy', pass: 'x' })({ subject: 'kept', text: 'x' });
      const client = await Pop3Client.connect(listener.port);
      assert.match(await client.login('sleepy'), /^\+OK inbox sleepy has 1 messages/);
      assert.equal(await client.command('DELE 1'), '+OK message 1 deleted');
      const started = performance.now();
      await client.closedByServer(3000);
      assert.ok(performance.now() - started >= 250, 'closed by the idle timer, not at once');
      await assert.rejects(client.line(50), /closed/, 'no reply was sent');
      assert.equal(app.store.list({ filter: (m) => m.Inbox === 'sleepy' }).total, 1, 'the DELE was not applied');
    } finally {
      await listener.close();
    }
  });
});

// POP3 logins when credentials are configured: every login form checks them, failures carry RFC 3206's [AUTH]
// code and are answered more slowly each time, and APOP needs a plain secret. A second listener runs on the test
// app's store with the credentials hook the inbox credentials file will use, and short delays.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import bcrypt from 'bcryptjs';
import { InboxAuth } from '../server/auth/inbox-auth.ts';
import { Authenticator, credentialsFor } from '../server/pop3/login.ts';
import type { Pop3Listener } from '../server/pop3/pop3-server.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { mailer } from './helpers/api.ts';
import { Pop3Client } from './helpers/pop3-client.ts';
import { startTestPop3 } from './helpers/pop3-listener.ts';
import { ok, poplib, type StepResult } from './helpers/python-pop3.ts';

const BASE_DELAY_MS = 50;

function failed(result: StepResult | undefined): string {
  assert.ok(result && !result.ok, `expected -ERR, got ${JSON.stringify(result)}`);
  return result.error;
}

describe('POP3 logins with credentials configured', () => {
  let app: TestApp;
  let pop3: Pop3Listener;
  let port: number;
  const errors: string[] = [];
  before(async () => {
    app = await startTestApp();
    await mailer(app.smtp.port, { user: 'alice', pass: 'x' })({ subject: 'for alice', text: 'hi' });
    await mailer(app.smtp.port, { user: 'hashed', pass: 'x' })({ subject: 'for hashed', text: 'hi' });
    const credentials = credentialsFor(new InboxAuth(new Map([['alice', 'wonderland'], ['hashed', bcrypt.hashSync('secret', 4)], ['*', 'admin']])));
    pop3 = await startTestPop3(app, {
      credentials,
      clientError: (_ip, message) => errors.push(message),
      loginDelay: { baseMs: BASE_DELAY_MS, maxMs: 2000 },
    });
    port = pop3.port;
  });
  after(async () => {
    await pop3.close();
    await app.dispose();
  });

  test('USER/PASS, APOP and AUTH PLAIN accept the right password and refuse others with [AUTH]', async () => {
    const r = await poplib(port, [
      ['user', 'alice'], ['pass', 'wrong'],
      ['user', 'ALICE'], ['pass', 'also wrong'],
      ['apop', 'alice', 'wrong'],
      ['auth_plain', 'alice', 'wrong', 'initial'],
      ['apop', 'alice', 'wonderland'], ['stat'], ['quit'],
    ]);
    for (const i of [2, 4, 5, 6]) assert.match(failed(r[i]), /^-ERR \[AUTH\] /);
    assert.equal(ok(r[8])[0], 1, 'APOP with the right secret opens the inbox');
    assert.ok(errors.includes('POP3 login failed for "alice"') && errors.includes('POP3 login failed for "ALICE"'));
    // A name the file does not list keeps the sandbox's accept-any.
    const unlisted = await poplib(port, [['user', 'nobody'], ['pass', 'anything'], ['stat'], ['quit']]);
    assert.equal(ok(unlisted[3])[0], 0);

    const plain = await poplib(port, [['auth_plain', 'alice', 'wonderland', 'continuation'], ['stat'], ['quit']]);
    assert.equal(ok(plain[2])[0], 1);
    const all = await poplib(port, [['user', '*'], ['pass', 'admin'], ['stat'], ['quit']]);
    assert.equal(ok(all[3])[0], 2, '* with its own entry sees every inbox');
  });

  test('a hashed entry opens with USER/PASS but never with APOP, which needs the plain secret', async () => {
    const r = await poplib(port, [['apop', 'hashed', 'secret'], ['user', 'hashed'], ['pass', 'secret'], ['stat'], ['quit']]);
    assert.match(failed(r[1]), /^-ERR \[AUTH\] /);
    assert.equal(ok(r[4])[0], 1);
  });

  test('an authorisation identity other than the login name is refused', async () => {
    const client = await Pop3Client.connect(port);
    await client.line();
    const asBob = Buffer.from('bob\0alice\0wonderland').toString('base64');
    assert.match(await client.command(`AUTH PLAIN ${asBob}`), /^-ERR \[AUTH\] /);
    assert.match(await client.command('AUTH PLAIN not*base64'), /^-ERR malformed/);
    assert.match(await client.command('AUTH CRAM-MD5'), /^-ERR unsupported SASL mechanism/);
    const same = Buffer.from('alice\0alice\0wonderland').toString('base64');
    assert.match(await client.command(`AUTH PLAIN ${same}`), /^\+OK inbox alice/);
    client.close();
  });

  test('each failure from an address waits twice as long as the one before; a success starts over', async () => {
    const r = await poplib(port, [
      ['user', 'alice'], ['pass', 'bad1'],
      ['user', 'alice'], ['pass', 'bad2'],
      ['user', 'alice'], ['pass', 'bad3'],
      ['user', 'alice'], ['pass', 'bad4'],
      ['user', 'alice'], ['pass', 'wonderland'],
      ['quit'],
    ]);
    const waits = [2, 4, 6, 8].map((i) => r[i]!.ms);
    waits.forEach((ms, i) => assert.ok(ms >= BASE_DELAY_MS * 2 ** i - 5, `failures answered after ${waits.join(', ')} ms`));
    assert.equal(ok(r[10]).startsWith('+OK'), true);

    const after = await poplib(port, [['user', 'alice'], ['pass', 'bad'], ['quit']]);
    // Without the reset this would wait 16 × the base delay.
    assert.ok(after[2]!.ms < 10 * BASE_DELAY_MS, `the first failure after a success waited ${after[2]!.ms} ms`);
  });
});

test('names that normalise to a protected inbox are that inbox: "alice " and " *" need its password at every door', async (t) => {
  const auth = new InboxAuth(new Map([['alice', 'wonderland'], ['*', 'admin']]));
  // SMTP AUTH and HTTP Basic ask InboxAuth directly.
  assert.equal(auth.check('alice ', 'anything'), 'fail');
  assert.equal(auth.check('\u0001ALICE', 'wonderland'), 'pass');
  assert.equal(auth.check(' *', 'anything'), 'fail');
  const pop3 = new Authenticator(credentialsFor(auth), { baseMs: 1, maxMs: 1 });
  // The failure delay's timer is unref'd (it must not hold a stopping server); this keeps the test's loop alive.
  const alive = setInterval(() => {}, 1000);
  t.after(() => clearInterval(alive));
  assert.equal(await pop3.password('127.0.0.1', 'alice ', 'anything'), null);
  assert.equal(await pop3.password('127.0.0.1', ' *', 'anything'), null);
  assert.equal(await pop3.apop('127.0.0.1', ' *', '<t@x>', '0'.repeat(32)), null);
  assert.equal(await pop3.password('127.0.0.1', ' * ', 'admin'), '*');
  assert.equal(await pop3.password('127.0.0.1', 'Alice ', 'wonderland'), 'Alice');
});

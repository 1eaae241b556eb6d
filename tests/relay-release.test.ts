// Release and auto-relay: a second Mailcove instance is the relay target, so what arrives there is checked for real.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { api, mailer, queuedId } from './helpers/api.ts';
import { startTestApp, tempDir, type TestApp } from './helpers/app.ts';
import { until } from './helpers/until.ts';
import { loadConfig, ConfigError } from '../server/config.ts';

function relayFile(port: number, extra = ''): string {
  const file = join(tempDir('mailcove-relay-'), 'relay.yaml');
  writeFileSync(file, `host: 127.0.0.1\nport: ${port}\nauth: none\nallowed-recipients: '@allowed\\.test$'\nblocked-recipients: '^blocked@'\nreturn-path: bounces@sandbox.test\n${extra}`);
  return file;
}

describe('release through --smtp-relay-config', () => {
  let target: TestApp;
  let sandbox: TestApp;

  before(async () => {
    target = await startTestApp();
    sandbox = await startTestApp(['--smtp-relay-config', relayFile(target.smtp.port), '--smtp-relay-matching', '^auto-']);
  });
  after(async () => {
    await sandbox?.dispose();
    await target?.dispose();
  });

  it('reports the relay in /api/v1/webui', async () => {
    const { body } = await api(sandbox.url).get('/api/v1/webui');
    assert.equal(body.MessageRelay.Enabled, true);
    assert.equal(body.MessageRelay.SMTPServer, `127.0.0.1:${target.smtp.port}`);
    assert.equal(body.MessageRelay.AllowedRecipients, '@allowed\\.test$');
    assert.equal(body.MessageRelay.ReturnPath, 'bounces@sandbox.test');
  });

  it('sends the stored message to the second instance, with a new Message-ID and without Bcc', async () => {
    const info = await mailer(sandbox.smtp.port)({ to: 'dev@example.com', bcc: 'hidden@example.com', subject: 'release me', text: 'body stays\r\n', messageId: '<original@app.test>' });
    const id = queuedId(info.response);
    const res = await api(sandbox.url).post(`/api/v1/message/${id}/release`, { To: ['Person <person@allowed.test>'] });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.text, 'ok');
    const arrived = await until(() => target.store.list({ limit: 10 }).messages.find((m) => m.Subject === 'release me'), 'the released message');
    assert.deepEqual(arrived.Envelope.RcptTo, ['person@allowed.test']);
    assert.equal(arrived.Envelope.MailFrom, 'bounces@sandbox.test');
    assert.notEqual(arrived.MessageID, 'original@app.test');
    const raw = (await target.store.readRaw(arrived.ID)).toString();
    assert.doesNotMatch(raw, /^Bcc:/im);
    assert.match(raw, /^Return-Path: <bounces@sandbox\.test>/m);
    assert.match(raw, /body stays/);
  });

  it('refuses recipients outside allowed-recipients or on blocked-recipients with 400', async () => {
    const id = queuedId((await mailer(sandbox.smtp.port)({ subject: 'not for everyone', text: 'x' })).response);
    const before = target.store.list({ limit: 0 }).total;
    const outside = await api(sandbox.url).post(`/api/v1/message/${id}/release`, { To: ['someone@elsewhere.test'] });
    assert.equal(outside.status, 400);
    assert.match(outside.body.Error, /allowlist: someone@elsewhere\.test/);
    const blocked = await api(sandbox.url).post(`/api/v1/message/${id}/release`, { To: ['ok@allowed.test', 'blocked@allowed.test'] });
    assert.equal(blocked.status, 400);
    assert.match(blocked.body.Error, /blocklist: blocked@allowed\.test/);
    const none = await api(sandbox.url).post(`/api/v1/message/${id}/release`, { To: [] });
    assert.equal(none.status, 400);
    assert.equal((await api(sandbox.url).post('/api/v1/message/nope/release', { To: ['a@allowed.test'] })).status, 404);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(target.store.list({ limit: 0 }).total, before, 'nothing was relayed');
  });

  it('auto-relays recipients matching --smtp-relay-matching after storing the message', async () => {
    await mailer(sandbox.smtp.port)({ to: ['auto-1@allowed.test', 'manual@allowed.test', 'auto-2@elsewhere.test'], subject: 'auto relayed', text: 'x', messageId: '<auto@app.test>' });
    const arrived = await until(() => target.store.list({ limit: 20 }).messages.find((m) => m.Subject === 'auto relayed'), 'the auto-relayed message');
    // Only the matching recipient that the allowlist also permits; the Message-ID passes through unchanged.
    assert.deepEqual(arrived.Envelope.RcptTo, ['auto-1@allowed.test']);
    assert.equal(arrived.MessageID, 'auto@app.test');
    assert.ok(sandbox.store.list({ limit: 20 }).messages.some((m) => m.Subject === 'auto relayed'), 'the sandbox keeps its copy');
  });

  it('reports an unreachable relay as a 400 SMTP error', async () => {
    const down = await startTestApp(['--smtp-relay-config', relayFile(1, 'preserve-message-ids: true\n')]);
    try {
      const id = queuedId((await mailer(down.smtp.port)({ subject: 'nowhere', text: 'x' })).response);
      const res = await api(down.url).post(`/api/v1/message/${id}/release`, { To: ['a@allowed.test'] });
      assert.equal(res.status, 400);
      assert.match(res.body.Error, /^SMTP error: /);
    } finally {
      await down.dispose();
    }
  });
});

describe('release without a relay', () => {
  it('answers 404 as Mailpit (no such route) and says so in /api/v1/webui', async () => {
    const app = await startTestApp();
    try {
      const id = queuedId((await mailer(app.smtp.port)({ subject: 'kept', text: 'x' })).response);
      const res = await api(app.url).post(`/api/v1/message/${id}/release`, { To: ['a@example.com'] });
      assert.equal(res.status, 404);
      assert.match(res.body.Error, /not configured/);
      assert.equal((await api(app.url).get('/api/v1/webui')).body.MessageRelay.Enabled, false);
    } finally {
      await app.dispose();
    }
  });
});

describe('relay configuration', () => {
  const load = (yaml: string, extra: string[] = []) => {
    const file = join(tempDir('mailcove-relay-'), 'relay.yaml');
    writeFileSync(file, yaml);
    return loadConfig(['--smtp-relay-config', file, ...extra], {});
  };

  it('reads Mailpit\'s keys', () => {
    const c = load('host: smtp.example.com\nport: 587\nstarttls: true\nauth: login\nusername: u\npassword: p\noverride-from: me@example.com\npreserve-message-ids: true\n').smtpRelayConfig!;
    assert.equal(c.port, 587);
    assert.equal(c.starttls, true);
    assert.equal(c.auth, 'login');
    assert.equal(c.overrideFrom, 'me@example.com');
    assert.equal(c.preserveMessageIds, true);
  });

  it('refuses a bad file with one clear line', () => {
    for (const [yaml, message] of [
      ['port: 25\n', /"host" is required/],
      ['host: a\nauth: kerberos\n', /"auth" must be one of/],
      ['host: a\nauth: plain\n', /needs "username" and "password"/],
      ['host: a\nallowed-recipients: "(["\n', /not a valid regular expression/],
      ['host: a\nstarttls: true\ntls: true\n', /cannot both be true/],
      ['host: a\nhots: b\n', /unknown key "hots"/],
      ['host: [a\n', /not valid YAML/],
    ] as const) {
      assert.throws(() => load(yaml), (err: Error) => err instanceof ConfigError && message.test(err.message) && !err.message.includes('\n') && err.message.startsWith('--smtp-relay-config: '));
    }
  });

  it('needs a relay config for --smtp-relay-matching', () => {
    assert.throws(() => loadConfig(['--smtp-relay-matching', '.'], {}), /needs --smtp-relay-config/);
  });
});

// Mailpit's chaos API (GET/PUT /api/v1/chaos) seen from nodemailer, and --smtp-rate-limit.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, mailer } from './helpers/api.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { ConfigError, loadConfig } from '../server/config.ts';
import { failure } from './helpers/smtp-failure.ts';

const DEFAULTS = {
  Sender: { ErrorCode: 451, Probability: 0 },
  Recipient: { ErrorCode: 451, Probability: 0 },
  Authentication: { ErrorCode: 535, Probability: 0 },
};

describe('Mailpit chaos triggers (--enable-chaos)', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp(['--enable-chaos']);
  });
  after(() => app?.dispose());

  it('fires a trigger at Probability 100 and PUT {} resets', async () => {
    const client = api(app.url);
    assert.deepEqual((await client.get('/api/v1/chaos')).body, DEFAULTS);
    assert.equal((await client.get('/api/v1/webui')).body.ChaosEnabled, true);

    const set = await client.put('/api/v1/chaos', { Recipient: { ErrorCode: 452, Probability: 100 } });
    assert.equal(set.status, 200, set.text);
    assert.deepEqual(set.body.Recipient, { ErrorCode: 452, Probability: 100 });
    const err = await failure(mailer(app.smtp.port)({ subject: 'chaos', text: 'x' }));
    assert.equal(err.responseCode, 452);

    const sender = await client.put('/api/v1/chaos', { Sender: { Probability: 100 } });
    assert.deepEqual(sender.body.Recipient, DEFAULTS.Recipient, 'an omitted trigger goes back to its default');
    assert.equal((await failure(mailer(app.smtp.port)({ subject: 'chaos', text: 'x' }))).responseCode, 451);

    await client.put('/api/v1/chaos', { Authentication: { Probability: 100 } });
    assert.equal((await failure(mailer(app.smtp.port, { user: 'u', pass: 'p' })({ subject: 'chaos', text: 'x' }))).responseCode, 535);

    const reset = await client.put('/api/v1/chaos', {});
    assert.deepEqual(reset.body, DEFAULTS);
    await mailer(app.smtp.port)({ subject: 'after reset', text: 'x' });
    assert.equal(app.store.list({ limit: 10 }).messages.filter((m) => m.Subject === 'after reset').length, 1);
  });

  it('refuses out-of-range values with 400', async () => {
    const client = api(app.url);
    assert.equal((await client.put('/api/v1/chaos', { Sender: { ErrorCode: 250, Probability: 10 } })).status, 400);
    assert.equal((await client.put('/api/v1/chaos', { Sender: { ErrorCode: 451, Probability: 101 } })).status, 400);
    assert.deepEqual((await client.get('/api/v1/chaos')).body, DEFAULTS);
  });
});

describe('chaos API without --enable-chaos', () => {
  it('answers 400 "Chaos is not enabled", as Mailpit', async () => {
    const app = await startTestApp();
    try {
      const client = api(app.url);
      for (const res of [await client.get('/api/v1/chaos'), await client.put('/api/v1/chaos', {}), await client.get('/api/v1/chaos/rules')]) {
        assert.equal(res.status, 400);
        assert.equal(res.body.Error, 'Chaos is not enabled');
      }
      assert.equal((await client.get('/api/v1/webui')).body.ChaosEnabled, false);
    } finally {
      await app.dispose();
    }
  });
});

describe('--smtp-rate-limit', () => {
  it('answers 421 to the N+1th message in a minute from one address', async () => {
    const app = await startTestApp(['--smtp-rate-limit', '3/min']);
    try {
      const send = mailer(app.smtp.port);
      for (let i = 0; i < 3; i++) await send({ subject: `within ${i}`, text: 'x' });
      const err = await failure(send({ subject: 'over', text: 'x' }));
      assert.equal(err.responseCode, 421);
      assert.match(err.response ?? '', /Rate limit of 3 messages per minute/);
      assert.equal(app.store.list({ limit: 0 }).total, 3);
    } finally {
      await app.dispose();
    }
  });

  it('parses N/min and refuses anything else', () => {
    assert.equal(loadConfig(['--smtp-rate-limit', '60/min'], {}).smtpRateLimit, 60);
    assert.equal(loadConfig([], {}).smtpRateLimit, 0);
    assert.equal(loadConfig([], { MAILCOVE_SMTP_RATE_LIMIT: '5/min' }).smtpRateLimit, 5);
    assert.throws(() => loadConfig(['--smtp-rate-limit', 'fast'], {}), (err: Error) => err instanceof ConfigError && err.message.startsWith('--smtp-rate-limit: expected N/min'));
  });
});

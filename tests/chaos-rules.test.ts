// Deterministic chaos rules, each observed from a real client (nodemailer): the reply, the delay, the dropped
// connection, fail-twice-then-accept, and the rules API.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { api, mailer } from './helpers/api.ts';
import { startTestApp, tempDir, type TestApp } from './helpers/app.ts';
import { loadConfig } from '../server/config.ts';
import { failure } from './helpers/smtp-failure.ts';

const RULES = [
  { stage: 'rcpt', match: '^nobody@', reply: '550 5.1.1 No such user here' },
  { stage: 'mail', match: '^slow@', delayMs: 400 },
  { stage: 'mail', match: '^drop@', disconnect: true },
  { stage: 'data', match: 'flaky', reply: '451 4.7.1 Try again later', times: 2 },
];

describe('chaos rules (--chaos-rules)', () => {
  let app: TestApp;
  let send: ReturnType<typeof mailer>;
  const count = (subject: string) => app.store.list({ limit: 100 }).messages.filter((m) => m.Subject === subject).length;

  before(async () => {
    const file = join(tempDir('mailcove-chaos-'), 'rules.json');
    writeFileSync(file, JSON.stringify(RULES));
    app = await startTestApp(['--chaos-rules', file]);
    send = mailer(app.smtp.port);
  });
  after(() => app?.dispose());

  it('answers a matching RCPT TO with the rule\'s exact reply', async () => {
    const err = await failure(send({ to: 'nobody@example.com', subject: 'to nobody', text: 'x' }));
    assert.equal(err.responseCode, 550);
    assert.match(err.response ?? '', /^550 5\.1\.1 No such user here$/);
    assert.equal(count('to nobody'), 0);
  });

  it('delays the MAIL FROM reply by delayMs, then accepts', async () => {
    const started = performance.now();
    await send({ from: 'slow@example.com', subject: 'slow one', text: 'x' });
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 390, `took ${elapsed.toFixed(0)} ms`);
    const fastStart = performance.now();
    await send({ from: 'fast@example.com', subject: 'fast one', text: 'x' });
    assert.ok(performance.now() - fastStart < 300, 'a sender the rule does not match is not delayed');
    assert.equal(count('slow one'), 1);
  });

  it('drops the connection without a reply', async () => {
    const err = await failure(send({ from: 'drop@example.com', subject: 'dropped', text: 'x' }));
    assert.equal(err.responseCode, undefined, `got a reply: ${err.response}`);
    assert.match(`${err.code} ${err.message}`, /ECONNECTION|ESOCKET|EPROTOCOL|closed|ECONNRESET/i);
    assert.equal(count('dropped'), 0);
  });

  it('fails the first two matching messages (times: 2) and then accepts', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 2; i++) codes.push((await failure(send({ subject: 'flaky report', text: 'x' }))).responseCode ?? 0);
    assert.deepEqual(codes, [451, 451]);
    const ok = await send({ subject: 'flaky report', text: 'x' });
    assert.match(ok.response, /^250 /);
    assert.equal(count('flaky report'), 1);
  });

  it('lists, replaces and validates rules at runtime; a replaced rule starts counting again', async () => {
    const client = api(app.url);
    assert.deepEqual((await client.get('/api/v1/chaos/rules')).body, RULES);
    const put = await client.put('/api/v1/chaos/rules', [{ stage: 'connect', reply: '421 4.3.2 Not now', times: 1 }]);
    assert.equal(put.status, 200, put.text);
    const refused = await failure(send({ subject: 'connect refused', text: 'x' }));
    assert.equal(refused.responseCode, 421);
    await send({ subject: 'connect allowed', text: 'x' });
    assert.equal(count('connect allowed'), 1);
    // The old rules are gone.
    await send({ to: 'nobody@example.com', subject: 'now delivered', text: 'x' });
    assert.equal(count('now delivered'), 1);

    // Each refusal says what is wrong and, with Path, which rule (and field) it is: from the rule check or the schema.
    const ok = { stage: 'rcpt', reply: '550 no' };
    for (const [bad, path] of [
      [[{ stage: 'rcpt', match: '([', reply: '550 no' }], '/0/match'],
      [[ok, { stage: 'helo', reply: '550 no' }], '/1/stage'],
      [[ok, ok, { stage: 'rcpt', reply: '250 fine' }], '/2/reply'],
      [[{ stage: 'rcpt' }], '/0'],
      [{ stage: 'rcpt', reply: '550 no' }, undefined],
    ] as const) {
      const res = await client.put('/api/v1/chaos/rules', bad);
      assert.equal(res.status, 400, JSON.stringify(bad));
      assert.ok(res.body.Error);
      assert.equal(res.body.Path, path, `${JSON.stringify(bad)}: ${res.body.Error}`);
    }
    // A union of allowed values is one line naming them, not one line per value.
    assert.equal((await client.put('/api/v1/chaos/rules', [{ stage: 'helo', reply: '550 no' }])).body.Error, 'invalid body: 0/stage must be one of "connect", "mail", "rcpt", "data"');
    assert.equal((await client.get('/api/v1/chaos/rules')).body.length, 1, 'a refused PUT changes nothing');
    assert.equal((await client.put('/api/v1/chaos/rules', [])).status, 200);
  });
});

describe('chaos rules file validation', () => {
  it('refuses a bad rules file at start-up with one line', () => {
    const dir = tempDir('mailcove-chaos-');
    for (const [text, message] of [
      ['{"stage":"rcpt"}', /must be a JSON array/],
      ['[{"stage":"rcpt","match":"(","reply":"550 x"}]', /rule 1: "match" is not a valid regular expression/],
      ['[{"stage":"quit","reply":"550 x"}]', /rule 1: "stage" must be one of/],
      ['[{"stage":"rcpt","reply":"ok"}]', /rule 1: "reply" must be a 4xx or 5xx/],
      ['[not json', /JSON/],
    ] as const) {
      const file = join(dir, 'rules.json');
      writeFileSync(file, text);
      assert.throws(() => loadConfig(['--chaos-rules', file], {}), (err: Error) => message.test(err.message) && err.message.startsWith('--chaos-rules: ') && !err.message.includes('\n'));
    }
  });
});

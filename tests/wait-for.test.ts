// GET /api/v1/wait: the server-side wait a CI job uses instead of a polling loop.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { api, mailer, queuedId } from './helpers/api.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';

describe('wait-for', () => {
  let app: TestApp;
  let client: ReturnType<typeof api>;
  let send: ReturnType<typeof mailer>;
  before(async () => {
    app = await startTestApp();
    client = api(app.url);
    send = mailer(app.smtp.port, { user: 'job-wait', pass: 'x' });
  });
  after(() => app.dispose());
  const waiting = async () => (await client.get('/api/v1/info')).body.RuntimeStats.Waiting as number;
  const until = async (check: () => Promise<boolean>) => {
    for (let i = 0; i < 200 && !(await check()); i++) await sleep(5);
  };

  test('answers within 100 ms of the matching message\'s 250', async () => {
    const subject = `welcome-${Date.now()}`;
    const answered = client.get(`/api/v1/wait?query=${encodeURIComponent(`subject:"${subject}"`)}&timeout=10`).then((r) => ({ r, at: performance.now() }));
    await until(async () => (await waiting()) === 1);
    // Mail that does not match leaves the wait open.
    await send({ subject: 'something else' });
    const info = await send({ subject });
    const ackedAt = performance.now();
    const { r, at } = await answered;
    assert.equal(r.status, 200);
    assert.equal(r.body.messages_count, 1);
    assert.equal(r.body.messages[0].ID, queuedId(info.response));
    assert.ok(at - ackedAt < 100, `answered ${(at - ackedAt).toFixed(1)} ms after the 250`);
  });

  test('returns at once when a match already exists after since, and ignores older ones', async () => {
    const first = queuedId((await send({ subject: 'since-test one' })).response);
    const second = queuedId((await send({ subject: 'since-test two' })).response);
    const started = performance.now();
    const r = await client.get(`/api/v1/wait?query=${encodeURIComponent('subject:since-test')}&since=${first}&timeout=5`);
    assert.equal(r.status, 200);
    assert.ok(performance.now() - started < 1000);
    assert.deepEqual(r.body.messages.map((m: { ID: string }) => m.ID), [second]);
    // An RFC 3339 time in the future: nothing stored counts.
    const future = new Date(Date.now() + 60_000).toISOString();
    const none = await client.get(`/api/v1/wait?query=${encodeURIComponent('subject:since-test')}&since=${future}&timeout=0.2`);
    assert.equal(none.status, 408);
  });

  test('answers 408 with a JSON message on timeout', async () => {
    const started = performance.now();
    const r = await client.get('/api/v1/wait?query=subject:never-sent&timeout=0.3');
    assert.equal(r.status, 408);
    assert.match(r.body.Error, /within 0.3 s/);
    assert.ok(performance.now() - started >= 290);
    assert.equal(await waiting(), 0);
  });

  test('with count=3, waits for the third message', async () => {
    const tag = `three-${Date.now()}`;
    let done = false;
    const answered = client.get(`/api/v1/wait?query=${encodeURIComponent(`subject:${tag}`)}&count=3&timeout=10`).then((r) => ((done = true), r));
    await until(async () => (await waiting()) === 1);
    await send({ subject: `${tag} 1` });
    await send({ subject: `${tag} 2` });
    await sleep(50);
    assert.equal(done, false, 'two messages are not enough');
    await send({ subject: `${tag} 3` });
    const r = await answered;
    assert.equal(r.status, 200);
    assert.equal(r.body.messages_count, 3);
  });

  test('only the named inbox counts', async () => {
    const other = mailer(app.smtp.port, { user: 'job-other', pass: 'x' });
    const tag = `inboxed-${Date.now()}`;
    const answered = client.get(`/api/v1/wait?query=${encodeURIComponent(`subject:${tag}`)}&inbox=job-wait&timeout=10`);
    await until(async () => (await waiting()) === 1);
    await other({ subject: tag });
    const mine = queuedId((await send({ subject: tag })).response);
    const r = await answered;
    assert.deepEqual(r.body.messages.map((m: { ID: string }) => m.ID), [mine]);
    assert.equal(r.body.messages[0].Inbox, 'job-wait');
  });

  test('a client that disconnects early leaks nothing', async () => {
    const controllers = Array.from({ length: 5 }, () => new AbortController());
    const pending = controllers.map((c) => fetch(`${app.url}/api/v1/wait?query=subject:abandoned&timeout=60`, { signal: c.signal }).catch(() => null));
    await until(async () => (await waiting()) === 5);
    assert.equal(await waiting(), 5);
    for (const c of controllers) c.abort();
    await Promise.all(pending);
    await until(async () => (await waiting()) === 0);
    assert.equal(await waiting(), 0);
  });

  test('bad parameters get 400 with a JSON message', async () => {
    for (const q of ['since=yesterday', 'timeout=301', 'timeout=0', 'count=0', 'count=abc', 'query=before:notadate', 'inbox=']) {
      const r = await client.get(`/api/v1/wait?${q}`);
      assert.equal(r.status, 400, q);
      assert.equal(typeof r.body.Error, 'string', q);
    }
  });
});

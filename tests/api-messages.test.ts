// /api/v1/messages and /api/v1/search: listing, read status, deletion, search, and their error cases.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { api, mailer, queuedId } from './helpers/api.ts';

describe('messages and search API', () => {
  let app: TestApp;
  let http: ReturnType<typeof api>;
  let send: ReturnType<typeof mailer>;
  before(async () => {
    app = await startTestApp();
    http = api(app.url);
    send = mailer(app.smtp.port);
  });
  after(() => app.dispose());
  beforeEach(() => app.store.deleteAll());

  async function seed(n: number): Promise<string[]> {
    const ids = [];
    for (let i = 0; i < n; i++) ids.push(queuedId((await send({ subject: `seed ${i}`, text: `body number ${i}` })).response));
    return ids;
  }

  test('GET /api/v1/messages lists newest first in Mailpit\'s shape', async () => {
    const ids = await seed(3);
    const res = await http.get('/api/v1/messages');
    assert.equal(res.status, 200);
    assert.equal(res.body.total, 3);
    assert.equal(res.body.unread, 3);
    assert.equal(res.body.count, 3);
    assert.equal(res.body.messages_count, 3);
    assert.equal(res.body.start, 0);
    assert.deepEqual(res.body.tags, []);
    assert.deepEqual(res.body.messages.map((m: any) => m.ID), [...ids].reverse());
    const m = res.body.messages[0];
    for (const key of ['ID', 'MessageID', 'Read', 'From', 'To', 'Cc', 'Bcc', 'ReplyTo', 'Subject', 'Created', 'Tags', 'Size', 'Attachments', 'Snippet', 'Inbox']) {
      assert.ok(key in m, `summary lacks ${key}`);
    }
    assert.deepEqual(m.From, { Name: '', Address: 'app@example.com' });
    assert.equal(m.Snippet, 'body number 2');
  });

  test('paging with start and limit', async () => {
    const ids = await seed(5);
    const res = await http.get('/api/v1/messages?start=1&limit=2');
    assert.deepEqual(res.body.messages.map((m: any) => m.ID), [ids[3], ids[2]]);
    assert.equal(res.body.count, 2);
    assert.equal(res.body.messages_count, 5);
    assert.equal(res.body.start, 1);
  });

  test('bad parameters get 400 with a JSON message, never a 500', async () => {
    for (const path of ['/api/v1/messages?limit=abc', '/api/v1/messages?start=-1', '/api/v1/messages?limit=1.5']) {
      const res = await http.get(path);
      assert.equal(res.status, 400, path);
      assert.equal(typeof res.body.Error, 'string');
      assert.match(res.body.Error, /start|limit/);
      assert.match(res.body.Path, /^\/(start|limit)$/, 'Path names the query parameter');
    }
    const badJson = await http.put('/api/v1/messages', '{"IDs": [');
    assert.equal(badJson.status, 400);
    assert.equal(typeof badJson.body.Error, 'string');
    const wrongType = await http.put('/api/v1/messages', { IDs: 'not-a-list', Read: true });
    assert.equal(wrongType.status, 400);
    const unknownRoute = await http.get('/api/v1/nope');
    assert.equal(unknownRoute.status, 404);
    assert.equal(typeof unknownRoute.body.Error, 'string');
  });

  test('PUT /api/v1/messages sets read status by IDs, by search, and for all', async () => {
    const ids = await seed(4);
    assert.equal((await http.put('/api/v1/messages', { IDs: [ids[0]], Read: true })).text, 'ok');
    assert.equal(app.store.get(ids[0]!)?.Read, true);
    assert.equal(app.store.get(ids[1]!)?.Read, false);
    await http.put('/api/v1/messages', { Search: 'subject:"seed 2"', Read: true });
    assert.equal(app.store.get(ids[2]!)?.Read, true);
    assert.equal(app.store.get(ids[3]!)?.Read, false);
    await http.put('/api/v1/messages', { Read: true });
    assert.equal((await http.get('/api/v1/messages')).body.unread, 0);
    await http.put('/api/v1/messages', { IDs: ids, Read: false });
    assert.equal((await http.get('/api/v1/messages')).body.unread, 4);
  });

  test('DELETE /api/v1/messages by IDs, and everything with an empty body', async () => {
    const ids = await seed(3);
    assert.equal((await http.delete('/api/v1/messages', { IDs: [ids[1], 'unknownid'] })).text, 'ok');
    assert.deepEqual(app.store.list().messages.map((m) => m.ID), [ids[2], ids[0]]);
    assert.equal((await http.delete('/api/v1/messages')).status, 200);
    assert.equal(app.store.count(), 0);
  });

  test('GET /api/v1/search filters with Mailpit\'s language; bare words match the decoded body', async () => {
    await send({ subject: 'Reset your password', text: 'Your code is 731904' });
    await send({ subject: 'Café order', text: 'Grüße aus dem Café', headers: { 'X-Tags': 'orders' } });
    await send({ subject: 'Quoted printable', html: '<p>naïve résumé café</p>', textEncoding: 'quoted-printable' });
    const res = await http.get('/api/v1/search?query=' + encodeURIComponent('subject:reset'));
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.messages.map((m: any) => m.Subject), ['Reset your password']);
    assert.equal(res.body.messages_count, 1);
    assert.equal(res.body.total, 3);
    const body = await http.get('/api/v1/search?query=' + encodeURIComponent('résumé'));
    assert.deepEqual(body.body.messages.map((m: any) => m.Subject), ['Quoted printable']);
    const qpSource = await http.get('/api/v1/search?query=' + encodeURIComponent('r=C3=A9sum'));
    assert.equal(qpSource.body.messages_count, 0);
    const tagged = await http.get('/api/v1/search?query=tag:orders');
    assert.deepEqual(tagged.body.messages.map((m: any) => m.Subject), ['Café order']);
    const negated = await http.get('/api/v1/search?query=' + encodeURIComponent('-café'));
    assert.deepEqual(negated.body.messages.map((m: any) => m.Subject), ['Reset your password']);
  });

  test('search errors: a missing query is 400, a malformed one is 400', async () => {
    const missing = await http.get('/api/v1/search');
    assert.equal(missing.status, 400);
    assert.match(missing.body.Error, /query/);
    const bad = await http.get('/api/v1/search?query=' + encodeURIComponent('before:not-a-date'));
    assert.equal(bad.status, 400);
    assert.equal(typeof bad.body.Error, 'string');
    const badTz = await http.get('/api/v1/search?query=' + encodeURIComponent('after:2024-01-01') + '&tz=Not/AZone');
    assert.equal(badTz.status, 400);
  });

  test('DELETE /api/v1/search deletes only the matches', async () => {
    await send({ subject: 'keep me', text: 'x' });
    await send({ subject: 'remove me', text: 'x' });
    await send({ subject: 'remove me too', text: 'x' });
    assert.equal((await http.delete('/api/v1/search?query=' + encodeURIComponent('subject:remove'))).text, 'ok');
    assert.deepEqual(app.store.list().messages.map((m) => m.Subject), ['keep me']);
    assert.equal((await http.delete('/api/v1/search?query=')).status, 400);
  });
});

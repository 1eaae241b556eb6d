// Server-level surfaces: info, webui, OpenAPI, health, CORS, live events, and Basic auth on every surface.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import bcrypt from 'bcryptjs';
import WebSocket from 'ws';
import { startTestApp, tempDir, type TestApp } from './helpers/app.ts';
import { api, mailer, queuedId } from './helpers/api.ts';

/** Collects websocket events; `next(type)` resolves with the first event of that type not yet taken. */
function listen(url: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(url, { headers });
  const events: any[] = [];
  const waiters: Array<{ type: string; resolve: (e: any) => void }> = [];
  ws.on('message', (data) => {
    const event = JSON.parse(data.toString());
    const i = waiters.findIndex((w) => w.type === event.Type);
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(event);
    else events.push(event);
  });
  return {
    ws,
    opened: new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (req, res) => {
        // ws leaves a refused upgrade's request open unless it is aborted explicitly.
        req.destroy();
        reject(new Error(`HTTP ${res.statusCode}`));
      });
    }),
    next(type: string, timeoutMs = 3000): Promise<any> {
      const i = events.findIndex((e) => e.Type === type);
      if (i >= 0) return Promise.resolve(events.splice(i, 1)[0]);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${type} event within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ type, resolve: (e) => (clearTimeout(timer), resolve(e)) });
      });
    },
  };
}

describe('server API', () => {
  let app: TestApp;
  let http: ReturnType<typeof api>;
  before(async () => {
    app = await startTestApp(['--label', 'CI box', '--api-cors', 'https://app.example.com', '--max-message-size', '1MB']);
    http = api(app.url);
  });
  after(() => app.dispose());

  test('/livez and /readyz', async () => {
    assert.deepEqual((await http.get('/livez')).body, { status: 'ok' });
    assert.deepEqual((await http.get('/readyz')).body, { status: 'ok' });
  });

  test('/api/v1/info reports totals, tags and runtime stats', async () => {
    const send = mailer(app.smtp.port);
    await send({ subject: 'info 1', text: 'x', headers: { 'X-Tags': 'alpha, beta' } });
    await send({ subject: 'info 2', text: 'x', to: 'user+beta@example.com' });
    const info = (await http.get('/api/v1/info')).body;
    assert.equal(info.Messages, 2);
    assert.equal(info.Unread, 2);
    assert.deepEqual(info.Tags, { alpha: 1, beta: 2 });
    assert.equal(info.RuntimeStats.SMTPAccepted, 2);
    assert.ok(info.RuntimeStats.SMTPAcceptedSize > 0);
    assert.ok(info.DatabaseSize > 0);
    assert.equal(info.Database, app.dataDir);
    assert.match(info.Version, /^\d+\.\d+\.\d+/);
  });

  test('/api/v1/webui carries the label', async () => {
    const ui = (await http.get('/api/v1/webui')).body;
    assert.equal(ui.Label, 'CI box');
    assert.equal(ui.MessageRelay.Enabled, false);
    assert.equal(ui.SpamAssassin, false, 'no --spamassassin');
  });

  test('the OpenAPI document is generated from the route schemas, with a browsable page', async () => {
    const spec = (await http.get('/api/v1/swagger.json')).body;
    for (const path of ['/api/v1/messages', '/api/v1/search', '/api/v1/message/{ID}', '/api/v1/message/{ID}/raw', '/api/v1/message/{ID}/part/{PartID}', '/api/v1/send', '/api/v1/tags', '/api/v1/tags/{Tag}', '/api/v1/info', '/api/v1/webui', '/view/{ID}.{kind}']) {
      assert.ok(spec.paths[path], `OpenAPI lacks ${path}`);
    }
    assert.ok(spec.paths['/api/v1/messages'].get.parameters.some((p: any) => p.name === 'limit'));
    const page = await http.get('/api/docs/');
    assert.equal(page.status, 200);
    assert.match(page.text, /swagger/i);
  });

  test('CORS answers only the configured origins', async () => {
    const allowed = await http.get('/api/v1/messages', { origin: 'https://app.example.com' });
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://app.example.com');
    const other = await http.get('/api/v1/messages', { origin: 'https://evil.example' });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });

  test('the websocket streams new (within 100 ms), update, delete, truncate, stats and error events', async () => {
    const events = listen(app.url.replace('http', 'ws') + '/api/events');
    await events.opened;
    const send = mailer(app.smtp.port);
    const info = await send({ subject: 'live', text: 'x' });
    const acked = performance.now();
    const created = await events.next('new');
    const lag = performance.now() - acked;
    assert.ok(lag < 100, `new arrived ${lag.toFixed(1)} ms after the 250`);
    const id = queuedId(info.response);
    assert.equal(created.Data.ID, id);
    assert.equal(created.Data.Subject, 'live');

    await http.put('/api/v1/messages', { IDs: [id], Read: true });
    assert.deepEqual((await events.next('update')).Data, { IDs: [id], Read: true });
    const stats = await events.next('stats');
    assert.equal(typeof stats.Data.Total, 'number');
    await http.delete('/api/v1/messages', { IDs: [id] });
    assert.deepEqual((await events.next('delete')).Data, { IDs: [id] });
    await http.delete('/api/v1/messages');
    assert.equal((await events.next('truncate')).Data, null);

    // An SMTP client error (here an oversized message, refused with 552) is reported as an error event.
    await assert.rejects(send({ subject: 'too big', text: 'x'.repeat(1100 * 1024) }));
    const error = await events.next('error');
    assert.equal(error.Data.Type, 'smtpd');
    assert.equal(error.Data.IP, '127.0.0.1');
    assert.match(error.Data.Message, /size limit/);
    events.ws.close();
  });
});

describe('Basic auth on every surface', () => {
  let app: TestApp;
  before(async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'ui'), `alice:${bcrypt.hashSync('wonderland', 4)}\nplain:text-password\n`);
    writeFileSync(join(dir, 'send'), 'robot:beep\n');
    app = await startTestApp(['--ui-auth-file', join(dir, 'ui'), '--send-api-auth-file', join(dir, 'send')]);
  });
  after(() => app.dispose());

  test('API, view and docs answer 401 without credentials and 200 with them (bcrypt and plain entries)', async () => {
    const id = queuedId((await mailer(app.smtp.port)({ subject: 'secret', html: '<b>secret</b>', text: 'secret' })).response);
    const anonymous = api(app.url);
    for (const path of ['/api/v1/messages', `/api/v1/message/${id}`, `/api/v1/message/${id}/raw`, `/view/${id}.html`, '/api/v1/info', '/api/v1/swagger.json', '/api/docs/']) {
      const res = await anonymous.get(path);
      assert.equal(res.status, 401, path);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Basic /);
    }
    assert.equal((await api(app.url, { user: 'alice', password: 'wrong' }).get('/api/v1/messages')).status, 401);
    assert.equal((await api(app.url, { user: 'alice', password: 'wonderland' }).get('/api/v1/messages')).status, 200);
    assert.equal((await api(app.url, { user: 'plain', password: 'text-password' }).get(`/view/${id}.html`)).status, 200);
    assert.equal((await anonymous.get('/livez')).status, 200, 'health probes stay open');
  });

  test('the websocket refuses an unauthenticated upgrade', async () => {
    const url = app.url.replace('http', 'ws') + '/api/events';
    await assert.rejects(listen(url).opened, /401/);
    const ok = listen(url, { authorization: 'Basic ' + Buffer.from('alice:wonderland').toString('base64') });
    await ok.opened;
    ok.ws.close();
  });

  test('the send API uses its own credentials', async () => {
    const message = { From: { Email: 'a@example.com' }, To: [{ Email: 'b@example.com' }], Subject: 'via api', Text: 'x' };
    assert.equal((await api(app.url).post('/api/v1/send', message)).status, 401);
    assert.equal((await api(app.url, { user: 'alice', password: 'wonderland' }).post('/api/v1/send', message)).status, 401);
    const sent = await api(app.url, { user: 'robot', password: 'beep' }).post('/api/v1/send', message);
    assert.equal(sent.status, 200);
    assert.match(sent.body.ID, /^\w{20}$/);
  });
});

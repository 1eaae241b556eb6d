// Webhooks against a real local receiver: retried through 503s, delivered exactly once, in order, signed; the
// inbox filter; a permanent refusal counted as a failure in /metrics.
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { api, mailer, queuedId } from './helpers/api.ts';
import { startTestApp } from './helpers/app.ts';
import { until } from './helpers/until.ts';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Answers each request with the next status of `statuses` (then 200), recording what arrived. */
async function receiver(statuses: number[]): Promise<{ url: string; received: Received[]; answered: number[]; server: Server }> {
  const received: Received[] = [];
  const answered: number[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = statuses.shift() ?? 200;
      answered.push(status);
      if (status === 200) received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, answered, server };
}

/** How a receiver checks a delivery (as the README documents). */
function verify(secret: string, headers: IncomingHttpHeaders, body: string): boolean {
  const timestamp = String(headers['x-mailcove-timestamp']);
  const expected = Buffer.from('sha256=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex'));
  const given = Buffer.from(String(headers['x-mailcove-signature']));
  return given.length === expected.length && timingSafeEqual(given, expected) && Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
}

test('webhooks: refused twice with 503, then every message arrives once, in order, signed; the inbox filter holds', async () => {
  const hook = await receiver([503, 503]);
  const secret = 'webhook-secret-123';
  const app = await startTestApp(['--webhook-url', `${hook.url}/all`, '--webhook-url', `${hook.url}/sales#inbox=Sales`, '--webhook-secret', secret], {
    webhookRetry: { baseDelayMs: 20, maxDelayMs: 80, jitter: false },
  });
  try {
    const send = mailer(app.smtp.port);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const headers = i === 3 ? { 'X-Mailcove-Inbox': 'sales' } : undefined;
      ids.push(queuedId((await send({ subject: `hook ${i}`, text: `body ${i}`, headers })).response));
    }
    await until(() => hook.received.length === 6, '6 deliveries');
    // Nothing more trickles in: each message exactly once.
    await new Promise((r) => setTimeout(r, 150));
    const all = hook.received.filter((r) => r.path === '/all');
    const sales = hook.received.filter((r) => r.path === '/sales');
    assert.deepEqual(all.map((r) => JSON.parse(r.body).ID), ids);
    assert.deepEqual(all.map((r) => JSON.parse(r.body).Subject), ['hook 0', 'hook 1', 'hook 2', 'hook 3', 'hook 4']);
    assert.deepEqual(sales.map((r) => JSON.parse(r.body).ID), [ids[3]]);
    assert.deepEqual(hook.answered.filter((s) => s === 503), [503, 503]);
    for (const r of hook.received) {
      assert.ok(verify(secret, r.headers, r.body), `signature of ${r.path} ${r.body.slice(0, 40)}`);
      assert.equal(r.headers['content-type'], 'application/json');
      assert.equal(r.headers['x-mailcove-message-id'], JSON.parse(r.body).ID);
      assert.ok(!verify('another-secret', r.headers, r.body));
    }
    const body = JSON.parse(all[0]!.body);
    assert.deepEqual(body, app.store.get(ids[0]!));

    const metrics = (await api(app.url).get('/metrics')).text;
    assert.match(metrics, new RegExp(`^mailcove_webhook_deliveries_total\\{target="${hook.url}/all"\\} 5$`, 'm'));
    assert.match(metrics, new RegExp(`^mailcove_webhook_deliveries_total\\{target="${hook.url}/sales#inbox=Sales"\\} 1$`, 'm'));
    assert.match(metrics, new RegExp(`^mailcove_webhook_retries_total\\{target="${hook.url}/all"\\} 2$`, 'm'));
    assert.match(metrics, /^mailcove_webhook_failures_total\{target="[^"]+\/all"\} 0$/m);
  } finally {
    await app.dispose();
    hook.server.close();
  }
});

test('webhooks: a receiver that is not up yet is retried; a permanent 4xx is a logged, counted failure', async () => {
  // Reserve a port, then free it: the first attempts find nothing listening.
  const probe = await receiver([]);
  const port = (probe.server.address() as AddressInfo).port;
  await new Promise((r) => probe.server.close(r));
  const gone = await receiver([410]);
  const lines: string[] = [];
  const app = await startTestApp(['--webhook-url', `http://127.0.0.1:${port}/late`, '--webhook-url', `${gone.url}/gone`], {
    log: (line) => lines.push(line),
    webhookRetry: { baseDelayMs: 40, maxDelayMs: 160, jitter: false },
  });
  const late = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      lateBodies.push(body);
      res.writeHead(204).end();
    });
  });
  const lateBodies: string[] = [];
  try {
    const id = queuedId((await mailer(app.smtp.port)({ subject: 'late' })).response);
    await until(() => lines.some((l) => l.includes('/late') && l.includes('retrying')), 'a retry to be logged');
    await new Promise<void>((resolve) => late.listen(port, '127.0.0.1', resolve));
    await until(() => lateBodies.length === 1, 'the late delivery');
    assert.equal(JSON.parse(lateBodies[0]!).ID, id);
    assert.ok(lines.some((l) => l.includes(`/gone: message ${id} not delivered: HTTP 410; gave up after 1 attempt`)), lines.join('\n'));
    const metrics = (await api(app.url).get('/metrics')).text;
    assert.match(metrics, /^mailcove_webhook_failures_total\{target="[^"]+\/gone"\} 1$/m);
    assert.match(metrics, /^mailcove_webhook_deliveries_total\{target="[^"]+\/late"\} 1$/m);
    assert.match(metrics, /^mailcove_webhook_failures_total\{target="[^"]+\/late"\} 0$/m);
  } finally {
    await app.dispose();
    late.close();
    gone.server.close();
  }
});

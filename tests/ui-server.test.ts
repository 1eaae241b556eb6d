// Serving the web UI (no browser): the built files at "/" with their caching and CSP, the API and probes never
// shadowed, Basic auth over the UI too, the inbox counts the sidebar reads, and what the preview frame is served.
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { WEB_DIST } from '../server/http/web-build.ts';
import { api, mailer, queuedId } from './helpers/api.ts';
import { tempDir, type TestApp } from './helpers/app.ts';
import { startAppWithUi } from './helpers/browser.ts';

describe('web UI serving', () => {
  let app: TestApp;
  let http: ReturnType<typeof api>;
  before(async () => {
    app = await startAppWithUi();
    http = api(app.url);
  });
  after(() => app.dispose());

  test('"/" is the app, with a strict CSP, not cached; hashed assets are cached for good', async () => {
    const page = await http.get('/');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.text, /<div id="app">/);
    assert.equal(page.headers.get('cache-control'), 'no-cache');
    const csp = page.headers.get('content-security-policy') ?? '';
    for (const directive of ["default-src 'self'", "script-src 'self'", "frame-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "object-src 'none'"]) {
      assert.ok(csp.includes(directive), `${directive} in ${csp}`);
    }
    assert.doesNotMatch(csp, /script-src[^;]*(unsafe-inline|unsafe-eval)/);

    const script = /src="(\/assets\/[^"]+\.js)"/.exec(page.text)?.[1];
    assert.ok(script, 'the page loads a hashed bundle');
    const asset = await http.raw(script);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('content-type') ?? '', /javascript/);
    assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(asset.headers.get('x-content-type-options'), 'nosniff');
    assert.ok(readdirSync(join(WEB_DIST, 'assets')).some((name) => script.endsWith(name)));
  });

  test('the API, /view, the probes and unknown API paths are not shadowed by the static files', async () => {
    assert.equal((await http.get('/livez')).body.status, 'ok');
    assert.equal((await http.get('/readyz')).status, 200);
    assert.equal((await http.get('/api/v1/messages')).status, 200);
    const unknownApi = await http.get('/api/v1/no-such-thing');
    assert.equal(unknownApi.status, 404);
    assert.deepEqual(Object.keys(unknownApi.body), ['Error']);
    assert.equal((await http.get('/view/nope.html')).status, 404);
    assert.equal((await http.get('/no-such-file.js')).status, 404);
    assert.equal((await http.get('/../package.json')).status, 404);
  });

  test('GET /api/v1/inboxes counts messages and unread per inbox', async () => {
    await http.delete('/api/v1/messages');
    const send = mailer(app.smtp.port);
    const asJob = mailer(app.smtp.port, { user: 'ci-job-7', pass: 'x' });
    await send({ subject: 'one' });
    const read = queuedId((await send({ subject: 'two' })).response);
    await asJob({ subject: 'three' });
    await http.put('/api/v1/messages', { IDs: [read], Read: true });
    const res = await http.get('/api/v1/inboxes');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, {
      inboxes: [
        { Name: 'ci-job-7', Total: 1, Unread: 1 },
        { Name: 'default', Total: 2, Unread: 1 },
      ],
    });
    const swagger = (await http.get('/api/v1/swagger.json')).body;
    assert.ok(swagger.paths['/api/v1/inboxes']?.get, 'documented in the OpenAPI document');
  });

  test('/view ?remote=0 blocks remote content, ?embed=1 sends links to a new tab; cid: parts load in a sandbox', async () => {
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } }).png().toBuffer();
    const id = queuedId(
      (
        await mailer(app.smtp.port)({
          subject: 'preview',
          html: '<html><head><title>t</title></head><body><a href="https://example.com">x</a><img src="cid:dot@x"></body></html>',
          attachments: [
            { filename: 'dot.png', content: png, cid: 'dot@x' },
            { filename: 'notes.txt', content: 'not for other sites', contentType: 'text/plain' },
          ],
        })
      ).response,
    );
    const remote = await http.get(`/view/${id}.html`);
    assert.match(remote.headers.get('content-security-policy') ?? '', /img-src \* /);
    assert.doesNotMatch(remote.text, /<base/, 'plain /view output is the message HTML unchanged');

    const local = await http.get(`/view/${id}.html?remote=0&embed=1`);
    const csp = local.headers.get('content-security-policy') ?? '';
    assert.match(csp, /(^|; )sandbox(;|$)/);
    assert.doesNotMatch(csp, /allow-scripts|allow-same-origin|\*|https?:/);
    assert.match(csp, /img-src 'self' data:;/);
    assert.match(csp, /style-src 'unsafe-inline';/);
    assert.match(local.text, /^<html><head><base target="_blank"><title>/);
    assert.equal((await http.get(`/view/${id}.html?remote=yes`)).status, 400);

    // The sandboxed frame has an opaque origin, so its image requests are cross-origin to the browser.
    const partUrl = /src="([^"]+)"/.exec(local.text.slice(local.text.indexOf('<img')))![1]!;
    const part = await http.raw(partUrl);
    assert.equal(part.status, 200);
    assert.equal(part.headers.get('cross-origin-resource-policy'), 'cross-origin');
    assert.match(part.headers.get('content-security-policy') ?? '', /^sandbox;/);
    assert.equal((await http.raw(`/api/v1/message/${id}/raw`)).headers.get('cross-origin-resource-policy'), 'same-origin');
    // Only what the preview shows inline is cross-origin; a text attachment stays same-origin.
    const text = ((await http.get(`/api/v1/message/${id}`)).body as { Attachments: Array<{ PartID: string; FileName: string }> }).Attachments.find((a) => a.FileName === 'notes.txt')!;
    const attachment = await http.raw(`/api/v1/message/${id}/part/${text.PartID}`);
    assert.equal(attachment.status, 200);
    assert.equal(attachment.headers.get('cross-origin-resource-policy'), 'same-origin');
  });
});

describe('web UI behind Basic auth', () => {
  let app: TestApp;
  before(async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'users'), 'qa:secret\n');
    app = await startAppWithUi(['--ui-auth-file', join(dir, 'users')]);
  });
  after(() => app.dispose());

  test('the page and its assets need the credentials too', async () => {
    const anonymous = api(app.url);
    const page = await anonymous.get('/');
    assert.equal(page.status, 401);
    assert.match(page.headers.get('www-authenticate') ?? '', /^Basic /);
    assert.equal((await anonymous.get('/favicon.svg')).status, 401);
    const signedIn = await api(app.url, { user: 'qa', password: 'secret' }).get('/');
    assert.equal(signedIn.status, 200);
    assert.match(signedIn.text, /<div id="app">/);
  });
});

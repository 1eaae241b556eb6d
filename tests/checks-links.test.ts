// GET /api/v1/message/{ID}/link-check against a local HTTP server answering 200, 404, a redirect, a HEAD refusal
// and a timeout; and the SSRF guard: internal addresses refused by default, after DNS and on every redirect hop.
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { checkUrl, linksToCheck, internalAddress, linkCheck, type LinkCheckResponse } from '../server/checks/link-check.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { api } from './helpers/api.ts';
import { deliver, fixture } from './helpers/checks.ts';

describe('link-check', () => {
  let server: Server;
  let base: string;
  const requests: string[] = [];
  let open: TestApp;
  let guarded: TestApp;
  let openId: string;

  before(async () => {
    server = createServer((req, res: ServerResponse) => {
      requests.push(`${req.method} ${req.url}`);
      if (req.url === '/slow') return; // never answers
      if (req.url === '/ok' || req.url === '/logo.png') return res.writeHead(200).end('fine');
      if (req.url === '/moved') return res.writeHead(302, { Location: '/ok' }).end();
      if (req.url === '/to-elsewhere') return res.writeHead(301, { Location: `http://127.0.0.2:${port()}/ok` }).end();
      if (req.url === '/head-refused') return res.writeHead(req.method === 'HEAD' ? 405 : 200).end();
      res.writeHead(404).end('no');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${port()}`;
    open = await startTestApp(['--allow-internal-http-requests']);
    guarded = await startTestApp();
    openId = await deliver(open.smtp.port, fixture('links.eml', { BASE: base }));
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await open.dispose();
    await guarded.dispose();
  });
  const port = () => (server.address() as { port: number }).port;
  const statuses = (r: LinkCheckResponse) => Object.fromEntries(r.Links.map((l) => [l.URL.replace(base, ''), l.StatusCode]));

  test('every link and image of the HTML and text is checked, once each, in Mailpit\'s shape', async () => {
    const res = await api(open.url).get<LinkCheckResponse>(`/api/v1/message/${openId}/link-check`);
    assert.equal(res.status, 200);
    assert.deepEqual(statuses(res.body), { '/ok': 200, '/missing': 404, '/moved': 302, '/head-refused': 200, '/logo.png': 200 });
    assert.equal(res.body.Errors, 1);
    assert.deepEqual(Object.keys(res.body.Links[0]!), ['URL', 'StatusCode', 'Status']);
    assert.equal(res.body.Links.find((l) => l.URL.endsWith('/missing'))!.Status, 'Not Found');
    assert.equal(res.body.Links.find((l) => l.URL.endsWith('/moved'))!.Status, 'Found');
    assert.ok(requests.includes('HEAD /head-refused') && requests.includes('GET /head-refused'), 'HEAD refused, then GET');
    assert.ok(!requests.includes('GET /ok'), 'a link that answers HEAD is not fetched');
  });

  test('follow=true follows redirects; each follow value has its own cached report; refresh=1 checks again', async () => {
    const http = api(open.url);
    const checks = open.checks;
    const before = checks.cache.computations('link-check');
    const followed = await http.get<LinkCheckResponse>(`/api/v1/message/${openId}/link-check?follow=true`);
    assert.equal(statuses(followed.body)['/moved'], 200);
    await http.get(`/api/v1/message/${openId}/link-check?follow=1`);
    await http.get(`/api/v1/message/${openId}/link-check`);
    assert.equal(checks.cache.computations('link-check'), before + 1, 'follow=1 and follow=true share a report; follow=false is cached');
    const seen = requests.length;
    await http.get(`/api/v1/message/${openId}/link-check?refresh=1`);
    assert.equal(checks.cache.computations('link-check'), before + 2);
    assert.ok(requests.length > seen, 'refresh made new requests');
    assert.equal((await http.get(`/api/v1/message/${openId}/link-check?follow=yes`)).status, 400);
  });

  test('a link that does not answer times out', async () => {
    const started = Date.now();
    const result = await checkUrl(`${base}/slow`, { follow: false, allowInternal: true, timeoutMs: 300 });
    assert.deepEqual(result, { URL: `${base}/slow`, StatusCode: 0, Status: 'timeout' });
    assert.ok(Date.now() - started < 1500, 'no GET retry after a timeout');
  });

  test('SSRF: loopback is refused by default, before any request, also by host name', async () => {
    const id = await deliver(guarded.smtp.port, fixture('links.eml', { BASE: base }));
    const seen = requests.length;
    const res = await api(guarded.url).get<LinkCheckResponse>(`/api/v1/message/${id}/link-check`);
    assert.equal(res.body.Errors, 5);
    for (const link of res.body.Links) {
      assert.equal(link.StatusCode, 0);
      assert.match(link.Status, /127\.0\.0\.1 is a loopback address/);
    }
    // localhost resolves to a loopback address: refused after DNS, before connecting.
    const named = await checkUrl(`http://localhost:${port()}/ok`, { follow: false, allowInternal: false });
    assert.equal(named.StatusCode, 0);
    assert.match(named.Status, /^localhost: .* is a loopback address/);
    assert.equal(requests.length, seen, 'no request reached the server');
    const allowed = await checkUrl(`http://localhost:${port()}/ok`, { follow: false, allowInternal: true });
    assert.equal(allowed.StatusCode, 200);
  });

  test('SSRF: a redirect is checked again before it is followed', async () => {
    const refuse = (address: string) => (address === '127.0.0.2' ? 'refused for the test' : null);
    const unfollowed = await checkUrl(`${base}/to-elsewhere`, { follow: false, allowInternal: false, refuse });
    assert.equal(unfollowed.StatusCode, 301);
    const followed = await checkUrl(`${base}/to-elsewhere`, { follow: true, allowInternal: false, refuse });
    assert.deepEqual(followed, { URL: `${base}/to-elsewhere`, StatusCode: 0, Status: 'refused for the test' });
  });

  test('internal ranges, IPv4 inside IPv6 included', () => {
    for (const address of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '0.0.0.0', '100.64.0.1', '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '64:ff9b::a00:1', '2002:c0a8:101::1']) {
      assert.ok(internalAddress(address), address);
    }
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8']) assert.equal(internalAddress(address), null, address);
  });

  test('links are taken from <a href>, <img src>, stylesheets and text, http(s) only, unique, at most 100', async () => {
    const html = '<a href="https://a.example/1">x</a><img src="https://a.example/i.png"><link rel="stylesheet" href="https://a.example/s.css"><a href="mailto:x@y.z">m</a><a href="#top">t</a><!-- <a href="https://hidden.example/"> -->';
    assert.deepEqual(linksToCheck(html, 'see https://a.example/1 and <https://a.example/wrapped\n/path>.'), [
      'https://a.example/1',
      'https://a.example/i.png',
      'https://a.example/s.css',
      'https://a.example/wrapped/path',
    ]);
    const many = Array.from({ length: 150 }, (_, i) => `<a href="http://198.51.100.1/${i}">x</a>`).join('');
    const result = await linkCheck({ html: many, text: '' }, { follow: false, allowInternal: false, refuse: () => 'not in tests' });
    assert.equal(result.Links.length, 100);
    assert.equal(result.Errors, 100);
  });
});

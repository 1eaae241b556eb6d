// A hostile email opened in the inbox: scripts, inline handlers, javascript: links, <svg onload>, meta refresh,
// forms, frames and CSS that loads remote URLs. It must run nothing, open no dialog, leave the UI's origin and page
// untouched, and reach no remote server while remote images are off. A local listener stands in for "remote".
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser, Frame } from 'playwright-core';
import { api, mailer, queuedId } from './helpers/api.ts';
import type { TestApp } from './helpers/app.ts';
import { openInbox, startUi } from './helpers/browser.ts';

/** Everything a script in the email would try, each leaving a trace the test looks for. */
function hostileHtml(remote: string): string {
  const pwn = `top.document.title='pwned';parent.localStorage.setItem('pwned','1');top.location='${remote}/top';alert('x')`;
  return `<!doctype html><html><head>
<meta http-equiv="refresh" content="0;url=${remote}/refresh">
<link rel="stylesheet" href="${remote}/style.css">
<link rel="prefetch" href="${remote}/prefetch">
<style>
  @import url("${remote}/import.css");
  @font-face { font-family: Evil; src: url("${remote}/font.woff"); }
  body { background: url("${remote}/background.png"); font-family: Evil; }
</style>
<script>${pwn}</script>
<script src="${remote}/script.js"></script>
</head><body onload="${pwn}">
<h1 id="hello">Hostile content</h1>
<img src="${remote}/pixel.png" alt="pixel">
<img src="data:," onerror="${pwn}">
<svg onload="${pwn}"><circle r="5"/></svg>
<a id="js-link" href="javascript:${pwn}">javascript link</a>
<a id="hover" href="#" onmouseover="${pwn}" onclick="${pwn}">handler link</a>
<form id="form" action="${remote}/form" method="post"><input name="q" value="1"><button id="submit">Send</button></form>
<iframe src="${remote}/frame"></iframe>
<object data="${remote}/object"></object>
<video poster="${remote}/poster.png"></video>
</body></html>`;
}

describe('a hostile email in the inbox', () => {
  let app: TestApp;
  let browser: Browser;
  let remote: Server;
  let remoteUrl: string;
  const hits: string[] = [];
  let id: string;
  before(async () => {
    remote = createServer((req, res) => {
      hits.push(req.url ?? '');
      res.end();
    });
    await new Promise<void>((resolve) => remote.listen(0, '127.0.0.1', resolve));
    remoteUrl = `http://127.0.0.1:${(remote.address() as AddressInfo).port}`;
    ({ app, browser } = await startUi());
    const info = await mailer(app.smtp.port)({
      subject: '<img src=x onerror="alert(\'subject\')"> Hostile',
      from: '"<script>alert(1)</script>" <evil@example.com>',
      text: `Click javascript:alert('text') or <b>bold</b> or ${remoteUrl}/text-link`,
      html: hostileHtml(remoteUrl),
      attachments: [{ filename: '<img src=x onerror=alert(2)>.html', content: `<script>alert(3)</script>`, contentType: 'text/html' }],
    });
    id = queuedId(info.response);
  });
  after(async () => {
    await browser?.close();
    await app?.dispose();
    remote?.close();
  });

  test('runs nothing, opens no dialog, leaves the page alone and loads nothing remote while remote images are off', async () => {
    const { page, context, dialogs } = await openInbox(browser, app.url);
    await page.evaluate(() => localStorage.setItem('mailcove.remoteContent', 'false'));
    await page.reload();
    await page.locator('.list-header').waitFor();

    // The subject and sender are text, not markup.
    const row = page.locator('.rows .row[data-id]').first();
    assert.match(await row.locator('.subject').textContent() ?? '', /^<img src=x onerror="alert\('subject'\)"> Hostile$/);
    assert.equal(await row.locator('.from').textContent(), 'Unread, <script>alert(1)</script>');

    await row.locator('a.open').click();
    await page.getByRole('heading', { name: /Hostile$/ }).waitFor();
    const url = page.url();
    // From here on the page's own address must not change, nor any window open.
    const mainNavigations: string[] = [];
    page.on('framenavigated', (frame) => frame === page.mainFrame() && mainNavigations.push(frame.url()));
    const popups: string[] = [];
    context.on('page', (p) => popups.push(p.url()));
    const iframe = page.locator('iframe[title^="HTML preview"]');
    assert.equal(await iframe.getAttribute('sandbox'), 'allow-popups allow-popups-to-escape-sandbox');
    assert.equal(await iframe.getAttribute('src'), `/view/${id}.html?remote=0&embed=1`);
    const frame = page.frameLocator('iframe[title^="HTML preview"]');
    await frame.locator('#hello').waitFor();

    // Poke everything that could run on interaction.
    await frame.locator('#hover').hover();
    await frame.locator('#hover').click();
    await frame.locator('#js-link').click();
    await frame.locator('#submit').click();
    await page.waitForTimeout(700);

    const preview = page.frames().find((f: Frame) => f.url().includes(`/view/${id}.html`));
    assert.ok(preview, 'the preview is still the email, not navigated by meta refresh, a link or a form');
    assert.deepEqual(dialogs, []);
    assert.equal(await page.title(), 'Mailcove');
    assert.equal(await page.evaluate(() => localStorage.getItem('pwned')), null);
    assert.equal(page.url(), url);
    assert.deepEqual(mainNavigations, []);
    assert.deepEqual(popups, []);
    // (A copy: asserting on `hits` itself would narrow its type to never[] for the rest of the test.)
    assert.deepEqual([...hits], [], 'no request reached the remote server');

    // The HTML source tab shows the markup as text; nothing from it becomes an element of the page.
    await page.getByRole('tab', { name: 'HTML source' }).click();
    await page.locator('.source', { hasText: '<script>top.document.title' }).waitFor();
    assert.equal(await page.locator('.source script, .source img, .source svg, .source iframe, .source form').count(), 0);
    // The text tab links only http(s) and mailto.
    await page.getByRole('tab', { name: 'Text' }).click();
    assert.equal(await page.locator('.text a').count(), 1);
    assert.equal(await page.locator('.text a').getAttribute('href'), `${remoteUrl}/text-link`);
    assert.equal(await page.locator('a[href^="javascript:"]').count(), 0);
    await page.getByRole('tab', { name: /Attachments/ }).click();
    await page.getByText('<img src=x onerror=alert(2)>.html').waitFor();
    assert.deepEqual(dialogs, []);

    // Switched on, remote images load (the listener works), and still nothing runs or navigates.
    await page.getByRole('tab', { name: 'HTML', exact: true }).click();
    await page.getByRole('button', { name: 'Remote images' }).click();
    await frame.locator('#hello').waitFor();
    const deadline = Date.now() + 3000;
    while (!hits.includes('/pixel.png') && Date.now() < deadline) await page.waitForTimeout(25);
    assert.ok(hits.includes('/pixel.png'), `remote images load when allowed (hits: ${hits.join(', ')})`);
    await page.waitForTimeout(300);
    // (A prefetch may now load like an image; it is a fetch, not something that runs.)
    for (const never of ['/refresh', '/form', '/frame', '/object', '/script.js', '/top']) assert.ok(!hits.includes(never), `${never} in ${hits.join(', ')}`);
    assert.deepEqual(dialogs, []);
    assert.equal(await page.title(), 'Mailcove');
    assert.equal(await page.evaluate(() => localStorage.getItem('pwned')), null);
    assert.equal(page.url(), url);
    assert.deepEqual(mainNavigations, []);
    await context.close();
  });

  test('opened in its own tab, the HTML is still sandboxed by its CSP', async () => {
    const { page, context, dialogs } = await openInbox(browser, app.url, undefined, `#/m/${id}`);
    await page.getByRole('heading', { name: /Hostile$/ }).waitFor();
    const [tab] = await Promise.all([context.waitForEvent('page'), page.getByRole('link', { name: 'Open in new tab' }).click()]);
    const tabDialogs: string[] = [];
    tab.on('dialog', (dialog) => {
      tabDialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await tab.waitForLoadState();
    await tab.locator('#hello').waitFor();
    await tab.locator('#js-link').click();
    await tab.waitForTimeout(300);
    assert.deepEqual([...dialogs, ...tabDialogs], []);
    assert.notEqual(await tab.title(), 'pwned');
    assert.equal(new URL(tab.url()).pathname, `/view/${id}.html`);
    const response = await api(app.url).get(new URL(tab.url()).pathname + new URL(tab.url()).search);
    assert.match(response.headers.get('content-security-policy') ?? '', /^sandbox;/);
    await context.close();
  });
});

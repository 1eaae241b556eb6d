// The message view in a real browser: its tabs, the preview's width presets and remote-images switch, the toolbar,
// and the screenshots of the list and a message at desktop and phone sizes (tests/artifacts/).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import sharp from 'sharp';
import { api, mailer, queuedId } from './helpers/api.ts';
import type { TestApp } from './helpers/app.ts';
import { DESKTOP, openInbox, PHONE, row, screenshot, startUi } from './helpers/browser.ts';

describe('message view', () => {
  let app: TestApp;
  let browser: Browser;
  let http: ReturnType<typeof api>;
  let send: ReturnType<typeof mailer>;
  let png: Buffer;
  before(async () => {
    ({ app, browser } = await startUi());
    http = api(app.url);
    send = mailer(app.smtp.port);
    png = await sharp({ create: { width: 240, height: 160, channels: 3, background: '#0f766e' } }).png().toBuffer();
  });
  after(async () => {
    await browser?.close();
    await app?.dispose();
  });
  beforeEach(() => http.delete('/api/v1/messages'));

  async function rich(subject: string): Promise<string> {
    const info = await send({
      subject,
      from: 'Corner Shop <orders@shop.example>',
      to: 'Dana Customer <dana@example.com>',
      cc: 'accounts@example.com',
      text: 'Your order has shipped.\nTrack it at https://shop.example/track/123, or reply to help@shop.example.',
      html: '<!doctype html><html><head><style>h1{color:#0f766e}</style></head><body><h1 class="title">Order shipped</h1><p>Track it <a href="https://shop.example/track/123">here</a>.</p><img alt="logo" src="cid:logo@shop"></body></html>',
      headers: { 'X-Tags': 'orders' },
      attachments: [
        { filename: 'logo.png', content: png, cid: 'logo@shop' },
        { filename: 'photo.png', content: png },
        { filename: 'invoice.pdf', content: Buffer.from('%PDF-1.4\n% invoice\n'), contentType: 'application/pdf' },
      ],
    });
    return queuedId(info.response);
  }

  test('tabs: HTML (inline images load), Text (links), HTML source (highlighted), Headers, Raw, Attachments', async () => {
    const id = await rich('Rich message');
    const { page, context, pageErrors } = await openInbox(browser, app.url, DESKTOP, `#/m/${id}`);
    const parts: { url: string; status: number }[] = [];
    page.on('response', (r) => r.url().includes('/part/') && parts.push({ url: r.url(), status: r.status() }));
    await page.getByRole('heading', { name: 'Rich message' }).waitFor();
    const header = page.locator('.head');
    assert.match(await header.innerText(), /Corner Shop\s*<orders@shop\.example>/);
    assert.match(await header.innerText(), /accounts@example\.com/);

    const frame = page.locator('iframe[title^="HTML preview"]');
    assert.equal(await frame.getAttribute('sandbox'), 'allow-popups allow-popups-to-escape-sandbox');
    assert.equal(await frame.getAttribute('src'), `/view/${id}.html?remote=1&embed=1`);
    await page.frameLocator('iframe[title^="HTML preview"]').getByRole('heading', { name: 'Order shipped' }).waitFor();
    await page.waitForFunction(() => performance.getEntriesByType('resource').length > 0);
    const view = (await http.get(`/api/v1/message/${id}`)).body;
    const logoUrl = `/api/v1/message/${id}/part/${view.Inline[0].PartID}`;
    while (!parts.some((p) => p.url.endsWith(logoUrl))) await page.waitForTimeout(20);
    assert.deepEqual(parts.find((p) => p.url.endsWith(logoUrl))?.status, 200, 'the cid: image loads inside the sandbox');

    await page.getByRole('tab', { name: 'Text' }).click();
    const link = page.getByRole('tabpanel').getByRole('link', { name: 'https://shop.example/track/123' });
    assert.equal(await link.getAttribute('target'), '_blank');
    assert.match((await link.getAttribute('rel')) ?? '', /noopener/);
    assert.equal(await page.getByRole('tabpanel').getByRole('link').count(), 1, 'the trailing comma is not part of the link');

    await page.getByRole('tab', { name: 'HTML source' }).click();
    assert.equal(await page.locator('.source .hl-tag', { hasText: 'h1' }).first().textContent(), 'h1');
    assert.equal(await page.locator('.source .hl-attr', { hasText: 'class' }).count(), 1);
    assert.equal(await page.locator('.source .hl-value', { hasText: '"title"' }).count(), 1);

    await page.getByRole('tab', { name: 'Headers' }).click();
    await page.getByRole('row', { name: /^Subject Rich message$/ }).waitFor();
    await page.getByRole('row', { name: /^Envelope to dana@example\.com, accounts@example\.com$/ }).waitFor();

    await page.getByRole('tab', { name: 'Raw' }).click();
    await page.locator('pre.raw', { hasText: 'Subject: Rich message' }).waitFor();

    await page.getByRole('tab', { name: 'Attachments (3)' }).click();
    const pdf = page.locator('li', { hasText: 'invoice.pdf' });
    assert.match(await pdf.innerText(), /application\/pdf · 19 B/);
    await pdf.getByText('Checksums').click();
    assert.match(await pdf.innerText(), new RegExp(createHash('sha256').update('%PDF-1.4\n% invoice\n').digest('hex')));
    const download = pdf.getByRole('link', { name: 'Download invoice.pdf' });
    assert.match((await download.getAttribute('href')) ?? '', new RegExp(`^/api/v1/message/${id}/part/\\d`));
    const thumb = page.locator('li', { hasText: 'photo.png' }).locator('img');
    await page.waitForFunction((img) => img instanceof HTMLImageElement && img.complete && img.naturalWidth === 180, await thumb.elementHandle());
    assert.deepEqual(pageErrors, []);
    await context.close();
  });

  test('width presets size the preview (phone 375, tablet 768, desktop, custom) and are remembered; remote images switch', async () => {
    const id = await rich('Widths');
    const { page, context } = await openInbox(browser, app.url, DESKTOP, `#/m/${id}`);
    const frame = page.locator('iframe[title^="HTML preview"]');
    await frame.waitFor();
    const width = () => frame.evaluate((el) => el.getBoundingClientRect().width);

    await page.getByRole('button', { name: 'Phone width (375 px)' }).click();
    assert.equal(await width(), 375);
    assert.equal(await page.getByRole('button', { name: 'Phone width (375 px)' }).getAttribute('aria-pressed'), 'true');
    await page.getByRole('button', { name: 'Tablet width (768 px)' }).click();
    assert.equal(await width(), 768);
    await page.getByRole('button', { name: 'Desktop width' }).click();
    const stage = await page.locator('.stage').evaluate((el) => el.clientWidth);
    assert.equal(await width(), stage, 'the desktop preview fills the pane');
    assert.ok(stage > 600, `${stage} px`);
    const custom = page.getByRole('spinbutton', { name: 'Custom width (px)' });
    await custom.fill('500');
    await custom.press('Enter');
    assert.equal(await width(), 500);

    await page.reload();
    await frame.waitFor();
    assert.equal(await width(), 500, 'remembered');

    const remote = page.getByRole('button', { name: 'Remote images' });
    assert.equal(await remote.getAttribute('aria-pressed'), 'true');
    await remote.click();
    assert.equal(await remote.getAttribute('aria-pressed'), 'false');
    assert.equal(await frame.getAttribute('src'), `/view/${id}.html?remote=0&embed=1`);
    await context.close();
  });

  test('toolbar: previous and next, mark unread, download .eml, open in a new tab, delete', async () => {
    for (const subject of ['Oldest', 'Middle', 'Newest']) await send({ subject, html: `<p>${subject}</p>`, text: subject });
    const middle = (await http.get('/api/v1/search?query=subject:Middle')).body.messages[0].ID;
    const { page, context } = await openInbox(browser, app.url, DESKTOP, `#/m/${middle}`);
    await page.getByRole('heading', { name: 'Middle' }).waitFor();
    await page.getByText('2 of 3').waitFor();

    await page.getByRole('button', { name: 'Previous message' }).click();
    await page.getByRole('heading', { name: 'Newest' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Previous message' }).isDisabled(), true);
    await page.getByRole('button', { name: 'Next message' }).click();
    await page.getByRole('heading', { name: 'Middle' }).waitFor();

    await page.getByRole('button', { name: 'Mark unread' }).click();
    await page.waitForFunction(() => document.querySelector('.row.unread[data-id] .subject')?.textContent === 'Middle');
    assert.equal((await http.get(`/api/v1/search?query=is:unread subject:Middle`)).body.messages_count, 1);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download .eml' }).click()]);
    assert.equal(download.suggestedFilename(), `${middle}.eml`);
    assert.match(await download.path().then((path) => import('node:fs').then((fs) => fs.readFileSync(path, 'utf8'))), /Subject: Middle/);

    const [tab] = await Promise.all([context.waitForEvent('page'), page.getByRole('link', { name: 'Open in new tab' }).click()]);
    await tab.waitForLoadState();
    assert.equal(new URL(tab.url()).pathname, `/view/${middle}.html`);
    assert.equal(await tab.locator('p').textContent(), 'Middle');
    await tab.close();

    await page.getByRole('button', { name: 'Delete message' }).click();
    await page.getByRole('heading', { name: 'Oldest' }).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('.rows .row[data-id]').length === 2);
    assert.equal((await http.get(`/api/v1/search?query=subject:Middle`)).body.messages_count, 0);
    await context.close();
  });

  test('screenshots of the list and of a message at 1280×800 and 390×844', async () => {
    const senders = ['GitHub <noreply@github.com>', 'Stripe <receipts@stripe.example>', 'Ana Lima <ana@example.org>', 'CI Bot <ci@build.example>', 'Calendar <calendar@example.com>', 'Newsletter <news@weekly.example>'];
    const subjects = ['[mailcove] Pull request #42: virtualised list', 'Your receipt from Acme Inc. #1043-2231', 'Lunch on Thursday?', 'Build #1287 passed on main', 'Invitation: Sprint review @ Fri 10:00', 'This week in email: dark mode tips'];
    for (let i = 0; i < subjects.length; i++) {
      await send({ subject: subjects[i], from: senders[i], text: `${subjects[i]}. Here is a short preview of the message body so the snippet line has text.`, headers: i % 2 ? { 'X-Tags': i === 1 ? 'billing' : 'ci' } : {} });
    }
    await mailer(app.smtp.port, { user: 'signup-tests', pass: 'x' })({ subject: 'Confirm your email address', from: 'Acme <hello@acme.example>', to: 'new.user+signup@example.com', text: 'Confirm: https://acme.example/confirm' });
    const id = await rich('Your order #5521 has shipped');

    for (const [viewport, size] of [
      [DESKTOP, '1280x800'],
      [PHONE, '390x844'],
    ] as const) {
      const { page, context } = await openInbox(browser, app.url, viewport);
      await row(page, 'Your order #5521 has shipped').waitFor();
      // Settled: the websocket is up and the sidebar has its inboxes.
      await page.locator('.connection.live').waitFor({ state: 'attached' });
      await page.locator('.sidebar', { hasText: 'signup-tests' }).waitFor({ state: 'attached' });
      await screenshot(page, `list-${size}`);
      await row(page, 'Your order #5521 has shipped').locator('a.open').click();
      await page.frameLocator('iframe[title^="HTML preview"]').getByRole('heading', { name: 'Order shipped' }).waitFor();
      await page.waitForFunction(() => [...document.images].every((img) => img.complete));
      await screenshot(page, `message-${size}`);
      await context.close();
    }
    assert.ok(id);
  });
});

// The quality-check tabs of the message view in a real browser: HTML check (score, client filter, a warning marks
// its lines in the HTML source), Spam (built-in engine: score, verdict, rules), Links (statuses from a local HTTP
// server, Re-check, follow redirects) and Auth (DKIM/SPF/DMARC from --dns-overrides). Each tab loads only when
// opened. Screenshots of each tab go to tests/artifacts/.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { mailer, queuedId } from './helpers/api.ts';
import { tempDir, type TestApp } from './helpers/app.ts';
import { DESKTOP, openInbox, screenshot, startUi } from './helpers/browser.ts';
import { deliver, fixture } from './helpers/checks.ts';

describe('quality-check tabs', () => {
  let app: TestApp;
  let browser: Browser;
  let web: Server;
  let base = '';
  let flipped = false;
  const ids = { html: '', spam: '', links: '', auth: '' };

  before(async () => {
    // The links' server: 200, 404, a redirect, a slow page, and one that answers 404 until `flipped`.
    web = createServer((req, res) => {
      const path = req.url ?? '/';
      const answer = (status: number, headers: Record<string, string> = {}) => res.writeHead(status, headers).end();
      if (path === '/ok') answer(200);
      else if (path === '/missing') answer(404);
      else if (path === '/moved') answer(302, { location: '/ok' });
      else if (path === '/slow') setTimeout(() => answer(200), 400);
      else if (path === '/flip') answer(flipped ? 200 : 404);
      else answer(500);
    });
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;

    const zone = join(tempDir('mailcove-ui-checks-'), 'dns.json');
    writeFileSync(
      zone,
      JSON.stringify({
        'sender.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] },
        '_dmarc.sender.test': { TXT: ['v=DMARC1; p=reject'] },
        '1.0.0.127.in-addr.arpa': { PTR: ['localhost'] },
      }),
    );
    ({ app, browser } = await startUi(['--allow-internal-http-requests', '--dns-overrides', zone]));

    const send = mailer(app.smtp.port);
    const [html, spam, links, auth] = await Promise.all([
      deliver(app.smtp.port, fixture('html-features.eml')),
      deliver(app.smtp.port, fixture('spam.eml')),
      send({
        subject: 'Links to check',
        text: 'See the links.',
        html: ['ok', 'missing', 'moved', 'slow', 'flip'].map((p) => `<p><a href="${base}/${p}">${p}</a></p>`).join('\n'),
      }).then((info) => queuedId(info.response)),
      send({
        subject: 'Unsigned but allowed',
        from: 'Sender <news@sender.test>',
        envelope: { from: 'bounce@sender.test', to: ['user@example.com'] },
        text: 'Hello.',
      }).then((info) => queuedId(info.response)),
    ]);
    Object.assign(ids, { html, spam, links, auth });
  });

  after(async () => {
    await browser?.close();
    await app?.dispose();
    await new Promise((resolve) => web?.close(resolve));
  });

  /** The message open at DESKTOP size, with the check requests it made recorded. */
  async function open(id: string, subject: RegExp) {
    const opened = await openInbox(browser, app.url, DESKTOP, `#/m/${id}`);
    const checks: string[] = [];
    opened.page.on('request', (r) => /-check\b/.test(r.url()) && checks.push(new URL(r.url()).pathname.split('/').pop()! + new URL(r.url()).search));
    await opened.page.getByRole('heading', { name: subject }).waitFor();
    return { ...opened, checks };
  }

  const panel = (page: Page) => page.getByRole('tabpanel');

  test('HTML check: score, client filter, and a warning marks its lines in the HTML source', async () => {
    const { page, context, checks, pageErrors } = await open(ids.html, /Compatibility fixture/);
    await page.waitForTimeout(100);
    assert.deepEqual(checks, [], 'no check runs until its tab is opened');

    await page.getByRole('tab', { name: 'HTML check' }).click();
    await page.getByRole('heading', { name: 'Overall score' }).waitFor();
    assert.deepEqual(checks, ['html-check']);
    const totals = await panel(page).locator('.totals').innerText();
    assert.match(totals, /\d+%\s*supported/);
    assert.match(totals, /[1-9]\d*%\s*unsupported/, 'the fixture uses unsupported features');

    const svg = panel(page).locator('.warning', { has: page.getByRole('button', { name: 'Embedded <svg> image' }) });
    assert.match(await svg.innerText(), /line 14\b/);
    const gap = panel(page).locator('.warning', { has: page.getByRole('button', { name: 'gap, column-gap, row-gap' }) });
    assert.match(await gap.innerText(), /lines 6, 13\b/);

    // Support per client, with notes; the filter narrows it to one family and rescores.
    await gap.locator('summary').click();
    const clients = gap.locator('.results li');
    assert.ok((await clients.count()) > 10);
    assert.ok((await gap.locator('.results .verdict.bad').count()) > 0, 'some client does not support gap');
    assert.match(await page.locator('#html-warnings').innerText(), /^16 warnings$/i);
    await page.getByLabel('Client', { exact: true }).selectOption({ label: 'Outlook' });
    await page.getByRole('heading', { name: /^Score for Outlook/ }).waitFor();
    assert.match(await page.locator('#html-warnings').innerText(), /^1[0-5] warnings · [1-6] fully supported by this client$/i, 'Outlook supports some of the features');
    const names = await gap.locator('.results .client').allInnerTexts();
    assert.ok(names.length > 0 && names.every((n) => n.startsWith('Outlook ')), names.join(', '));
    await page.getByLabel('Platform', { exact: true }).selectOption({ label: 'Windows' });
    await page.getByRole('heading', { name: 'Score for Outlook on Windows' }).waitFor();
    assert.ok((await gap.locator('.results .client').allInnerTexts()).every((n) => n.startsWith('Outlook Windows')));
    await page.getByLabel('Client', { exact: true }).selectOption('');
    await page.getByLabel('Platform', { exact: true }).selectOption('');
    await page.getByRole('heading', { name: 'Overall score' }).waitFor();
    assert.match(await page.locator('#html-warnings').innerText(), /^16 warnings$/i);
    await screenshot(page, 'checks-html-desktop');

    // Clicking the warning opens the source with its lines marked and in view.
    await page.getByRole('button', { name: 'gap, column-gap, row-gap' }).click();
    assert.equal(await page.getByRole('tab', { name: 'HTML source' }).getAttribute('aria-selected'), 'true');
    const marked = panel(page).locator('.line.marked');
    await marked.first().waitFor();
    assert.deepEqual(await marked.evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset.line)), ['6', '13']);
    assert.match((await marked.nth(0).innerText()) ?? '', /gap: 12px/);
    assert.match((await marked.nth(1).innerText()) ?? '', /gap: 8px/);
    const box = await marked.nth(0).boundingBox();
    const pane = await panel(page).boundingBox();
    assert.ok(box && pane && box.y >= pane.y && box.y + box.height <= pane.y + pane.height, 'the first marked line is scrolled into view');
    assert.equal(await page.getByRole('region', { name: 'Marked lines' }).evaluate((el) => el === document.activeElement), true);
    await screenshot(page, 'checks-html-source-desktop');

    // Back to the check; Clear drops the marks.
    await page.getByRole('button', { name: 'Back to HTML check' }).click();
    await page.getByRole('heading', { name: 'Overall score' }).waitFor();
    await page.getByRole('button', { name: 'Embedded <svg> image' }).click();
    assert.deepEqual(await marked.evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset.line)), ['14']);
    await page.getByRole('button', { name: 'Clear' }).click();
    assert.equal(await marked.count(), 0);
    assert.deepEqual(checks, ['html-check', 'html-check'], 'reopening the tab asks again (the server answers from its cache)');
    assert.deepEqual(pageErrors, []);
    await context.close();
  });

  test('Spam: score against the threshold, verdict, engine and rules by score; an engine error is shown', async () => {
    const { page, context, checks, pageErrors } = await open(ids.spam, /YOU HAVE WON/);
    await page.getByRole('tab', { name: 'Spam' }).click();
    const meter = page.getByRole('meter', { name: 'Spam score' });
    await meter.waitFor();
    const score = Number(await meter.getAttribute('aria-valuenow'));
    assert.ok(score >= 10, `obvious spam scores well above the threshold (${score})`);
    assert.match(await panel(page).locator('.score').innerText(), /of 5 to be spam\s*Spam\s*by built-in rules/i);
    const rules = panel(page).locator('tbody tr');
    assert.ok((await rules.count()) >= 5);
    await panel(page).getByRole('row', { name: /MONEY_PHRASES_MANY/ }).waitFor();
    const scores = (await rules.locator('td.num').allInnerTexts()).map(Number);
    assert.deepEqual(scores, [...scores].sort((a, b) => b - a), 'sorted by score, highest first');
    assert.equal(scores.reduce((a, b) => a + b, 0).toFixed(1), score.toFixed(1));
    await screenshot(page, 'checks-spam-desktop');
    assert.deepEqual(checks, ['sa-check']);

    // spamd unreachable: the server answers a report with Error set.
    await page.route('**/sa-check**', (route) =>
      route.fulfill({ json: { IsSpam: false, Error: 'connect ECONNREFUSED 127.0.0.1:783', Score: 0, Rules: [], Engine: 'spamassassin', Threshold: 5 } }),
    );
    await page.getByRole('tab', { name: 'Links' }).click();
    await page.getByRole('tab', { name: 'Spam' }).click();
    const alert = panel(page).getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /SpamAssassin could not check this message: connect ECONNREFUSED/);
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
    assert.equal(checks.at(-1), 'sa-check?refresh=1');
    assert.deepEqual(pageErrors, []);
    await context.close();
  });

  test('Links: status of each link, Re-check refreshes, follow redirects', async () => {
    flipped = false;
    const { page, context, checks, pageErrors } = await open(ids.links, /Links to check/);
    await page.getByRole('tab', { name: 'Links' }).click();
    await panel(page).getByText(/Checking links/).waitFor();
    const table = panel(page).getByRole('table', { name: 'Links' });
    await table.waitFor();
    const status = async (path: string) => (await table.getByRole('row', { name: new RegExp(`${base}/${path}\\b`) }).innerText()).replace(/\s+/g, ' ').trim();
    assert.match(await status('ok'), /^OK 200 /i);
    assert.match(await status('missing'), /^Error 404 .*Not Found/i);
    assert.match(await status('moved'), /^Redirect 302 /i);
    assert.match(await status('slow'), /^OK 200 /i);
    assert.match(await status('flip'), /^Error 404 /i);
    assert.match(await panel(page).getByRole('status').innerText(), /5 links: 2 OK, 1 redirected, 2 errors/);
    await screenshot(page, 'checks-links-desktop');

    flipped = true;
    await page.getByRole('button', { name: 'Re-check' }).click();
    await page.getByRole('button', { name: 'Checking…' }).waitFor();
    await page.getByRole('button', { name: 'Re-check' }).waitFor();
    assert.match(await status('flip'), /^OK 200 /, 'Re-check asked the server to check again');

    await page.getByLabel('Follow redirects').check();
    await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
    assert.match(await status('moved'), /^OK 200 /, 'followed to where it ends');
    assert.deepEqual(checks, ['link-check?follow=false', 'link-check?follow=false&refresh=1', 'link-check?follow=true']);
    assert.deepEqual(pageErrors, []);
    await context.close();
  });

  test('Auth: DKIM none for an unsigned message, SPF and DMARC from --dns-overrides, List-Unsubscribe; keyboard reaches the tab', async () => {
    const { page, context, pageErrors } = await open(ids.auth, /Unsigned but allowed/);
    await page.getByRole('tab', { name: 'HTML', exact: true }).or(page.getByRole('tab', { name: 'Text' })).first().focus();
    await page.keyboard.press('End');
    const tab = page.getByRole('tab', { name: 'Auth' });
    assert.equal(await tab.getAttribute('aria-selected'), 'true');
    assert.equal(await tab.evaluate((el) => el === document.activeElement), true);

    const row = (name: string) => panel(page).locator(`tr[data-check="${name}"]`);
    await row('DKIM').waitFor();
    assert.match(await row('DKIM').innerText(), /^DKIM\s+none\s+.*not signed/i);
    assert.match(await row('SPF').innerText(), /^SPF\s+pass\s+.*sender\.test/i);
    assert.match(await row('DMARC').innerText(), /^DMARC\s+pass\s+policy reject/i);
    assert.match(await row('ARC').innerText(), /^ARC\s+none/i);
    assert.equal(await row('SPF').locator('.verdict.good').count(), 1);
    assert.match(await panel(page).locator('.unsubscribe').innerText(), /None\s+no List-Unsubscribe header/i);
    await screenshot(page, 'checks-auth-desktop');
    assert.deepEqual(pageErrors, []);
    await context.close();
  });
});

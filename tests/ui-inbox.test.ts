// The live inbox in a real browser: mail arriving over SMTP, search, the sidebar, bulk actions, the keyboard, the
// theme and the phone layout. One app and one browser for the file; a fresh page (and empty mailbox) per test.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { api, mailer } from './helpers/api.ts';
import type { TestApp } from './helpers/app.ts';
import { openInbox, PHONE, row, rows, startUi } from './helpers/browser.ts';

const ROW_HEIGHT = 76;

describe('web inbox', () => {
  let app: TestApp;
  let browser: Browser;
  let http: ReturnType<typeof api>;
  let send: ReturnType<typeof mailer>;
  before(async () => {
    ({ app, browser } = await startUi(['--label', 'QA box']));
    http = api(app.url);
    send = mailer(app.smtp.port);
  });
  after(async () => {
    await browser?.close();
    await app?.dispose();
  });
  beforeEach(() => http.delete('/api/v1/messages'));

  const sendMany = (subjects: string[]) => Promise.all(subjects.map((subject) => send({ subject, text: `Body of ${subject}` })));
  const summary = (page: Page) => page.locator('.list-header .summary');

  test('mail delivered over SMTP appears within 1 s without a reload, with unread counts in the title and favicon', async () => {
    const { page, context, pageErrors } = await openInbox(browser, app.url);
    await page.getByText('No messages yet').waitFor();
    await page.evaluate(() => Object.assign(window, { sameDocument: true }));
    await page.locator('.connection.live').waitFor();

    const started = Date.now();
    await send({ subject: 'Live delivery', from: 'Robot <robot@example.com>', text: 'hello' });
    await row(page, 'Live delivery').waitFor({ timeout: 1000 });
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 1000, `appeared after ${elapsed} ms`);
    assert.equal(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument), true, 'no reload');

    assert.equal(await page.title(), '(1) QA box · Mailcove');
    assert.equal(await page.getByRole('navigation', { name: 'Mailboxes' }).locator('.label').textContent(), 'QA box');
    await page.waitForFunction(() => document.querySelector<HTMLLinkElement>('link[rel="icon"]')?.href.startsWith('data:image/png'));
    assert.equal(await page.getByRole('button', { name: /All messages/ }).locator('.badge').textContent(), '1');
    assert.match((await row(page, 'Live delivery').getAttribute('class')) ?? '', /\bunread\b/);

    await row(page, 'Live delivery').locator('a.open').click();
    await page.getByRole('heading', { name: 'Live delivery' }).waitFor();
    await page.waitForFunction(() => document.title === 'QA box · Mailcove');
    assert.doesNotMatch((await row(page, 'Live delivery').getAttribute('class')) ?? '', /\bunread\b/);
    assert.equal(await page.locator('link[rel="icon"]').getAttribute('href'), '/favicon.svg');
    assert.deepEqual(pageErrors, []);
    await context.close();
  });

  test('new mail does not move the list under someone who has scrolled down', async () => {
    await sendMany(Array.from({ length: 60 }, (_, i) => `Older ${String(i).padStart(2, '0')}`));
    const { page, context } = await openInbox(browser, app.url);
    await page.waitForFunction(() => document.querySelector('.list-header .summary strong')?.textContent === '60');
    await page.locator('.viewport').evaluate((el, top) => (el.scrollTop = top), 20 * ROW_HEIGHT + 30);
    const reading = row(page, 'Older 39');
    await reading.waitFor();
    const before = (await reading.boundingBox())!.y;

    await sendMany(['Newer A', 'Newer B', 'Newer C']);
    await page.waitForFunction(() => document.querySelector('.list-header .summary strong')?.textContent === '63');
    assert.equal((await reading.boundingBox())!.y, before, 'the row being read stays where it was');
    assert.equal(await page.locator('.viewport').evaluate((el) => el.scrollTop), 23 * ROW_HEIGHT + 30);

    // At the top, new mail is simply seen arriving.
    await page.locator('.viewport').evaluate((el) => (el.scrollTop = 0));
    await send({ subject: 'Newest of all' });
    await row(page, 'Newest of all').waitFor();
    assert.equal((await row(page, 'Newest of all').boundingBox())!.y, (await page.locator('.rows').boundingBox())!.y);
    await context.close();
  });

  test('search filters the list, follows live mail, reports bad queries and is remembered; the sidebar filters by inbox', async () => {
    await sendMany(['Alpha invoice', 'Beta receipt', 'Gamma invoice']);
    await mailer(app.smtp.port, { user: 'ci-job-9', pass: 'x' })({ subject: 'Delta from the job' });
    const { page, context } = await openInbox(browser, app.url);
    await row(page, 'Delta from the job').waitFor();
    assert.equal(await rows(page).count(), 4);

    const box = page.getByRole('combobox', { name: 'Search messages' });
    await box.fill('invoice');
    await box.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('.rows .row[data-id]').length === 2);
    assert.deepEqual((await rows(page).locator('.subject').allTextContents()).sort(), ['Alpha invoice', 'Gamma invoice']);
    assert.match(page.url(), /#\/\?q=invoice$/);
    assert.match(await summary(page).innerText(), /^2 matches/);
    assert.deepEqual(await page.evaluate(() => JSON.parse(localStorage.getItem('mailcove.recentSearches') ?? '[]')), ['invoice']);

    // Live mail is shown only when it matches.
    await sendMany(['Epsilon invoice', 'Zeta unrelated']);
    await row(page, 'Epsilon invoice').waitFor({ timeout: 1000 });
    assert.equal(await row(page, 'Zeta unrelated').count(), 0);

    await box.fill('before:someday');
    await box.press('Enter');
    await page.getByRole('alert').filter({ hasText: 'not a date' }).waitFor();
    assert.deepEqual(await page.evaluate(() => JSON.parse(localStorage.getItem('mailcove.recentSearches') ?? '[]')), ['invoice'], 'a failed search is not remembered');

    await box.fill('');
    await box.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('.rows .row[data-id]').length === 6);
    await box.click();
    await page.getByRole('option', { name: 'invoice' }).click();
    await page.waitForFunction(() => document.querySelectorAll('.rows .row[data-id]').length === 3);
    assert.equal(await box.inputValue(), 'invoice');

    await page.getByRole('navigation', { name: 'Mailboxes' }).getByRole('button', { name: /ci-job-9/ }).click();
    await page.waitForFunction(() => document.querySelectorAll('.rows .row[data-id]').length === 1);
    await row(page, 'Delta from the job').waitFor();
    assert.equal(await box.inputValue(), 'inbox:ci-job-9');
    assert.equal(await page.getByRole('button', { name: /ci-job-9/ }).getAttribute('aria-current'), 'page');
    await context.close();
  });

  test('bulk select marks read and deletes; delete all asks first', async () => {
    await sendMany(['One', 'Two', 'Three', 'Four', 'Five']);
    const { page, context } = await openInbox(browser, app.url);
    await row(page, 'Five').waitFor();

    await page.getByRole('checkbox', { name: /“Two”/ }).check();
    await page.getByRole('checkbox', { name: /“Four”/ }).check();
    await page.getByRole('group', { name: 'Selected messages' }).getByText('2 selected').waitFor();
    await page.getByRole('button', { name: 'Delete selected' }).click();
    await page.waitForFunction(() => document.querySelectorAll('.rows .row[data-id]').length === 3);
    assert.equal(await row(page, 'Two').count(), 0);
    assert.equal(await row(page, 'Four').count(), 0);
    const left = (await http.get('/api/v1/messages')).body;
    assert.deepEqual(left.messages.map((m: { Subject: string }) => m.Subject).sort(), ['Five', 'One', 'Three']);

    await page.getByRole('checkbox', { name: /“Three”/ }).check();
    await page.getByRole('button', { name: 'Mark selected read' }).click();
    await page.waitForFunction(() => !document.querySelector('.rows .row.unread[data-id] .subject')?.textContent?.includes('Three') && document.querySelectorAll('.rows .row.unread').length === 2);
    assert.equal((await http.get('/api/v1/search?query=is:read')).body.messages_count, 1);

    await page.getByRole('button', { name: 'Delete all messages' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Delete all 3 messages?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal((await http.get('/api/v1/messages')).body.total, 3);

    await page.getByRole('button', { name: 'Delete all messages' }).click();
    await dialog.getByRole('button', { name: 'Delete all' }).click();
    await page.getByText('No messages yet').waitFor();
    assert.equal((await http.get('/api/v1/messages')).body.total, 0);
    await context.close();
  });

  test('keyboard: j/k move, Enter goes into the message, Delete deletes, / searches, ? helps, Escape closes', async () => {
    for (const subject of ['First sent', 'Second sent', 'Third sent']) await send({ subject });
    const { page, context } = await openInbox(browser, app.url);
    await row(page, 'Third sent').waitFor();
    const open = () => page.locator('.row a.open[aria-current="true"] .subject').textContent();

    await page.keyboard.press('j');
    await page.getByRole('heading', { name: 'Third sent' }).waitFor();
    await page.keyboard.press('j');
    await page.getByRole('heading', { name: 'Second sent' }).waitFor();
    assert.equal(await open(), 'Second sent');
    await page.keyboard.press('k');
    await page.getByRole('heading', { name: 'Third sent' }).waitFor();

    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('role')), 'tab');
    await page.locator('body').focus();

    await page.keyboard.press('Delete');
    await page.getByRole('heading', { name: 'Second sent' }).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('.rows .row[data-id]').length === 2);
    assert.equal((await http.get('/api/v1/messages')).body.total, 2);

    await page.keyboard.press('/');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Search messages');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    assert.notEqual(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Search messages');

    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor();
    await help.getByText('Next message').waitFor();
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden' });
    await context.close();
  });

  test('the theme switches between light and dark and is remembered', async () => {
    const { page, context } = await openInbox(browser, app.url);
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'light', 'follows the (light) system');
    assert.equal(await background(), 'rgb(255, 255, 255)');

    await page.getByRole('button', { name: /^Theme: system/ }).click();
    await page.getByRole('button', { name: /^Theme: light/ }).click();
    await page.getByRole('button', { name: /^Theme: dark/ }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    assert.equal(await background(), 'rgb(21, 25, 29)');

    await page.reload();
    await page.locator('.list-header').waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    assert.equal(await background(), 'rgb(21, 25, 29)');
    await context.close();
  });

  test('on a phone, the list and the message are separate views with a way back', async () => {
    await sendMany(['Phone one', 'Phone two']);
    const { page, context } = await openInbox(browser, app.url, PHONE);
    await row(page, 'Phone two').waitFor();
    assert.equal(await page.locator('.message-pane').isVisible(), false);

    await row(page, 'Phone one').locator('a.open').click();
    await page.getByRole('heading', { name: 'Phone one' }).waitFor();
    assert.equal(await page.locator('.list-pane').isVisible(), false);
    const width = await page.locator('.message-pane').evaluate((el) => el.getBoundingClientRect().width);
    assert.equal(width, PHONE.width);
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), PHONE.width, 'nothing wider than the screen');

    await page.getByRole('button', { name: 'Back to the list' }).click();
    await row(page, 'Phone two').waitFor();
    assert.equal(await page.locator('.message-pane').isVisible(), false);

    // The browser's own Back leaves a message too.
    await row(page, 'Phone two').locator('a.open').click();
    await page.getByRole('heading', { name: 'Phone two' }).waitFor();
    await page.goBack();
    await row(page, 'Phone one').waitFor();
    assert.equal(await page.locator('.list-pane').isVisible(), true);

    // The sidebar is a drawer.
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('navigation', { name: 'Mailboxes' }).getByRole('button', { name: /All messages/ }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('navigation', { name: 'Mailboxes' }).waitFor({ state: 'hidden' });
    await context.close();
  });
});

// The SMTP chaos panel in a real browser: a rule added in the UI makes the SMTP server refuse one recipient, the
// random triggers are set and reset through it, and the server's refusal of a bad rule is shown inline. Also the
// screenshots of the panel at desktop and phone sizes (tests/artifacts/).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { api, mailer } from './helpers/api.ts';
import type { TestApp } from './helpers/app.ts';
import { DESKTOP, openInbox, PHONE, screenshot, startUi } from './helpers/browser.ts';

describe('chaos panel', () => {
  let app: TestApp;
  let browser: Browser;
  let http: ReturnType<typeof api>;
  before(async () => {
    ({ app, browser } = await startUi(['--enable-chaos']));
    http = api(app.url);
  });
  after(async () => {
    await browser?.close();
    await app?.dispose();
  });

  async function openChaos(page: Page): Promise<ReturnType<Page['getByRole']>> {
    const menu = page.getByRole('button', { name: 'Menu' });
    if (await menu.isVisible()) await menu.click();
    await page.getByRole('button', { name: 'SMTP chaos' }).click();
    const dialog = page.getByRole('dialog', { name: 'SMTP chaos' });
    await dialog.getByRole('heading', { name: 'Rules' }).waitFor();
    return dialog;
  }

  test('a rule added in the UI refuses that recipient at RCPT TO; others get through', async () => {
    await http.put('/api/v1/chaos/rules', []);
    const { page, context, pageErrors } = await openInbox(browser, app.url);
    const dialog = await openChaos(page);
    await dialog.getByText('No rules.').waitFor();
    await dialog.getByRole('button', { name: 'Add rule' }).click();
    const rule = dialog.getByRole('group', { name: 'Rule 1' });
    // The focus moves to the new rule's match field.
    await page.waitForFunction(() => document.activeElement?.getAttribute('id')?.startsWith('chaos-match-'));
    await rule.getByLabel('Stage').selectOption('rcpt');
    await page.keyboard.type('blocked@');
    await rule.getByLabel('Reply').fill('550 5.1.1 No such user');
    await dialog.getByRole('button', { name: 'Save rules' }).click();
    await dialog.getByRole('status').filter({ hasText: 'Saved 1 rule.' }).waitFor();
    assert.deepEqual((await http.get('/api/v1/chaos/rules')).body, [{ stage: 'rcpt', match: 'blocked@', reply: '550 5.1.1 No such user' }]);

    const send = mailer(app.smtp.port);
    await assert.rejects(send({ to: 'blocked@example.com', subject: 'refused', text: 'x' }), (err: { responseCode?: number; response?: string }) => {
      assert.equal(err.responseCode, 550);
      assert.match(err.response ?? '', /^550 5\.1\.1 No such user/);
      return true;
    });
    const info = await send({ to: ['blocked@example.com', 'someone@example.com'], subject: 'partly accepted', text: 'x' });
    assert.deepEqual(info.accepted, ['someone@example.com']);
    assert.deepEqual(info.rejected, ['blocked@example.com']);
    const ok = await send({ to: 'someone@example.com', subject: 'accepted', text: 'x' });
    assert.match(ok.response, /^250/);

    // Reopened, the panel shows the saved rule; deleting it and saving clears the server's list.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await openChaos(page);
    assert.equal(await rule.getByLabel('Match (regex)').inputValue(), 'blocked@');
    await dialog.getByRole('button', { name: 'Delete rule 1' }).click();
    await dialog.getByRole('button', { name: 'Save rules' }).click();
    await dialog.getByRole('status').filter({ hasText: 'Saved: no rules.' }).waitFor();
    assert.deepEqual((await http.get('/api/v1/chaos/rules')).body, []);
    assert.deepEqual(pageErrors, []);
    await context.close();
  });

  test('the random triggers are set and reset through the panel', async () => {
    await http.put('/api/v1/chaos', {});
    const { page, context, pageErrors } = await openInbox(browser, app.url);
    const dialog = await openChaos(page);
    await dialog.getByLabel('Recipient error code').fill('452');
    await dialog.getByLabel('Recipient probability (%)').fill('25');
    await dialog.getByLabel('Authentication probability (%)').fill('100');
    await dialog.getByRole('button', { name: 'Save triggers' }).click();
    await dialog.getByRole('status').filter({ hasText: 'Triggers saved.' }).waitFor();
    assert.deepEqual((await http.get('/api/v1/chaos')).body, {
      Sender: { ErrorCode: 451, Probability: 0 },
      Recipient: { ErrorCode: 452, Probability: 25 },
      Authentication: { ErrorCode: 535, Probability: 100 },
    });

    // The server's range check is shown in the panel, and the field it names is marked.
    await dialog.getByLabel('Sender error code').fill('200');
    await dialog.getByRole('button', { name: 'Save triggers' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'Sender: error code must be between 400 and 599' }).waitFor();
    assert.equal(await dialog.getByLabel('Sender error code').getAttribute('aria-invalid'), 'true');
    assert.equal((await http.get('/api/v1/chaos')).body.Sender.ErrorCode, 451, 'nothing was changed');

    await dialog.getByRole('button', { name: 'Reset' }).click();
    await dialog.getByRole('status').filter({ hasText: 'Triggers reset.' }).waitFor();
    assert.deepEqual((await http.get('/api/v1/chaos')).body, {
      Sender: { ErrorCode: 451, Probability: 0 },
      Recipient: { ErrorCode: 451, Probability: 0 },
      Authentication: { ErrorCode: 535, Probability: 0 },
    });
    assert.equal(await dialog.getByLabel('Recipient probability (%)').inputValue(), '0', 'the form shows the reset values');
    assert.equal(await dialog.getByLabel('Sender error code').inputValue(), '451');
    assert.deepEqual(pageErrors, []);
    await context.close();
  });

  test("an invalid regex shows the server's error next to the rule, and nothing is saved", async () => {
    await http.put('/api/v1/chaos/rules', [{ stage: 'mail', match: 'bounce@', reply: '451 4.7.1 Try again later', times: 2 }]);
    const { page, context, pageErrors } = await openInbox(browser, app.url);
    const dialog = await openChaos(page);
    await dialog.getByRole('button', { name: 'Add rule' }).click();
    const rule = dialog.getByRole('group', { name: 'Rule 2' });
    await rule.getByLabel('Match (regex)').fill('(unclosed');
    await dialog.getByRole('button', { name: 'Save rules' }).click();
    const alert = dialog.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /^rule 2: "match" is not a valid regular expression/);
    assert.match((await rule.getAttribute('class')) ?? '', /invalid/);
    assert.equal(await rule.getAttribute('aria-describedby'), await alert.getAttribute('id'));
    assert.deepEqual((await http.get('/api/v1/chaos/rules')).body, [{ stage: 'mail', match: 'bounce@', reply: '451 4.7.1 Try again later', times: 2 }]);

    // Fixed, it saves, and the error goes.
    await rule.getByLabel('Match (regex)').fill('(closed)');
    await dialog.getByRole('button', { name: 'Save rules' }).click();
    await dialog.getByRole('status').filter({ hasText: 'Saved 2 rules.' }).waitFor();
    assert.equal(await dialog.getByRole('alert').count(), 0);
    assert.equal((await http.get('/api/v1/chaos/rules')).body[1].match, '(closed)');
    assert.deepEqual(pageErrors, []);
    await context.close();
  });

  test('screenshots of the panel at desktop and phone sizes', async () => {
    await http.put('/api/v1/chaos', { Recipient: { ErrorCode: 451, Probability: 10 } });
    await http.put('/api/v1/chaos/rules', [
      { stage: 'rcpt', match: 'blocked@', reply: '550 5.1.1 No such user' },
      { stage: 'data', match: 'flaky', reply: '451 4.3.0 Try again', times: 2, delayMs: 1500, disconnect: true },
    ]);
    for (const [viewport, name] of [
      [DESKTOP, 'chaos-1280x800'],
      [PHONE, 'chaos-390x844'],
      [{ width: 360, height: 740 }, ''],
    ] as const) {
      const { page, context, pageErrors } = await openInbox(browser, app.url, viewport);
      const dialog = await openChaos(page);
      await dialog.getByRole('group', { name: 'Rule 2' }).waitFor();
      // Nothing in the panel is wider than the screen.
      const overflow = await page.evaluate(() => {
        const d = document.querySelector('dialog[open]')!;
        return d.scrollWidth - d.clientWidth;
      });
      assert.ok(overflow <= 0, `the dialog scrolls sideways by ${overflow}px at ${viewport.width}px`);
      if (name) await screenshot(page, name);
      assert.deepEqual(pageErrors, []);
      await context.close();
    }
    await http.put('/api/v1/chaos', {});
    await http.put('/api/v1/chaos/rules', []);
  });

  test('the sidebar offers no chaos item when chaos is off', async () => {
    const { startTestApp } = await import('./helpers/app.ts');
    const plain = await startTestApp();
    try {
      const { page, context } = await openInbox(browser, plain.url);
      await page.getByRole('button', { name: 'Keyboard shortcuts' }).first().waitFor();
      assert.equal(await page.getByRole('button', { name: 'SMTP chaos' }).count(), 0);
      await context.close();
    } finally {
      await plain.dispose();
    }
  });
});

// The Release dialog in a real browser: a second Mailcove is the relay target, so what the dialog sends is checked
// where it arrives; a recipient the relay blocks is refused with the server's reason, shown in the dialog.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { mailer, queuedId } from './helpers/api.ts';
import { startTestApp, tempDir, type TestApp } from './helpers/app.ts';
import { until } from './helpers/until.ts';
import { DESKTOP, openInbox, startUi } from './helpers/browser.ts';

describe('release dialog', () => {
  let target: TestApp;
  let app: TestApp;
  let browser: Browser;
  before(async () => {
    target = await startTestApp();
    const file = join(tempDir('mailcove-relay-'), 'relay.yaml');
    writeFileSync(file, `host: 127.0.0.1\nport: ${target.smtp.port}\nblocked-recipients: '^blocked@'\n`);
    ({ app, browser } = await startUi(['--smtp-relay-config', file]));
  });
  after(async () => {
    await browser?.close();
    await app?.dispose();
    await target?.dispose();
  });

  async function openMessage(subject: string) {
    const info = await mailer(app.smtp.port)({ to: 'dev@example.com', subject, text: 'release body' });
    const id = queuedId(info.response);
    const opened = await openInbox(browser, app.url, DESKTOP, `#/m/${id}`);
    await opened.page.getByRole('heading', { name: subject }).waitFor();
    return opened;
  }

  test('Release sends the open message to the relay, which stores it', async () => {
    const { page, context, pageErrors, dialogs } = await openMessage('Release via UI');
    await page.getByRole('button', { name: 'Release' }).click();
    const dialog = page.getByRole('dialog', { name: 'Release message' });
    await dialog.waitFor();
    assert.match(await dialog.innerText(), new RegExp(`via 127\\.0\\.0\\.1:${target.smtp.port}`));
    assert.match(await dialog.innerText(), /Blocked: \^blocked@/);
    const to = dialog.getByLabel(/Send to/);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'release-to', 'the address field has the focus');
    await to.fill('person@example.net');
    await page.keyboard.press('Enter');
    await dialog.getByRole('status').filter({ hasText: 'Released.' }).waitFor();
    const arrived = await until(() => target.store.list({ limit: 10 }).messages.find((m) => m.Subject === 'Release via UI'), 'the released message');
    assert.deepEqual(arrived.Envelope.RcptTo, ['person@example.net']);
    assert.match((await target.store.readRaw(arrived.ID)).toString(), /release body/);

    await dialog.locator('.actions').getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(dialogs, []);
    await context.close();
  });

  test('a blocked recipient is refused, with the reason in the dialog', async () => {
    const before = target.store.list({ limit: 0 }).total;
    const { page, context, pageErrors } = await openMessage('Blocked release');
    await page.getByRole('button', { name: 'Release' }).click();
    const dialog = page.getByRole('dialog', { name: 'Release message' });
    await dialog.getByLabel(/Send to/).fill('blocked@example.net');
    await dialog.getByRole('button', { name: 'Release' }).click();
    const alert = dialog.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /blocked@example\.net/);
    assert.equal(await dialog.getByRole('status').count(), 0, 'not reported as released');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(target.store.list({ limit: 0 }).total, before, 'nothing reached the relay');

    // An empty field is caught before any request.
    await dialog.getByLabel(/Send to/).fill('');
    await dialog.getByRole('button', { name: 'Release' }).click();
    await alert.filter({ hasText: 'Enter at least one address.' }).waitFor();
    assert.deepEqual(pageErrors, []);
    await context.close();
  });
});

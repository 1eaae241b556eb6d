// Real-browser tests of the web UI: Debian's chromium driven by playwright-core, against the production build
// (rebuilt first when web/ has changed), served by an in-process Mailcove.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureWebBuild } from '../../server/http/web-build.ts';
import { startTestApp, type TestApp } from './app.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = new URL('../artifacts/', import.meta.url).pathname;

/** Installs Debian's chromium when missing and we are root (as CI is); otherwise says how, and fails. */
function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`${CHROMIUM} is missing: the UI tests need Debian's chromium. Install it with: sudo apt-get install -y --no-install-recommends chromium`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], { stdio: 'ignore', env });
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium but ${CHROMIUM} is still missing`);
}

export async function launchBrowser(): Promise<Browser> {
  ensureChromium();
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}

/** The app, serving a build of the current web/ sources. */
export async function startAppWithUi(flags: string[] = []): Promise<TestApp> {
  await ensureWebBuild(() => {}, { rebuildIfStale: true });
  return startTestApp(flags);
}

/** The app and a browser: one of each per test file. */
export async function startUi(flags: string[] = []): Promise<{ app: TestApp; browser: Browser }> {
  const [app, browser] = await Promise.all([startAppWithUi(flags), launchBrowser()]);
  return { app, browser };
}

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/**
 * A page on the inbox. Every page fails its test on an uncaught error, and records any dialog (alert/confirm)
 * and console error so a test can assert there were none.
 */
export async function openInbox(browser: Browser, url: string, viewport = DESKTOP, hash = '') {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, reducedMotion: 'reduce' });
  const page = await context.newPage();
  const dialogs: string[] = [];
  const pageErrors: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(`${url}/${hash}`);
  await page.locator('.list-header').waitFor();
  return { page, context, dialogs, pageErrors };
}

/** The list's rows that have a message (not loading placeholders). */
export const rows = (page: Page) => page.locator('.rows li .row[data-id]');
export const row = (page: Page, subject: string) => page.locator('.rows li .row[data-id]', { hasText: subject });

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

// The web UI against a full mailbox: with 10,000 messages stored, how long from navigation until the list is
// interactive (first rows rendered and a click opens a message), how smoothly the virtualised list scrolls, and
// how large the JS bundle is gzipped. Run with `npx tsx bench/ui-bench.ts`; writes bench/results/ui.md.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ensureWebBuild, WEB_DIST } from '../server/http/web-build.ts';
import { startTestApp } from '../tests/helpers/app.ts';
import { launchBrowser } from '../tests/helpers/browser.ts';
import { percentile, round } from './stats.ts';

const MESSAGES = 10_000;
const INSERT_CONCURRENCY = 64;
const RUNS = 7;
const SETTLE_MS = 3000;
const TARGET_INTERACTIVE_MS = 1000;
const TARGET_BUNDLE_KB = 150;
const RESULTS = new URL('./results/ui.md', import.meta.url).pathname;

const SENDERS = ['GitHub <noreply@github.com>', 'Stripe <receipts@stripe.example>', 'Ana Lima <ana@example.org>', 'CI <ci@build.example>', 'Shop <orders@shop.example>'];

function message(n: number): Buffer {
  return Buffer.from(
    [
      `From: ${SENDERS[n % SENDERS.length]}`,
      `To: user${n % 50}@example.com`,
      `Subject: Bench message ${n}: order update and receipt`,
      `Message-ID: <ui-bench.${n}@mailcove.test>`,
      `Date: ${new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toUTCString()}`,
      ...(n % 7 === 0 ? ['X-Tags: receipts'] : []),
      'Content-Type: text/plain; charset=utf-8',
      '',
      `Hello, this is message ${n}. Your order has been updated; the receipt is below. Thank you for shopping with us.`,
      '',
    ].join('\r\n'),
  );
}

function bundleSizes(): { js: number; jsGzip: number; css: number; cssGzip: number } {
  const sizes = { js: 0, jsGzip: 0, css: 0, cssGzip: 0 };
  for (const name of readdirSync(join(WEB_DIST, 'assets'))) {
    const bytes = readFileSync(join(WEB_DIST, 'assets', name));
    const gzip = gzipSync(bytes, { level: 9 }).length;
    if (name.endsWith('.js')) [sizes.js, sizes.jsGzip] = [sizes.js + bytes.length, sizes.jsGzip + gzip];
    if (name.endsWith('.css')) [sizes.css, sizes.cssGzip] = [sizes.css + bytes.length, sizes.cssGzip + gzip];
  }
  return sizes;
}

const kb = (bytes: number): number => round(bytes / 1024, 1);
const verdict = (ok: boolean): string => (ok ? 'PASS' : '**MISS**');

async function main(): Promise<void> {
  await ensureWebBuild((line) => console.log(`ui-bench: ${line}`), { rebuildIfStale: true });
  const bundle = bundleSizes();
  const app = await startTestApp(['--max-messages', '0']);
  const browser = await launchBrowser();
  try {
    console.log(`ui-bench: storing ${MESSAGES} messages…`);
    const insertStarted = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: INSERT_CONCURRENCY }, async () => {
        for (let n = next++; n < MESSAGES; n = next++) {
          await app.store.add({ raw: message(n), meta: { envelope: { mailFrom: 'bench@example.com', rcptTo: [`user${n % 50}@example.com`] }, client: { address: '127.0.0.1', helo: 'bench', tls: false }, username: '' } });
        }
      }),
    );
    const insertSeconds = round((Date.now() - insertStarted) / 1000, 1);
    console.log(`ui-bench: stored in ${insertSeconds} s`);
    // Storing 10,000 messages leaves the server a burst of garbage to collect; a user opening the inbox later never
    // meets that GC, so neither should the measurement.
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

    const interactive: number[] = [];
    const opened: number[] = [];
    let renderedRows = 0;
    // Run 0 warms up the browser itself (its first renderer process) and is not counted.
    for (let run = 0; run <= RUNS; run++) {
      // A fresh context each run: nothing cached, as on a first visit.
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await page.goto(app.url, { waitUntil: 'commit' });
      const first = page.locator('.rows .row[data-id] a.open').first();
      await first.waitFor({ state: 'visible' });
      // The list marks the moment its first rows are in the DOM with their handlers; by the page's own clock,
      // which starts at navigation. (Playwright's polling would add its own delay.)
      const mark = await page.evaluate(() => performance.getEntriesByName('mailcove:list-interactive')[0]?.startTime ?? NaN);
      if (run > 0) interactive.push(mark);
      renderedRows = await page.locator('.rows li').count();
      const clicked = await page.evaluate(() => performance.now());
      await first.click();
      await page.locator('.message h1').waitFor();
      if (run > 0) opened.push((await page.evaluate(() => performance.now())) - clicked);
      await context.close();
    }

    // Scrolling, two ways. A fast fling (240 px a frame, ~14,000 px/s) over the first rows: frame times, and how
    // many frames showed a row still waiting for its page. Then scrollbar jumps across the whole list: how long
    // until every row in view is filled.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(app.url);
    await page.locator('.rows .row[data-id]').first().waitFor();
    // (No named helper functions in here: tsx would wrap them in a __name() the page does not have.)
    const scroll = await page.evaluate(async ({ frameCount, step, jumps }) => {
      const viewport = document.querySelector<HTMLElement>('.viewport')!;
      const frames: number[] = [];
      let blankFrames = 0;
      let last = await new Promise<number>((resolve) => requestAnimationFrame(resolve));
      for (let i = 0; i < frameCount; i++) {
        viewport.scrollTop += step;
        const now = await new Promise<number>((resolve) => requestAnimationFrame(resolve));
        frames.push(now - last);
        last = now;
        if (document.querySelector('.rows .placeholder')) blankFrames++;
      }
      const fills: number[] = [];
      for (let j = 1; j <= jumps; j++) {
        const started = performance.now();
        viewport.scrollTop = (viewport.scrollHeight * j) / (jumps + 1);
        do await new Promise((resolve) => requestAnimationFrame(resolve));
        while (document.querySelector('.rows .placeholder') && performance.now() - started < 5000);
        fills.push(performance.now() - started);
      }
      return { frames, blankFrames, fills };
    }, { frameCount: 600, step: 240, jumps: 10 });
    await context.close();

    const median = (values: number[]): number => round(percentile(values, 50), 0);
    const results = {
      interactiveMedian: median(interactive),
      interactiveMax: round(Math.max(...interactive), 0),
      openMedian: median(opened),
      scrollFrames: scroll.frames.length,
      scrollP50: round(percentile(scroll.frames, 50), 1),
      scrollP95: round(percentile(scroll.frames, 95), 1),
      scrollMax: round(Math.max(...scroll.frames), 1),
      blankFrames: scroll.blankFrames,
      fillP50: round(percentile(scroll.fills, 50), 0),
      fillMax: round(Math.max(...scroll.fills), 0),
    };
    const lines = [
      '# Web UI benchmark',
      '',
      `${new Date().toISOString()} · Node ${process.version} · ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'} · Debian chromium, headless, 1280×800`,
      '',
      `${MESSAGES.toLocaleString('en')} messages stored (in-process, ${insertSeconds} s), then ${SETTLE_MS / 1000} s for the server to settle. ${RUNS} cold navigations (a fresh browser context each, after one uncounted warm-up of the browser). Load average at the start: ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs.`,
      '',
      '| Figure | Value | Target | Result |',
      '|---|---|---|---|',
      `| Navigation → list interactive (first rows rendered and clickable), median | ${results.interactiveMedian} ms | ≤ ${TARGET_INTERACTIVE_MS} ms | ${verdict(results.interactiveMedian <= TARGET_INTERACTIVE_MS)} |`,
      `| Navigation → list interactive, worst of ${RUNS} | ${results.interactiveMax} ms | ≤ ${TARGET_INTERACTIVE_MS} ms | ${verdict(results.interactiveMax <= TARGET_INTERACTIVE_MS)} |`,
      `| JS bundle, gzipped (raw) | ${kb(bundle.jsGzip)} kB (${kb(bundle.js)} kB) | ≤ ${TARGET_BUNDLE_KB} kB | ${verdict(bundle.jsGzip / 1024 <= TARGET_BUNDLE_KB)} |`,
      `| CSS, gzipped (raw) | ${kb(bundle.cssGzip)} kB (${kb(bundle.css)} kB) | | |`,
      `| Click on a row → message shown, median | ${results.openMedian} ms | | |`,
      `| Rows in the DOM with ${MESSAGES.toLocaleString('en')} messages | ${renderedRows} | | |`,
      `| Fling, 240 px a frame for ${results.scrollFrames} frames: p50 / p95 / max frame time | ${results.scrollP50} / ${results.scrollP95} / ${results.scrollMax} ms | | |`,
      `| Frames of that fling that showed a row still loading | ${results.blankFrames} of ${results.scrollFrames} | | |`,
      `| Scrollbar jump anywhere in the list → rows in view filled, p50 / max of 10 | ${results.fillP50} / ${results.fillMax} ms | | |`,
      '',
      'Interactive is the `mailcove:list-interactive` performance mark the list sets once its first rows are in the DOM',
      'with their handlers, on the page\'s own clock (zero at navigation start); the bench then clicks the first row and',
      'waits for the message. Only the rows in view plus a few are rendered; pages of 100 summaries are fetched as they',
      'scroll into view.',
      '',
    ];
    writeFileSync(RESULTS, lines.join('\n'));
    console.log(lines.join('\n'));
  } finally {
    await browser.close();
    await app.dispose();
  }
}

main().catch((err: Error) => {
  console.error(err);
  process.exit(1);
});

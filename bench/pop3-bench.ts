// POP3 benchmark, standalone: `npx tsx bench/pop3-bench.ts`. Fills a store in-process (10,000 messages in one
// inbox, plus other inboxes so the login filter has work to do, plus 200 large messages), then runs Mailcove in a
// child process and measures over real loopback sockets: login (which snapshots the inbox), STAT, LIST and UIDL of
// the 10,000-message inbox, and RETR loops with the child's RSS read from /proc before and after. Every loop is
// bounded; the child is killed on exit. Results go to bench/results/pop3.md.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startApp } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import { summarise } from '../server/mail/summarise.ts';
import { DiskStore } from '../server/store/disk-store.ts';
import { Pop3Client } from '../tests/helpers/pop3-client.ts';

const INBOX_SIZE = 10_000;
const OTHER_INBOX_SIZE = 1_000;
const LARGE_COUNT = 200;
const LARGE_BYTES = 256 * 1024;
const RETR_LOOP = 1_000;
const LATENCY_TARGET_MS = 100;
/** RSS may grow this much over a RETR loop and still count as flat (allocator and GC noise). */
const FLAT_RSS_MB = 25;
const SAMPLES = { login: 20, stat: 100, list: 50, uidl: 50 };
const FILL_CONCURRENCY = 64;
const CHILD_READY_TIMEOUT_MS = 60_000;
const RESULTS = fileURLToPath(new URL('./results/pop3.md', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

// --- the parent ---

function message(i: number, bytes: number): Buffer {
  const head = `From: bench@example.com\r\nTo: user@example.com\r\nSubject: POP3 bench message ${i}\r\nMessage-ID: <pop3-bench-${i}@example.com>\r\nDate: ${new Date().toUTCString()}\r\n\r\n`;
  const line = `Line of message ${i}: the quick brown fox jumps over the lazy dog.\r\n`;
  // Every tenth line starts with a dot, so dot-stuffing is part of the cost.
  const body: string[] = [];
  for (let n = 0; head.length + body.length * line.length < bytes; n++) body.push(n % 10 === 0 ? '.' + line : line);
  return Buffer.from(head + body.join(''));
}

async function fill(dir: string): Promise<{ ms: number; bytes: number }> {
  const store = new DiskStore({ dir, summarise, maxMessages: 0, maxAgeMs: null, log: () => {} });
  await store.open();
  const jobs: Array<{ inbox: string; raw: Buffer }> = [];
  // Interleaved, as mail from several apps would arrive, so the bench inbox is spread over the whole store.
  for (let i = 0; i < INBOX_SIZE; i++) {
    jobs.push({ inbox: 'bench', raw: message(i, 2048) });
    if (i % 10 === 0) jobs.push({ inbox: 'other', raw: message(i, 2048) });
    if (i % 50 === 0 && i / 50 < LARGE_COUNT) jobs.push({ inbox: 'large', raw: message(i, LARGE_BYTES) });
  }
  const started = performance.now();
  let next = 0;
  let bytes = 0;
  await Promise.all(
    Array.from({ length: FILL_CONCURRENCY }, async () => {
      while (next < jobs.length) {
        const { inbox, raw } = jobs[next++]!;
        bytes += raw.length;
        await store.add({ raw, meta: { envelope: { mailFrom: 'bench@example.com', rcptTo: ['user@example.com'] }, client: { address: '127.0.0.1', helo: 'bench', tls: false }, username: inbox } });
      }
    }),
  );
  const ms = performance.now() - started;
  await store.close();
  return { ms, bytes };
}

interface Child {
  process: ChildProcess;
  port: number;
  count: number;
}

function startChild(dataDir: string): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/pop3-bench.ts', '--serve', dataDir], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  process.on('exit', () => child.kill('SIGKILL'));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the Mailcove child did not start')), CHILD_READY_TIMEOUT_MS);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      const ready = JSON.parse(line) as { pop3Port: number; count: number };
      resolve({ process: child, port: ready.pop3Port, count: ready.count });
    });
    child.once('exit', (code) => reject(new Error(`the Mailcove child exited with ${code}`)));
  });
}

/** VmRSS and VmHWM of a process, in MB. */
function memory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

interface Latency {
  samples: number;
  p50: number;
  p90: number;
  max: number;
}

function summarize(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;
  return { samples: sorted.length, p50: at(0.5), p90: at(0.9), max: sorted[sorted.length - 1]! };
}

async function timed(times: number, run: () => Promise<void>): Promise<Latency> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  return summarize(samples);
}

async function session(port: number, inbox: string): Promise<Pop3Client> {
  const client = await Pop3Client.connect(port);
  const reply = await client.login(inbox);
  if (!reply.startsWith('+OK')) throw new Error(`login as ${inbox} failed: ${reply}`);
  return client;
}

function expectOk(status: string, what: string): void {
  if (!status.startsWith('+OK')) throw new Error(`${what}: ${status}`);
}

interface RetrLoop {
  messages: number;
  megabytes: number;
  ms: number;
  rssBefore: number;
  rssAfter: number;
  peakDuring: number;
}

/** RETR 1..count in one session, sampling the child's RSS every 20 ms for the peak. */
async function retrLoop(child: Child, inbox: string, count: number): Promise<RetrLoop> {
  const client = await session(child.port, inbox);
  const pid = child.process.pid!;
  const rssBefore = memory(pid).rss;
  let peakDuring = rssBefore;
  const sampler = setInterval(() => (peakDuring = Math.max(peakDuring, memory(pid).rss)), 20);
  let bytes = 0;
  const started = performance.now();
  for (let n = 1; n <= count; n++) {
    const { status, body } = await client.multiline(`RETR ${n}`, 30_000);
    expectOk(status, `RETR ${n}`);
    bytes += body.length;
  }
  const ms = performance.now() - started;
  clearInterval(sampler);
  await client.command('QUIT');
  client.close();
  return { messages: count, megabytes: bytes / 1024 / 1024, ms, rssBefore, rssAfter: memory(pid).rss, peakDuring };
}

const round = (n: number, digits = 1) => Number(n.toFixed(digits));

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mailcove-pop3-bench-'));
  try {
    console.log(`pop3-bench: filling ${dataDir}`);
    const filled = await fill(dataDir);
    console.log(`pop3-bench: filled in ${round(filled.ms / 1000)} s; starting Mailcove`);
    const child = await startChild(dataDir);
    const idle = memory(child.process.pid!);

    // Only PASS is timed: it is where the inbox snapshot is built.
    const passOnly: number[] = [];
    for (let i = 0; i < SAMPLES.login; i++) {
      const client = await Pop3Client.connect(child.port);
      await client.line();
      await client.command('USER bench');
      const started = performance.now();
      expectOk(await client.command('PASS x'), 'PASS');
      passOnly.push(performance.now() - started);
      client.close();
    }
    const client = await session(child.port, 'bench');
    const statReply = await client.command('STAT');
    if (!statReply.startsWith(`+OK ${INBOX_SIZE} `)) throw new Error(`STAT says ${statReply}`);
    const stat = await timed(SAMPLES.stat, async () => expectOk(await client.command('STAT'), 'STAT'));
    let listLines = 0;
    const list = await timed(SAMPLES.list, async () => {
      const { status, body } = await client.multiline('LIST', 30_000);
      expectOk(status, 'LIST');
      listLines = body.toString('latin1').split('\r\n').length - 1;
    });
    const uidl = await timed(SAMPLES.uidl, async () => expectOk((await client.multiline('UIDL', 30_000)).status, 'UIDL'));
    await client.command('QUIT');
    client.close();

    const small = await retrLoop(child, 'bench', RETR_LOOP);
    const large = await retrLoop(child, 'large', LARGE_COUNT);
    // Let the child stop cleanly (it flushes its state file) before its data folder is removed.
    const exited = new Promise((resolve) => child.process.once('exit', resolve));
    child.process.stdin!.end();
    await exited;

    const loginPass = summarize(passOnly);
    const results = { filled, count: child.count, idle, login: loginPass, stat, list, listLines, uidl, small, large };
    const markdown = render(results);
    writeFileSync(RESULTS, markdown);
    console.log(markdown);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function render(r: {
  filled: { ms: number; bytes: number };
  count: number;
  idle: { rss: number };
  login: Latency;
  stat: Latency;
  list: Latency;
  listLines: number;
  uidl: Latency;
  small: RetrLoop;
  large: RetrLoop;
}): string {
  const verdict = (pass: boolean) => (pass ? 'PASS' : '**MISS**');
  const latencyRow = (name: string, l: Latency, target: boolean) =>
    `| ${name} | ${l.samples} | ${round(l.p50, 2)} | ${round(l.p90, 2)} | ${round(l.max, 2)} | ${target ? `p90 < ${LATENCY_TARGET_MS} ms` : 'report only'} | ${target ? verdict(l.p90 < LATENCY_TARGET_MS) : '—'} |`;
  const loopRow = (name: string, l: RetrLoop) =>
    `| ${name} | ${l.messages} | ${round(l.megabytes)} | ${round(l.ms)} | ${round((l.messages / l.ms) * 1000, 0)} | ${round(l.rssBefore)} | ${round(l.peakDuring)} | ${round(l.rssAfter)} | ${round(l.rssAfter - l.rssBefore)} | ${verdict(l.rssAfter - l.rssBefore < FLAT_RSS_MB)} |`;
  return [
    '# Mailcove POP3 benchmark',
    '',
    'Run with `npx tsx bench/pop3-bench.ts`. Mailcove runs in its own process (the real `startApp`, from source',
    'through tsx); the client is a raw socket client on the same machine, one command at a time, over loopback.',
    '',
    '| Environment | |',
    '|---|---|',
    `| Date | ${new Date().toISOString()} |`,
    `| Node | ${process.version} |`,
    `| CPU | ${cpus().length} × ${cpus()[0]?.model ?? 'unknown'} |`,
    `| Load average at the end (1 / 5 / 15 min) | ${loadavg().map((l) => l.toFixed(2)).join(' / ')} |`,
    `| Store | ${r.count} messages (${INBOX_SIZE} in inbox \`bench\`, ${OTHER_INBOX_SIZE} in \`other\`, ${LARGE_COUNT} × ${LARGE_BYTES / 1024} KB in \`large\`), filled in ${round(r.filled.ms / 1000)} s |`,
    `| Idle RSS with the store open | ${round(r.idle.rss)} MB |`,
    '',
    `## Latency on the ${INBOX_SIZE}-message inbox`,
    '',
    'Each command is timed from writing it to reading the end of its reply. The verdict is on the 90th percentile, so',
    'one scheduling stall on a shared machine (see the load average) does not decide it; the maximum is shown too.',
    '',
    '| Command | Samples | p50 ms | p90 ms | max ms | Target | Result |',
    '|---|---:|---:|---:|---:|---|---|',
    latencyRow(`PASS (login: snapshots the inbox out of ${r.count} messages)`, r.login, false),
    latencyRow('STAT', r.stat, true),
    latencyRow(`LIST (${r.listLines} lines)`, r.list, true),
    latencyRow('UIDL', r.uidl, false),
    '',
    '## RETR loops: memory stays flat',
    '',
    `RSS of the Mailcove process from /proc (sampled every 20 ms during the loop). Flat means it grew less than ${FLAT_RSS_MB} MB.`,
    '',
    '| Loop | Messages | MB sent | ms | msgs/s | RSS before MB | peak during MB | after MB | growth MB | Result |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    loopRow('RETR 1…1000, ~2 KB each', r.small),
    loopRow(`RETR 1…${LARGE_COUNT}, ${LARGE_BYTES / 1024} KB each`, r.large),
    '',
  ].join('\n');
}

// --- the child: Mailcove on the filled data folder, reporting its POP3 port on stdout ---

async function serve(): Promise<void> {
  const config = loadConfig(['--smtp', '127.0.0.1:0', '--http', '127.0.0.1:0', '--pop3', '127.0.0.1:0', '--max-messages', '0', '--data', process.argv[3]!], {});
  const app = await startApp(config, { log: () => {} });
  console.log(JSON.stringify({ pop3Port: app.pop3.port, count: app.store.count() }));
  // The parent closing our stdin (or dying) stops us.
  process.stdin.on('end', () => void app.stop().then(() => process.exit(0)));
  process.stdin.resume();
}

if (process.argv[2] === '--serve') await serve();
else await main();

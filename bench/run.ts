// `npm run bench`: Mailcove against a store-nothing baseline on the same workloads, then Mailcove's memory, REST
// API and websocket latency, and start-up with 10,000 messages stored. Each server runs in its own child process; the load generator runs here.
// Exits 0 even when a target is missed (this is a report), 1 if Mailcove lost a message it acknowledged, 2 if the
// bench itself failed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiChecks, runApiBench, type ApiFigures } from './api-bench.ts';
import { killAllServers, memoryStatus, startServer, type ServerChild, type ServerKind } from './children.ts';
import { renderMarkdown, writeResults, type BenchResults, type Check, type RunRecord, type ServerFigures, type StartupRun, type WorkloadSummary } from './report.ts';
import { runLoad, type LoadResult } from './smtp-load.ts';
import { runWaitsBench, type WaitsFigures } from './waits-bench.ts';
import { median, percentile, round } from './stats.ts';
import { AT_LIMIT, BENCH_TIME_LIMIT_MS, FILL, IDLE_SETTLE_MS, IDLE_WAIT_MS, REPETITIONS, RESTARTS, TARGETS, WORKLOADS, warmUp, type Workload } from './workloads.ts';

const benchStarted = performance.now();
const watchdog = setTimeout(() => {
  console.error(`bench: gave up after ${BENCH_TIME_LIMIT_MS / 60_000} minutes`);
  process.exit(2);
}, BENCH_TIME_LIMIT_MS);
watchdog.unref();

const tempDirs: string[] = [];
// Also on the watchdog's or a signal's process.exit, which skips finally blocks.
process.on('exit', () => {
  killAllServers();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});
function freshDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mailcove-bench-'));
  tempDirs.push(dir);
  return dir;
}

const losses: string[] = [];
function recordLoss(message: string): void {
  losses.push(message);
  console.error(`\n!!!!!!!! MAILCOVE LOST ACKNOWLEDGED MAIL: ${message} !!!!!!!!\n`);
}

function load(w: Workload, port: number, tag: string): Promise<LoadResult> {
  return runLoad({ ...w, port, tag });
}

function describe(r: LoadResult): string {
  const extra = [r.rejected && `${r.rejected} refused`, r.failures && `${r.failures} connection failures`, r.timedOut && 'TIME CAP HIT'].filter(Boolean);
  const errors = r.errorSamples.length ? ` (e.g. ${r.errorSamples[0]})` : '';
  return extra.length ? `, ${extra.join(', ')}${errors}` : '';
}

function toRecord(w: Workload, server: ServerChild, rep: number, r: LoadResult): RunRecord {
  return {
    workload: w.id,
    server: server.kind,
    rep,
    attempted: r.attempted,
    acked: r.acked,
    rejected: r.rejected,
    failures: r.failures,
    timedOut: r.timedOut,
    elapsedMs: round(r.elapsedMs),
    msgsPerSec: round((r.acked / r.elapsedMs) * 1000),
    p50Ms: round(percentile(r.latenciesMs, 50), 3),
    p99Ms: round(percentile(r.latenciesMs, 99), 3),
    peakRssMb: round(memoryStatus(server.pid).peakRssMb),
    spawnToReadyMs: round(server.spawnToReadyMs),
    errorSamples: r.errorSamples,
  };
}

/** Compares what Mailcove holds with what it acknowledged; anything missing is a lost message. */
async function checkStored(server: ServerChild, expected: number, where: string): Promise<Pick<RunRecord, 'stored' | 'expectedStored' | 'lost'>> {
  const stored = await server.count();
  const lost = Math.max(0, expected - stored);
  if (lost) recordLoss(`${where}: acknowledged ${expected}, store holds ${stored}`);
  return { stored, expectedStored: expected, lost };
}

async function stopQuietly(server: ServerChild): Promise<void> {
  await server.stop().catch((err: Error) => console.error(`bench: ${err.message} (killed)`));
}

/**
 * One measured run on a fresh server process and data dir: a warm-up of the same shape, a check that Mailcove
 * kept the warm-up's mail, a reset so the measured run starts from an empty store, the run, and the check again.
 */
async function measure(w: Workload, kind: ServerKind, rep: number): Promise<RunRecord> {
  const dataDir = kind === 'mailcove' ? freshDataDir() : null;
  const server = await startServer(kind, dataDir ? ['--data', dataDir, '--max-messages', '0'] : []);
  const startRssMb = round(memoryStatus(server.pid).rssMb);
  try {
    const tag = `${w.id}-${kind}-${rep}-${process.pid}`;
    const where = `${w.title}, ${kind} run ${rep}`;
    const warm = await load(warmUp(w), server.ready.smtpPort, `${tag}-warm`);
    if (kind === 'mailcove') await checkStored(server, warm.acked, `${where} (warm-up)`);
    const left = await server.reset();
    if (left !== 0) throw new Error(`${where}: the store still holds ${left} messages after the reset`);
    const result = await load(w, server.ready.smtpPort, tag);
    const record = { ...toRecord(w, server, rep, result), startRssMb };
    if (kind === 'mailcove') Object.assign(record, await checkStored(server, result.acked, where));
    else {
      // The baseline counts what it parsed: a mismatch would mean the load generator miscounts.
      const parsed = await server.count();
      if (parsed !== result.acked) console.error(`bench: ${where}: baseline parsed ${parsed} but ${result.acked} were acknowledged`);
    }
    const stored = record.stored === undefined ? '' : `, stored ${record.stored}/${record.expectedStored}`;
    console.log(
      `  ${kind.padEnd(8)} run ${rep}: ${record.acked}/${w.connections * w.messagesPerConnection} acked, ${record.msgsPerSec.toFixed(0)} msgs/s, ` +
        `p50 ${record.p50Ms.toFixed(2)} ms, p99 ${record.p99Ms.toFixed(2)} ms, peak RSS ${record.peakRssMb.toFixed(0)} MB${stored}${describe(result)}`,
    );
    return record;
  } finally {
    await stopQuietly(server);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

function figures(runs: RunRecord[]): ServerFigures {
  return {
    msgsPerSec: round(median(runs.map((r) => r.msgsPerSec))),
    p50Ms: round(median(runs.map((r) => r.p50Ms)), 3),
    p99Ms: round(median(runs.map((r) => r.p99Ms)), 3),
    peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
  };
}

async function runWorkloads(runs: RunRecord[]): Promise<WorkloadSummary[]> {
  const summaries: WorkloadSummary[] = [];
  for (const w of WORKLOADS) {
    console.log(`\n${w.title} (${w.connections * w.messagesPerConnection} messages of ${w.message.size} bytes per run)`);
    for (let rep = 1; rep <= REPETITIONS; rep++) {
      // Alternating which server goes first cancels out drift (page cache, thermal, other tenants).
      const order: ServerKind[] = rep % 2 ? ['baseline', 'mailcove'] : ['mailcove', 'baseline'];
      for (const kind of order) runs.push(await measure(w, kind, rep));
    }
    const mine = runs.filter((r) => r.workload === w.id);
    const baseline = figures(mine.filter((r) => r.server === 'baseline'));
    const mailcove = figures(mine.filter((r) => r.server === 'mailcove'));
    const ratio = round(mailcove.msgsPerSec / baseline.msgsPerSec, 3);
    console.log(`  median: baseline ${baseline.msgsPerSec} msgs/s, Mailcove ${mailcove.msgsPerSec} msgs/s, ratio ${ratio.toFixed(2)}`);
    summaries.push({ id: w.id, title: w.title, messagesPerRun: w.connections * w.messagesPerConnection, messageBytes: w.message.size, baseline, mailcove, ratio });
  }
  return summaries;
}

interface StoredFigures {
  fill: Record<string, unknown>;
  idleRssMb: number;
  /** RSS sampled every IDLE_WAIT_MS up to IDLE_SETTLE_MS after the fill. */
  idleSamples: Array<{ afterMs: number; rssMb: number; heapUsedMb: number }>;
  fillPeakRssMb: number;
  startup: StartupRun[];
  atLimit: RunRecord | null;
  api: ApiFigures | null;
  apiError?: string;
}

/**
 * The REST API and websocket on the filled Mailcove (after its idle samples, so they are undisturbed). Its SMTP
 * messages count as acknowledged mail: the store must still hold everything it should afterwards.
 */
async function runApi(server: ServerChild): Promise<Pick<StoredFigures, 'api' | 'apiError'>> {
  const storedBefore = await server.count();
  console.log(`
REST API and websocket with ${storedBefore} messages stored`);
  if (!server.ready.httpPort) return { api: null, apiError: 'the Mailcove child reported no HTTP port' };
  try {
    const api = await runApiBench(server.ready.httpPort, server.ready.smtpPort, `api-${process.pid}`);
    await checkStored(server, Math.min(FILL.total, storedBefore + api.visibility.ackedWithWarmUp), 'the API bench');
    return { api };
  } catch (err) {
    console.error(`bench: the API bench failed: ${(err as Error).stack ?? err}`);
    return { api: null, apiError: (err as Error).message };
  }
}

/** Fills a store with 10,000 messages, then measures idle memory, the API, restarts, and load against the full store. */
async function runStored(): Promise<StoredFigures> {
  const dataDir = freshDataDir();
  const perSlice = FILL.total / FILL.slices / FILL.connections;
  const slice: Workload = { id: 'fill', title: 'fill', connections: FILL.connections, messagesPerConnection: perSlice, warmUpPerConnection: 0, connectionPerMessage: false, message: FILL.message, timeLimitMs: FILL.sliceTimeLimitMs };
  console.log(`\nFilling a store with ${FILL.total} messages of ${FILL.message.size} bytes (${FILL.connections} connections, default --max-messages 10000)`);
  let server = await startServer('mailcove', ['--data', dataDir]);
  const slices: Array<{ storedBefore: number; msgsPerSec: number; p50Ms: number; p99Ms: number }> = [];
  let acked = 0;
  let idleRssMb: number;
  let fillPeakRssMb: number;
  let idleMemory: NodeJS.MemoryUsage;
  const idleSamples: StoredFigures['idleSamples'] = [];
  let api: Pick<StoredFigures, 'api' | 'apiError'>;
  try {
    for (let s = 0; s < FILL.slices; s++) {
      const r = await load(slice, server.ready.smtpPort, `fill-${s}-${process.pid}`);
      slices.push({ storedBefore: acked, msgsPerSec: round((r.acked / r.elapsedMs) * 1000), p50Ms: round(percentile(r.latenciesMs, 50), 2), p99Ms: round(percentile(r.latenciesMs, 99), 2) });
      acked += r.acked;
      const last = slices[slices.length - 1]!;
      console.log(`  ${String(last.storedBefore).padStart(5)} stored → +${r.acked}: ${last.msgsPerSec.toFixed(0)} msgs/s, p50 ${last.p50Ms} ms, p99 ${last.p99Ms} ms${describe(r)}`);
    }
    await checkStored(server, Math.min(acked, FILL.total), `fill to ${FILL.total}`);
    console.log(`  waiting ${IDLE_WAIT_MS / 1000} s idle`);
    await sleep(IDLE_WAIT_MS);
    const mem = memoryStatus(server.pid);
    idleRssMb = round(mem.rssMb);
    fillPeakRssMb = round(mem.peakRssMb);
    idleMemory = await server.memoryUsage();
    console.log(`  idle RSS ${idleRssMb} MB (peak during fill ${fillPeakRssMb} MB; V8 heap used ${(idleMemory.heapUsed / 2 ** 20).toFixed(0)} MB)`);
    idleSamples.push({ afterMs: IDLE_WAIT_MS, rssMb: idleRssMb, heapUsedMb: round(idleMemory.heapUsed / 2 ** 20) });
    for (let after = 2 * IDLE_WAIT_MS; after <= IDLE_SETTLE_MS; after += IDLE_WAIT_MS) {
      await sleep(IDLE_WAIT_MS);
      const heap = await server.memoryUsage();
      idleSamples.push({ afterMs: after, rssMb: round(memoryStatus(server.pid).rssMb), heapUsedMb: round(heap.heapUsed / 2 ** 20) });
    }
    console.log(`  idle RSS over ${IDLE_SETTLE_MS / 1000} s: ${idleSamples.map((s) => `${s.afterMs / 1000} s ${s.rssMb} MB`).join(', ')}`);
    api = await runApi(server);
  } finally {
    await stopQuietly(server);
  }

  const startup: StartupRun[] = [];
  let atLimit: RunRecord | null = null;
  const expected = Math.min(acked, FILL.total);
  for (let i = 1; i <= RESTARTS; i++) {
    server = await startServer('mailcove', ['--data', dataDir]);
    try {
      const run = {
        startAppMs: round(server.ready.startMs),
        spawnToReadyMs: round(server.spawnToReadyMs),
        rssMb: round(memoryStatus(server.pid).rssMb),
        count: server.ready.count,
        lastOpen: server.ready.lastOpen,
      };
      startup.push(run);
      console.log(`  restart ${i}: startApp ${run.startAppMs} ms, spawn → ready ${run.spawnToReadyMs} ms, RSS ${run.rssMb} MB, ${run.count} messages, open report ${JSON.stringify(run.lastOpen)}`);
      if (run.count < expected) recordLoss(`restart ${i} after the fill: acknowledged ${expected}, store opened with ${run.count}`);
      if (i === RESTARTS) {
        console.log(`\n${AT_LIMIT.title}`);
        const r = await load(AT_LIMIT, server.ready.smtpPort, `atlimit-${process.pid}`);
        atLimit = toRecord(AT_LIMIT, server, 1, r);
        Object.assign(atLimit, await checkStored(server, Math.min(FILL.total, run.count + r.acked), AT_LIMIT.title));
        console.log(`  ${atLimit.acked} acked, ${atLimit.msgsPerSec} msgs/s, p50 ${atLimit.p50Ms} ms, p99 ${atLimit.p99Ms} ms, stored ${atLimit.stored}${describe(r)}`);
      }
    } finally {
      await stopQuietly(server);
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
  return { fill: { total: FILL.total, acked, slices, idleMemory, idleSamples }, idleRssMb, idleSamples, fillPeakRssMb, startup, atLimit, ...api };
}

function nproc(): string {
  try {
    return execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    return String(cpus().length);
  }
}

async function main(): Promise<number> {
  console.log(`Mailcove bench: node ${process.version}, nproc ${nproc()}, ${REPETITIONS} runs per workload per server`);
  const runs: RunRecord[] = [];
  const workloads = await runWorkloads(runs);
  console.log(`\n10 connections × 2 KB with and without open wait-for requests`);
  const waits: WaitsFigures = await runWaitsBench(freshDataDir());
  const stored = await runStored();

  const mailcoveRuns = runs.filter((r) => r.server === 'mailcove');
  // The four workloads; the 10,000-message fill is reported on its own below.
  const peakUnderLoad = Math.max(...mailcoveRuns.map((r) => r.peakRssMb));
  const startApp = stored.startup.map((s) => s.startAppMs);
  const wall = stored.startup.map((s) => s.spawnToReadyMs);
  const maxStartApp = Math.max(...startApp);
  const checks: Check[] = [
    ...workloads.map((w) => ({ figure: `Throughput ratio, ${w.title}`, value: w.ratio.toFixed(2), target: `≥ ${TARGETS.throughputRatio}`, pass: w.ratio >= TARGETS.throughputRatio })),
    { figure: 'Peak RSS of Mailcove under load (VmHWM, highest of the workload runs)', value: `${peakUnderLoad} MB`, target: `≤ ${TARGETS.peakRssMb} MB`, pass: peakUnderLoad <= TARGETS.peakRssMb },
    { figure: `Idle RSS with ${FILL.total} messages stored (VmRSS after ${IDLE_WAIT_MS / 1000} s idle)`, value: `${stored.idleRssMb} MB`, target: `≤ ${TARGETS.idleRssMb} MB`, pass: stored.idleRssMb <= TARGETS.idleRssMb },
    { figure: `Start-up with ${FILL.total} messages: startApp (median, max of ${RESTARTS}; judged on max)`, value: `${median(startApp)} ms, max ${maxStartApp} ms`, target: `≤ ${TARGETS.startAppMs} ms`, pass: maxStartApp <= TARGETS.startAppMs },
    { figure: `Start-up with ${FILL.total} messages: spawn → ready, wall (median, max)`, value: `${median(wall)} ms, max ${Math.max(...wall)} ms`, target: 'report only', pass: null },
    {
      figure: `Ingest with ${waits.openWaits} wait-for requests open / without (10 connections × 2 KB; median of back-to-back pairs)`,
      // The pairs are shown because one noisy pair can sit far from the others; the two medians are of each side alone.
      value: `${waits.ratio.toFixed(2)} (pairs ${waits.pairRatios.map((r) => r.toFixed(2)).join(', ')}; median rates ${waits.withMsgsPerSec} with, ${waits.withoutMsgsPerSec} without msgs/s)`,
      target: `≥ ${TARGETS.waitsRatio}`,
      pass: waits.ratio >= TARGETS.waitsRatio,
    },
    { figure: 'Acknowledged messages lost (every Mailcove run, the fill, each restart)', value: String(losses.length ? losses.length + ' incident(s)' : 0), target: '0', pass: losses.length === 0 },
  ];
  const slices = stored.fill.slices as Array<{ storedBefore: number; msgsPerSec: number; p99Ms: number }>;
  const first = slices[0];
  const last = slices[slices.length - 1];
  const emptyWall = median(mailcoveRuns.map((r) => r.spawnToReadyMs));
  const observations: Check[] = [
    { figure: `Fill throughput, first vs last 1,000 of ${FILL.total} (10 connections)`, value: `${first?.msgsPerSec} → ${last?.msgsPerSec} msgs/s (p99 ${first?.p99Ms} → ${last?.p99Ms} ms)`, target: '', pass: null },
    {
      figure: `Idle RSS with ${FILL.total} messages, sampled every ${IDLE_WAIT_MS / 1000} s after the fill`,
      value: stored.idleSamples.map((s) => `${s.afterMs / 1000} s: ${s.rssMb} MB (heap ${s.heapUsedMb})`).join('; '),
      target: '',
      pass: null,
    },
    { figure: 'Peak RSS of Mailcove during the 10,000-message fill (VmHWM)', value: `${stored.fillPeakRssMb} MB`, target: '', pass: null },
    { figure: 'Mailcove spawn → ready with an empty store (node + tsx boot; median)', value: `${round(emptyWall)} ms`, target: '', pass: null },
    { figure: 'RSS just after start-up: empty store / 10,000 messages (no mail received yet)', value: `${round(median(mailcoveRuns.map((r) => r.startRssMb ?? NaN)))} MB / ${median(stored.startup.map((s) => s.rssMb))} MB`, target: '', pass: null },
    { figure: 'Baseline peak RSS, highest of all runs (same libraries, stores nothing)', value: `${Math.max(...runs.filter((r) => r.server === 'baseline').map((r) => r.peakRssMb))} MB`, target: '', pass: null },
  ];
  if (stored.atLimit) {
    const a = stored.atLimit;
    const conc = workloads.find((w) => w.id === 'conc10');
    observations.push({
      figure: AT_LIMIT.title,
      value: `${a.msgsPerSec} msgs/s (empty store: ${conc?.mailcove.msgsPerSec}), p50 ${a.p50Ms} ms, p99 ${a.p99Ms} ms, stored ${a.stored}`,
      target: '',
      pass: null,
    });
  }

  if (stored.api) {
    const v = stored.api.visibility;
    observations.push({
      figure: 'SMTP transaction (MAIL FROM → 250) in the API visibility test: one message at a time, store full (pruning)',
      value: `p50 ${v.smtp.p50Ms} ms, p99 ${v.smtp.p99Ms} ms, ${v.acked}/${v.sent} acked${stored.api.errors.length ? `; errors: ${stored.api.errors.join('; ')}` : ''}`,
      target: '',
      pass: null,
    });
  }

  const results: BenchResults = {
    date: new Date().toISOString(),
    node: process.version,
    nproc: nproc(),
    cpu: cpus()[0]?.model ?? 'unknown',
    repetitions: REPETITIONS,
    durationS: round((performance.now() - benchStarted) / 1000),
    workloads,
    waits,
    checks,
    observations,
    losses,
    runs,
    fill: stored.fill,
    startup: stored.startup,
    atLimit: stored.atLimit,
    api: stored.api,
    apiChecks: stored.api ? apiChecks(stored.api) : [],
    ...(stored.apiError !== undefined && { apiError: stored.apiError }),
  };
  const markdown = renderMarkdown(results, TARGETS.throughputRatio);
  const files = writeResults(results, markdown);
  console.log('\n' + markdown);
  console.log(`Written ${files.md} and ${files.json} (${results.durationS} s).`);
  if (losses.length) return 1;
  return stored.apiError === undefined ? 0 : 2;
}

// 2 = the bench itself broke (no report), as opposed to 1 = Mailcove lost mail.
let code = 2;
try {
  code = await main();
} catch (err) {
  console.error(`bench failed: ${(err as Error).stack ?? err}`);
}
process.exit(code);

// Turns the collected figures into bench/results/latest.md (human) and latest.json (everything, for tooling).
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { OpenReport } from '../server/store/disk-store.ts';
import type { ApiFigures } from './api-bench.ts';
import type { ServerKind } from './children.ts';

export interface RunRecord {
  workload: string;
  server: ServerKind;
  rep: number;
  attempted: number;
  acked: number;
  rejected: number;
  failures: number;
  timedOut: boolean;
  elapsedMs: number;
  msgsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  peakRssMb: number;
  /** RSS right after the server became ready, before any mail. */
  startRssMb?: number;
  spawnToReadyMs: number;
  /** Mailcove only: messages it holds after the run, and how many acknowledged ones are missing. */
  stored?: number;
  expectedStored?: number;
  lost?: number;
  errorSamples: string[];
}

export interface ServerFigures {
  msgsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  peakRssMb: number;
}

export interface WorkloadSummary {
  id: string;
  title: string;
  messagesPerRun: number;
  messageBytes: number;
  baseline: ServerFigures;
  mailcove: ServerFigures;
  ratio: number;
}

export interface Check {
  figure: string;
  value: string;
  target: string;
  pass: boolean | null;
}

export interface StartupRun {
  startAppMs: number;
  spawnToReadyMs: number;
  rssMb: number;
  count: number;
  lastOpen: OpenReport | null;
}

export interface BenchResults {
  date: string;
  node: string;
  nproc: string;
  cpu: string;
  repetitions: number;
  durationS: number;
  workloads: WorkloadSummary[];
  /** Ingest with open wait-for requests against without. */
  waits: unknown;
  checks: Check[];
  observations: Check[];
  losses: string[];
  runs: RunRecord[];
  fill: Record<string, unknown>;
  startup: StartupRun[];
  atLimit: RunRecord | null;
  /** The REST API and websocket figures on the filled store; null (with apiError) when that part failed. */
  api: ApiFigures | null;
  apiChecks: Check[];
  apiError?: string;
}

const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));

const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const verdict = (pass: boolean | null): string => (pass === null ? '—' : pass ? 'PASS' : '**MISS**');

export function renderMarkdown(r: BenchResults, ratioTarget: number): string {
  const out: string[] = [];
  out.push('# Mailcove benchmark — latest run', '');
  out.push('| Environment | |', '|---|---|');
  out.push(`| Date | ${r.date} |`, `| Node | ${r.node} |`, `| nproc | ${r.nproc} |`, `| CPU | ${r.cpu} |`);
  out.push(`| Repetitions | ${r.repetitions} per workload per server, baseline and Mailcove alternating; medians shown |`);
  out.push(`| Bench duration | ${fmt(r.durationS, 0)} s |`, '');

  out.push('## Throughput and latency', '');
  out.push('Latency: from sending MAIL FROM to the final 250 (new-connection workload: from connect to the final 250).', '');
  out.push('| Workload | Msgs/run | Baseline msgs/s | Mailcove msgs/s | Mailcove/baseline | Target | Result | Baseline p50 / p99 ms | Mailcove p50 / p99 ms | Peak RSS MB baseline / Mailcove |');
  out.push('|---|---:|---:|---:|---:|---|---|---:|---:|---:|');
  for (const w of r.workloads) {
    out.push(
      `| ${w.title} | ${w.messagesPerRun} | ${fmt(w.baseline.msgsPerSec, 0)} | ${fmt(w.mailcove.msgsPerSec, 0)} | ${fmt(w.ratio, 2)} | ≥ ${ratioTarget} | ${verdict(w.ratio >= ratioTarget)} ` +
        `| ${fmt(w.baseline.p50Ms, 2)} / ${fmt(w.baseline.p99Ms, 2)} | ${fmt(w.mailcove.p50Ms, 2)} / ${fmt(w.mailcove.p99Ms, 2)} | ${fmt(w.baseline.peakRssMb, 0)} / ${fmt(w.mailcove.peakRssMb, 0)} |`,
    );
  }
  out.push('');

  out.push('## Memory, start-up and durability', '');
  out.push('| Figure | Value | Target | Result |', '|---|---|---|---|');
  for (const c of r.checks) out.push(`| ${c.figure} | ${c.value} | ${c.target} | ${verdict(c.pass)} |`);
  out.push('');

  out.push('## REST API and live events, 10,000 messages stored', '');
  out.push(
    'On the filled store, after the idle samples: one client, one request at a time over a keep-alive connection, with a websocket ' +
      'open on `/api/events` throughout. Visibility: messages sent one at a time over SMTP; after each `250 … queued as <ID>`, the ' +
      'time until the websocket delivered the `new` event with that ID, and until the API first returned the message.',
    '',
  );
  if (r.apiError) out.push(`**The API bench failed:** ${r.apiError}`, '');
  else {
    out.push('| Figure | Value | Target | Result |', '|---|---|---|---|');
    for (const c of r.apiChecks) out.push(`| ${c.figure} | ${c.value} | ${c.target} | ${verdict(c.pass)} |`);
    out.push('');
  }

  out.push('## Other observations (no target)', '');
  out.push('| Figure | Value |', '|---|---|');
  for (const c of r.observations) out.push(`| ${c.figure} | ${c.value} |`);
  out.push('');

  if (r.losses.length) {
    out.push('## ⚠ ACKNOWLEDGED MESSAGES LOST', '');
    for (const l of r.losses) out.push(`- ${l}`);
    out.push('');
  }
  out.push('Every run, with per-run figures, is in `latest.json`.', '');
  return out.join('\n');
}

export function writeResults(r: BenchResults, markdown: string): { md: string; json: string } {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const md = `${RESULTS_DIR}latest.md`;
  const json = `${RESULTS_DIR}latest.json`;
  writeFileSync(md, markdown);
  writeFileSync(json, JSON.stringify(r, null, 2) + '\n');
  return { md, json };
}

// The workloads. Counts are sized so the whole bench (both servers, every repetition, the 10,000-message fill and
// the restarts) stays well under five minutes on a 2-core machine.
import { attachmentMessage, PLANTED, textMessage, variedTextMessage, type MessageTemplate } from './message.ts';

export interface Workload {
  id: string;
  title: string;
  connections: number;
  messagesPerConnection: number;
  connectionPerMessage: boolean;
  message: MessageTemplate;
  /** Hard cap per run. */
  timeLimitMs: number;
  /** Messages per connection in the warm-up that precedes each measured run. */
  warmUpPerConnection: number;
}

const small = textMessage(2 * 1024);
const large = attachmentMessage(200 * 1024);

// Warm-ups are large on purpose: a fresh process is still speeding up after a thousand messages (the baseline's
// single-connection rate roughly doubles between its first and third thousand), and a cold server would flatter
// whichever side is slower. Mailcove has more code for V8 to optimise and needs longer: with 1,500 warm-up
// messages and 3,000 measured (the sizes until 2026-11-22) it ran 10 connections at ~2,200 msgs/s, and after 4,500
// at ~3,100, so those short runs measured JIT warm-up more than steady ingest. Both servers get the same warm-up.
export const WORKLOADS: Workload[] = [
  { id: 'conc10', title: '10 connections × 2 KB', connections: 10, messagesPerConnection: 600, warmUpPerConnection: 500, connectionPerMessage: false, message: small, timeLimitMs: 60_000 },
  { id: 'single', title: '1 connection × 2 KB', connections: 1, messagesPerConnection: 2000, warmUpPerConnection: 3000, connectionPerMessage: false, message: small, timeLimitMs: 60_000 },
  { id: 'large', title: '4 connections × 200 KB', connections: 4, messagesPerConnection: 75, warmUpPerConnection: 25, connectionPerMessage: false, message: large, timeLimitMs: 60_000 },
  { id: 'perconn', title: 'new connection per message, 10 clients × 2 KB', connections: 10, messagesPerConnection: 100, warmUpPerConnection: 60, connectionPerMessage: true, message: small, timeLimitMs: 60_000 },
];

/** The same shape as the workload, run (and then emptied from the store) before each measured run. */
export function warmUp(w: Workload): Workload {
  return { ...w, messagesPerConnection: w.warmUpPerConnection, timeLimitMs: 60_000 };
}

/**
 * Five, not three (until 2026-11-22): on this 2-core VM one run in three or four of either server can come out 30 %
 * slow (other tenants, disk writeback), and a median of three still moved a ratio by ±0.05 between whole runs.
 */
export const REPETITIONS = 5;

/**
 * The stored-mail figures: 10,000 messages of ~2 KB, sent as 10 connections in 10 slices to show the trend. Their
 * bodies vary (words from a vocabulary, some planted in a known share) so the API's searches are realistic.
 */
export const FILL = { total: 10_000, connections: 10, slices: 10, message: variedTextMessage(2 * 1024), sliceTimeLimitMs: 90_000 };

/**
 * The REST API and websocket against the filled store (bench/api-bench.ts). Every loop is sequential (one request
 * in flight), bounded by a count and by a time cap; requests time out on their own.
 */
export const API = {
  list: { path: '/api/v1/messages?limit=50', warmUp: 50, requests: 200, timeLimitMs: 30_000 },
  /** A word planted in about 1 % of the filled bodies, in no subject or address. */
  search: { word: PLANTED.rare.word, share: PLANTED.rare.share, warmUp: 10, requests: 100, timeLimitMs: 60_000 },
  /** Messages sent one at a time over SMTP; each is then fetched by ID (and awaited on the websocket). */
  visibility: { warmUp: 20, messages: 200, message: variedTextMessage(2 * 1024), timeLimitMs: 60_000 },
  /** Then messages found by a search on their unique subject instead (what a test waiting for its mail does). */
  subjectVisibility: { messages: 100 },
  /** How long one message may take to appear (websocket or API) before it is counted as never seen. */
  appearTimeoutMs: 2_000,
  requestTimeoutMs: 5_000,
};

/** Load against the full store; with the default --max-messages 10000 every new message prunes an old one. */
export const AT_LIMIT: Workload = { id: 'atlimit', title: '10 connections × 2 KB, store full (10,000, pruning)', connections: 10, messagesPerConnection: 100, warmUpPerConnection: 0, connectionPerMessage: false, message: small, timeLimitMs: 90_000 };

export const IDLE_WAIT_MS = 5_000;
/**
 * V8 collects an idle process's garbage only when its memory reducer runs, 15-20 s after the last allocation, so
 * the idle RSS is also sampled until then to show what it settles to (reported, not judged).
 */
export const IDLE_SETTLE_MS = 30_000;
export const RESTARTS = 3;
/** If everything else failed to bound the bench, this does. */
export const BENCH_TIME_LIMIT_MS = 15 * 60_000;

export const TARGETS = { throughputRatio: 0.7, waitsRatio: 0.9, peakRssMb: 200, idleRssMb: 150, startAppMs: 2_000, listP50Ms: 5, searchP50Ms: 50, visibleMs: 10 };

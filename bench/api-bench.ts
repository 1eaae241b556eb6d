// The REST API and the live websocket against a full store: list and search latency, and how soon a message the
// SMTP server acknowledged can be seen (websocket "new" event, GET by ID, search by subject). Loopback only; every
// loop is sequential, bounded by a count and a time cap, and every request has its own timeout.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import type { Check } from './report.ts';
import { ReplyError, RunState, SmtpClient } from './smtp-load.ts';
import { percentile, round } from './stats.ts';
import { API, TARGETS } from './workloads.ts';

const HOST = '127.0.0.1';

export interface Latency {
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** The phase's time cap cut it short. */
  timedOut: boolean;
}

export interface Appearance extends Latency {
  /** Acknowledged messages never seen within API.appearTimeoutMs. */
  missing: number;
  /** Requests beyond the first that were needed (the message was not there yet). */
  retries: number;
  /** Websocket only: events that arrived before the 250 (negative latencies). */
  beforeAck: number;
}

export interface ApiFigures {
  list: Latency & { path: string; count: number; total: number };
  search: Latency & { path: string; matches: number; total: number };
  visibility: {
    sent: number;
    acked: number;
    /** SMTP transaction time (MAIL FROM → 250) of the measured messages, for context. */
    smtp: Latency;
    /** Every 250 received, warm-up included: what the store must now hold on top of what it held before. */
    ackedWithWarmUp: number;
    websocket: Appearance;
    byId: Appearance;
    bySubject: Appearance;
  };
  errors: string[];
}

interface Response {
  status: number;
  body: string;
  /** From sending the request to the last byte of the response. */
  ms: number;
  endAt: number;
}

/** One keep-alive connection, one request at a time: the latency of a request, not of connection set-up. */
class HttpClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  constructor(private readonly port: number) {}

  get(path: string): Promise<Response> {
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const req = http.get({ host: HOST, port: this.port, path, agent: this.agent, headers: { accept: 'application/json' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const endAt = performance.now();
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: endAt - started, endAt });
        });
      });
      req.setTimeout(API.requestTimeoutMs, () => req.destroy(new Error(`GET ${path} timed out after ${API.requestTimeoutMs} ms`)));
      req.on('error', reject);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The websocket, remembering when each "new" event arrived, by message ID. */
class EventWatcher {
  private readonly seen = new Map<string, number>();
  private readonly waiters = new Map<string, (at: number) => void>();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const at = performance.now();
      let event: { Type?: string; Data?: { ID?: unknown } };
      try {
        event = JSON.parse(data.toString('utf8')) as typeof event;
      } catch {
        return;
      }
      const id = event.Data?.ID;
      if (event.Type !== 'new' || typeof id !== 'string') return;
      this.seen.set(id, at);
      this.waiters.get(id)?.(at);
    });
  }

  static open(port: number): Promise<EventWatcher> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://${HOST}:${port}/api/events`, { handshakeTimeout: API.requestTimeoutMs });
      ws.once('open', () => resolve(new EventWatcher(ws)));
      ws.once('error', reject);
      ws.once('unexpected-response', (req, res) => {
        req.destroy();
        reject(new Error(`websocket upgrade refused: HTTP ${res.statusCode}`));
      });
    });
  }

  /** When the "new" event for `id` arrived (possibly already), or null if it does not come within `timeoutMs`. */
  arrival(id: string, timeoutMs: number): Promise<number | null> {
    const at = this.seen.get(id);
    if (at !== undefined) return Promise.resolve(at);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        resolve(null);
      }, timeoutMs);
      this.waiters.set(id, (t) => {
        clearTimeout(timer);
        this.waiters.delete(id);
        resolve(t);
      });
    });
  }

  forget(id: string): void {
    this.seen.delete(id);
  }

  close(): void {
    this.ws.terminate();
  }
}

function latency(values: number[], timedOut: boolean): Latency {
  return {
    samples: values.length,
    p50Ms: round(percentile(values, 50), 3),
    p99Ms: round(percentile(values, 99), 3),
    maxMs: round(values.length ? Math.max(...values) : NaN, 3),
    timedOut,
  };
}

/**
 * Sequential GETs of one path: `warmUp` unmeasured, then up to `requests` measured, within `timeLimitMs`.
 * `check` validates every response (throws on a wrong answer) and its last result is returned.
 */
async function repeatGet<T>(client: HttpClient, path: string, warmUp: number, requests: number, timeLimitMs: number, check: (r: Response) => T): Promise<{ latency: Latency; last: T }> {
  const deadline = performance.now() + timeLimitMs;
  const times: number[] = [];
  let last: T | undefined;
  let timedOut = false;
  for (let i = 0; i < warmUp + requests; i++) {
    if (performance.now() > deadline) {
      timedOut = true;
      break;
    }
    const res = await client.get(path);
    last = check(res);
    if (i >= warmUp) times.push(res.ms);
  }
  if (last === undefined) throw new Error(`GET ${path}: no response within ${timeLimitMs} ms`);
  return { latency: latency(times, timedOut), last };
}

interface Page {
  total: number;
  count: number;
  messages_count: number;
  messages: Array<{ ID: string }>;
}

function page(path: string, res: Response): Page {
  if (res.status !== 200) throw new Error(`GET ${path}: HTTP ${res.status} ${res.body.slice(0, 200)}`);
  return JSON.parse(res.body) as Page;
}

/**
 * Polls until `found` accepts a response or the message's deadline passes. Resolves with the time the accepting
 * response ended, and how many extra requests were needed; null when never found.
 */
async function pollUntil(client: HttpClient, path: string, deadline: number, found: (r: Response) => boolean, errors: string[]): Promise<{ at: number; retries: number } | null> {
  for (let attempt = 0; performance.now() < deadline; attempt++) {
    try {
      const res = await client.get(path);
      if (found(res)) return { at: res.endAt, retries: attempt };
      if (res.status !== 404 && res.status !== 200 && errors.length < 5) errors.push(`GET ${path}: HTTP ${res.status} ${res.body.slice(0, 120)}`);
    } catch (err) {
      if (errors.length < 5) errors.push((err as Error).message);
    }
  }
  return null;
}

type Lookup = 'id' | 'subject';

interface Sample {
  smtpMs: number;
  /** Websocket event time minus 250 time; null when the event never came. */
  wsMs: number | null;
  /** First successful API lookup minus 250 time; null when never found. */
  apiMs: number | null;
  retries: number;
}

/** Sends `count` messages one at a time; after each 250, awaits its websocket event and looks it up via the API. */
async function sendAndLook(
  smtpPort: number,
  client: HttpClient,
  events: EventWatcher,
  tagBase: string,
  count: number,
  lookup: Lookup,
  deadline: number,
  errors: string[],
): Promise<{ samples: Sample[]; sent: number; timedOut: boolean }> {
  const run = new RunState();
  const cap = setTimeout(() => run.abort(), Math.max(0, deadline - performance.now()));
  const samples: Sample[] = [];
  let sent = 0;
  let smtp: SmtpClient | null = null;
  try {
    smtp = await SmtpClient.connect(smtpPort, run);
    await smtp.hello();
    for (let i = 0; i < count && !run.aborted; i++) {
      // A tag per message makes the subject unique as a substring too: "<base>.5 message" is not in "<base>.50 message".
      const tag = `${tagBase}.${i}`;
      const started = performance.now();
      sent += 1;
      let text: string;
      try {
        text = (await smtp.send(API.visibility.message, tag, i)).text;
      } catch (err) {
        if (errors.length < 5) errors.push(`SMTP: ${(err as Error).message}`);
        if (err instanceof ReplyError) continue;
        break;
      }
      const ackAt = performance.now();
      const id = /queued as (\S+)/.exec(text)?.[1];
      if (!id) {
        if (errors.length < 5) errors.push(`no "queued as <ID>" in the 250: ${text.slice(0, 120)}`);
        continue;
      }
      const appearBy = ackAt + API.appearTimeoutMs;
      const path =
        lookup === 'id' ? `/api/v1/message/${encodeURIComponent(id)}` : `/api/v1/search?${new URLSearchParams({ query: `subject:"${tag} message"` })}`;
      const found =
        lookup === 'id'
          ? (r: Response) => r.status === 200 && (JSON.parse(r.body) as { ID?: string }).ID === id
          : (r: Response) => r.status === 200 && (JSON.parse(r.body) as Page).messages.some((m) => m.ID === id);
      const [wsAt, api] = await Promise.all([events.arrival(id, API.appearTimeoutMs), pollUntil(client, path, appearBy, found, errors)]);
      events.forget(id);
      samples.push({ smtpMs: ackAt - started, wsMs: wsAt === null ? null : wsAt - ackAt, apiMs: api ? api.at - ackAt : null, retries: api?.retries ?? 0 });
    }
    await smtp.quit();
  } catch (err) {
    if (errors.length < 5) errors.push(`SMTP connection: ${(err as Error).message}`);
  } finally {
    smtp?.destroy();
    clearTimeout(cap);
  }
  return { samples, sent, timedOut: run.aborted };
}

function appearance(samples: Sample[], pick: (s: Sample) => number | null, timedOut: boolean): Appearance {
  const values = samples.map(pick).filter((v): v is number => v !== null);
  return {
    ...latency(values, timedOut),
    missing: samples.length - values.length,
    retries: samples.reduce((sum, s) => sum + s.retries, 0),
    beforeAck: values.filter((v) => v < 0).length,
  };
}

/** Runs every API figure against a Mailcove that already holds the filled store. */
export async function runApiBench(httpPort: number, smtpPort: number, tag: string): Promise<ApiFigures> {
  const errors: string[] = [];
  const client = new HttpClient(httpPort);
  // Connected throughout, as an open web inbox would be.
  const events = await EventWatcher.open(httpPort);
  try {
    const { list: L, search: S, visibility: V } = API;
    const list = await repeatGet(client, L.path, L.warmUp, L.requests, L.timeLimitMs, (r) => {
      const p = page(L.path, r);
      if (p.count !== 50 || p.messages.length !== 50) throw new Error(`GET ${L.path}: ${p.count} messages in the page, expected 50`);
      return p;
    });
    console.log(`  GET ${L.path}: p50 ${list.latency.p50Ms} ms, p99 ${list.latency.p99Ms} ms (${list.latency.samples} requests, total ${list.last.total})`);

    const searchPath = `/api/v1/search?${new URLSearchParams({ query: S.word })}`;
    const search = await repeatGet(client, searchPath, S.warmUp, S.requests, S.timeLimitMs, (r) => {
      const p = page(searchPath, r);
      if (!(p.messages_count > 0 && p.messages_count < p.total)) throw new Error(`GET ${searchPath}: ${p.messages_count} of ${p.total} matched; the word should be in some bodies only`);
      return p;
    });
    console.log(`  GET ${searchPath}: p50 ${search.latency.p50Ms} ms, p99 ${search.latency.p99Ms} ms (${search.latency.samples} requests, ${search.last.messages_count} of ${search.last.total} match)`);

    const deadline = performance.now() + V.timeLimitMs;
    const warm = await sendAndLook(smtpPort, client, events, `${tag}-warm`, V.warmUp, 'id', deadline, errors);
    const byId = await sendAndLook(smtpPort, client, events, `${tag}-id`, V.messages, 'id', deadline, errors);
    const bySubject = await sendAndLook(smtpPort, client, events, `${tag}-subj`, API.subjectVisibility.messages, 'subject', deadline, errors);
    const all = [...byId.samples, ...bySubject.samples];
    const timedOut = byId.timedOut || bySubject.timedOut;
    const visibility = {
      sent: byId.sent + bySubject.sent,
      acked: all.length,
      smtp: latency(all.map((s) => s.smtpMs), timedOut),
      ackedWithWarmUp: warm.samples.length + all.length,
      websocket: appearance(all, (s) => s.wsMs, timedOut),
      byId: appearance(byId.samples, (s) => s.apiMs, byId.timedOut),
      bySubject: appearance(bySubject.samples, (s) => s.apiMs, bySubject.timedOut),
    };
    const v = visibility;
    console.log(`  ${v.acked}/${v.sent} sent one at a time (SMTP p50 ${v.smtp.p50Ms} ms, p99 ${v.smtp.p99Ms} ms); from the 250:`);
    console.log(`    websocket "new": p50 ${v.websocket.p50Ms} ms, p99 ${v.websocket.p99Ms} ms, ${v.websocket.beforeAck} before the 250, ${v.websocket.missing} missing`);
    console.log(`    GET /api/v1/message/{ID}: p50 ${v.byId.p50Ms} ms, p99 ${v.byId.p99Ms} ms, ${v.byId.retries} retries, ${v.byId.missing} missing`);
    console.log(`    search subject:"…": p50 ${v.bySubject.p50Ms} ms, p99 ${v.bySubject.p99Ms} ms, ${v.bySubject.retries} retries, ${v.bySubject.missing} missing`);
    for (const e of errors) console.error(`  api bench: ${e}`);
    return {
      list: { ...list.latency, path: L.path, count: list.last.count, total: list.last.total },
      search: { ...search.latency, path: searchPath, matches: search.last.messages_count, total: search.last.total },
      visibility,
      errors,
    };
  } finally {
    events.close();
    client.close();
  }
}

const ms = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(2)} ms` : 'n/a');
const capped = (l: Latency): string => (l.timedOut ? ', TIME CAP HIT' : '');

/** The API figures as report rows: value, target, PASS/MISS. */
export function apiChecks(a: ApiFigures): Check[] {
  const v = a.visibility;
  const seen = (x: Appearance): string => (x.missing ? `, **${x.missing} never seen within ${API.appearTimeoutMs} ms**` : '');
  const appear = (x: Appearance, extra: string): Pick<Check, 'value' | 'target' | 'pass'> => ({
    value: `p50 ${ms(x.p50Ms)}, p99 ${ms(x.p99Ms)} (max ${ms(x.maxMs)}; ${x.samples + x.missing} messages${extra}${seen(x)}${capped(x)})`,
    target: `p99 ≤ ${TARGETS.visibleMs} ms`,
    pass: x.samples > 0 && x.missing === 0 && !x.timedOut && x.p99Ms <= TARGETS.visibleMs,
  });
  return [
    {
      figure: `\`GET ${a.list.path}\`, ${a.list.total} stored (sequential, keep-alive; judged on p50)`,
      value: `p50 ${ms(a.list.p50Ms)}, p99 ${ms(a.list.p99Ms)} (${a.list.samples} requests${capped(a.list)})`,
      target: `p50 < ${TARGETS.listP50Ms} ms`,
      pass: !a.list.timedOut && a.list.p50Ms < TARGETS.listP50Ms,
    },
    {
      figure: `\`GET ${a.search.path}\`: body word in ${a.search.matches} of ${a.search.total} messages (judged on p50)`,
      value: `p50 ${ms(a.search.p50Ms)}, p99 ${ms(a.search.p99Ms)} (${a.search.samples} requests${capped(a.search)})`,
      target: `p50 < ${TARGETS.searchP50Ms} ms`,
      pass: !a.search.timedOut && a.search.p50Ms < TARGETS.searchP50Ms,
    },
    {
      figure: 'SMTP 250 → websocket `new` event with that ID (messages sent one at a time; store full, so each prunes the oldest; negative = event came first)',
      ...appear(v.websocket, `, ${v.websocket.beforeAck} events before the 250`),
    },
    {
      figure: 'SMTP 250 → first `GET /api/v1/message/{ID}` that returns it',
      ...appear(v.byId, v.byId.retries ? `, ${v.byId.retries} retries` : ', found at the first request'),
    },
    {
      figure: 'SMTP 250 → first `GET /api/v1/search?query=subject:"…"` (its unique subject) that finds it',
      ...appear(v.bySubject, v.bySubject.retries ? `, ${v.bySubject.retries} retries` : ', found at the first request'),
    },
  ];
}

// One URL's deliveries: sent one at a time in arrival order, each retried with exponential backoff until it is
// delivered or its attempts run out. Nothing leaves the queue unaccounted: every delivery ends as delivered or as a
// counted, logged failure (retries exhausted, refused by the receiver, queue full, or still queued at shutdown).
import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WebhookTarget } from './webhook-targets.ts';

export interface RetryPolicy {
  /** Attempts per delivery, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Spread retries over [delay/2, delay] so receivers coming back up are not hit by every sender at once. */
  jitter: boolean;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, baseDelayMs: 1000, maxDelayMs: 60_000, jitter: true };

export interface QueueOptions {
  secret: string | null;
  userAgent: string;
  retry: RetryPolicy;
  timeoutMs: number;
  /** Deliveries waiting beyond this are refused (counted as failures) rather than held without bound. */
  maxQueue: number;
  log: (line: string) => void;
}

export interface Delivery {
  /** The message ID, also sent as X-Mailcove-Message-ID so a receiver can drop a repeat after a lost 2xx. */
  id: string;
  body: string;
}

export interface QueueCounters {
  target: string;
  delivered: number;
  failed: number;
  retried: number;
  queued: number;
}

type Outcome = 'delivered' | 'stopped' | { retry: boolean; reason: string };

const SIGNATURE_HEADER = 'X-Mailcove-Signature';
const TIMESTAMP_HEADER = 'X-Mailcove-Timestamp';

/** `sha256=` + hex HMAC-SHA256 of `${timestamp}.${body}`: signing the timestamp lets receivers refuse replays. */
function webhookSignature(secret: string, timestamp: string, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export class DeliveryQueue {
  private readonly pending: Delivery[] = [];
  private running: Promise<void> | null = null;
  private readonly stop = new AbortController();
  private delivered = 0;
  private failed = 0;
  private retried = 0;

  constructor(
    readonly target: WebhookTarget,
    private readonly options: QueueOptions,
  ) {}

  enqueue(delivery: Delivery): void {
    if (this.stop.signal.aborted) return this.fail(delivery, 'webhooks are stopping');
    if (this.pending.length >= this.options.maxQueue) return this.fail(delivery, `queue full (${this.options.maxQueue} waiting)`);
    this.pending.push(delivery);
    this.running ??= this.drain().finally(() => (this.running = null));
  }

  counters(): QueueCounters {
    return { target: this.target.label, delivered: this.delivered, failed: this.failed, retried: this.retried, queued: this.pending.length };
  }

  /** Stops at once (an attempt in flight is aborted); whatever was still queued is counted and logged as failed. */
  async close(): Promise<void> {
    this.stop.abort();
    await this.running;
    if (this.pending.length) {
      this.failed += this.pending.length;
      this.options.log(`webhook ${this.target.label}: ${this.pending.length} deliveries not sent (stopping): ${this.pending.map((d) => d.id).join(', ')}`);
      this.pending.length = 0;
    }
  }

  private async drain(): Promise<void> {
    while (this.pending.length) {
      if ((await this.deliver(this.pending[0]!)) === 'stopped') return;
      this.pending.shift();
    }
  }

  private async deliver(delivery: Delivery): Promise<'done' | 'stopped'> {
    const { attempts } = this.options.retry;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(delivery);
      if (outcome === 'stopped') return 'stopped';
      if (outcome === 'delivered') {
        this.delivered += 1;
        return 'done';
      }
      if (!outcome.retry || attempt >= attempts) {
        this.fail(delivery, `${outcome.reason}; gave up after ${attempt} attempt${attempt === 1 ? '' : 's'}`);
        return 'done';
      }
      const delay = this.backoff(attempt);
      this.retried += 1;
      this.options.log(`webhook ${this.target.label}: message ${delivery.id} attempt ${attempt} failed (${outcome.reason}), retrying in ${delay} ms`);
      try {
        await sleep(delay, undefined, { signal: this.stop.signal });
      } catch {
        return 'stopped';
      }
    }
  }

  private async attempt(delivery: Delivery): Promise<Outcome> {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'User-Agent': this.options.userAgent,
      'X-Mailcove-Event': 'new',
      'X-Mailcove-Message-ID': delivery.id,
      [TIMESTAMP_HEADER]: timestamp,
    };
    if (this.options.secret) headers[SIGNATURE_HEADER] = webhookSignature(this.options.secret, timestamp, delivery.body);
    try {
      const response = await fetch(this.target.url, {
        method: 'POST',
        headers,
        body: delivery.body,
        redirect: 'manual',
        signal: AbortSignal.any([this.stop.signal, AbortSignal.timeout(this.options.timeoutMs)]),
      });
      // The body is not needed; cancelling it frees the connection.
      await response.body?.cancel().catch(() => {});
      if (response.status >= 200 && response.status < 300) return 'delivered';
      // Other 4xx answers will not change on a retry (wrong path, refused payload); these may.
      const retry = response.status >= 500 || response.status === 408 || response.status === 429;
      return { retry, reason: `HTTP ${response.status}` };
    } catch (err) {
      if (this.stop.signal.aborted) return 'stopped';
      const e = err as Error & { cause?: { code?: string } };
      return { retry: true, reason: e.name === 'TimeoutError' ? `no answer in ${this.options.timeoutMs} ms` : (e.cause?.code ?? e.message) };
    }
  }

  private backoff(attempt: number): number {
    const { baseDelayMs, maxDelayMs, jitter } = this.options.retry;
    const delay = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    return Math.round(jitter ? delay / 2 + Math.random() * (delay / 2) : delay);
  }

  private fail(delivery: Delivery, reason: string): void {
    this.failed += 1;
    this.options.log(`webhook ${this.target.label}: message ${delivery.id} not delivered: ${reason}`);
  }
}

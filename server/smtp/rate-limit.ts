// --smtp-rate-limit N/min: at most N messages (MAIL FROM transactions) per client address in any 60 s window.

const WINDOW_MS = 60_000;
/** Past this many tracked addresses, idle ones are swept so a scan of many sources cannot grow the map for good. */
const SWEEP_AT = 1024;

export class RateLimit {
  private readonly seen = new Map<string, number[]>();

  constructor(
    readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one message from `client`; false when that would be past the limit (the message is then not counted). */
  take(client: string): boolean {
    const now = this.now();
    if (this.seen.size > SWEEP_AT) this.sweep(now);
    const times = (this.seen.get(client) ?? []).filter((t) => now - t < WINDOW_MS);
    const allowed = times.length < this.perMinute;
    if (allowed) times.push(now);
    this.seen.set(client, times);
    return allowed;
  }

  private sweep(now: number): void {
    for (const [client, times] of this.seen) if (times.every((t) => now - t >= WINDOW_MS)) this.seen.delete(client);
  }
}

/** Parses "N/min" (or a bare N); 0 turns the limit off. */
export function parseRateLimit(value: string): number {
  const m = /^(\d+)\s*(?:\/\s*(?:m|min|minute))?$/i.exec(value.trim());
  if (!m) throw new Error(`expected N/min such as 60/min, got "${value}"`);
  return Number(m[1]);
}

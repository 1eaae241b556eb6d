// A Prometheus-style histogram: fixed upper bounds, counts kept per bucket and made cumulative when rendered.

/** Seconds from the end of DATA to the 250: from a fast group commit (~1 ms) to a stalled disk. */
export const INGEST_LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface HistogramSnapshot {
  /** Upper bound → observations at or below it (cumulative); the last entry is +Inf. */
  buckets: Array<{ le: number; count: number }>;
  sum: number;
  count: number;
}

export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    let i = this.bounds.findIndex((bound) => value <= bound);
    if (i < 0) i = this.bounds.length;
    this.counts[i]! += 1;
    this.sum += value;
    this.count += 1;
  }

  snapshot(): HistogramSnapshot {
    let running = 0;
    const buckets = [...this.bounds, Infinity].map((le, i) => ({ le, count: (running += this.counts[i]!) }));
    return { buckets, sum: this.sum, count: this.count };
  }
}

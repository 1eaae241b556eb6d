// Parsing off the main thread. mailparser costs about half of the main thread's time per message, and the main
// thread also runs every SMTP session, so under concurrent load it was the bottleneck. A worker thread parses
// while the main thread goes on speaking SMTP; the disk write runs meanwhile in libuv's pool (see disk-store.ts).
// If the worker fails, messages are parsed on the main thread instead: parsing must never lose mail.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { PROJECT_ROOT } from '../paths.ts';
import type { MessageMeta, Summarise, Summarised } from '../store/types.ts';
import type { ParseRequest } from './parse-worker.ts';
import { summarise } from './summarise.ts';

const MAX_FAILURES = 3;

interface Waiter {
  resolve: (parsed: Summarised) => void;
  fallback: () => void;
}

/**
 * Bundled (npm start), esbuild emits the worker beside the server as dist/parse-worker.mjs. Run from source (tsx,
 * tests), node 20 does not pass `--import tsx` on to worker threads, so the worker registers tsx itself first.
 */
function newWorker(): Worker {
  const bundled = join(PROJECT_ROOT, 'dist', 'parse-worker.mjs');
  if (!import.meta.url.endsWith('.ts') && existsSync(bundled)) return new Worker(bundled);
  const source = new URL('./parse-worker.ts', import.meta.url).href;
  return new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(source)}); });`, { eval: true });
}

export class ParsePool {
  private worker: Worker | null = null;
  private waiting = new Map<number, Waiter>();
  private seq = 0;
  private closed = false;
  /** A worker that keeps dying (it cannot load, say) is given up on: parsing stays on the main thread. */
  private failures = 0;
  /** Where messages were parsed, for diagnostics and tests. */
  readonly counts = { worker: 0, mainThread: 0, recovered: 0 };

  constructor(private readonly log: (line: string) => void = () => {}) {}

  readonly summarise: Summarise = (raw: Buffer, meta: MessageMeta, id: string, created: Date) => {
    // A lone message is parsed right here, beside its disk write: handing it to the worker would only add two
    // thread hops to its reply. Once messages overlap, the main thread has SMTP sessions to serve instead.
    const worker = this.closed || this.inProgress === 0 ? null : this.ensureWorker();
    if (!worker) {
      this.counts.mainThread += 1;
      return this.track(summarise(raw, meta, id, created));
    }
    const seq = ++this.seq;
    return this.track(
      new Promise<Summarised>((resolve) => {
        this.waiting.set(seq, {
          resolve: (parsed) => {
            this.counts.worker += 1;
            resolve(parsed);
          },
          fallback: () => {
            this.counts.recovered += 1;
            void summarise(raw, meta, id, created).then(resolve);
          },
        });
        // Held only while parses are out, so an idle worker never keeps the process alive.
        if (this.waiting.size === 1) worker.ref();
        // The bytes are copied (a small message's Buffer shares a pooled slab that cannot be transferred).
        worker.postMessage({ seq, raw, meta, id, created: created.getTime() } satisfies ParseRequest);
      }),
    );
  };

  private inProgress = 0;

  private track(parsing: Promise<Summarised>): Promise<Summarised> {
    this.inProgress += 1;
    return parsing.finally(() => {
      this.inProgress -= 1;
    });
  }

  private ensureWorker(): Worker | null {
    if (this.worker) return this.worker;
    try {
      const worker = newWorker();
      worker.unref();
      worker.on('message', ({ seq, parsed }: { seq: number; parsed: Summarised }) => {
        const waiter = this.waiting.get(seq);
        this.waiting.delete(seq);
        if (!this.waiting.size) worker.unref();
        waiter?.resolve(parsed);
      });
      worker.on('error', (err) => {
        this.failures += 1;
        const giveUp = this.failures >= MAX_FAILURES;
        if (giveUp) this.closed = true;
        this.log(`parse worker failed: ${err.message}; ${giveUp ? 'parsing on the main thread from now on' : 'restarting it'}`);
      });
      worker.on('exit', () => {
        if (this.worker === worker) this.worker = null;
        // Whatever the worker still held is parsed here instead.
        const orphans = [...this.waiting.values()];
        this.waiting.clear();
        for (const waiter of orphans) waiter.fallback();
      });
      this.worker = worker;
      return worker;
    } catch (err) {
      this.log(`cannot start a parse worker (${(err as Error).message}); parsing on the main thread`);
      return null;
    }
  }

  /** Ends the worker abruptly, as a crash would; what it held is parsed on the main thread (used by tests). */
  async killWorker(): Promise<void> {
    await this.worker?.terminate();
  }

  /** Stops the worker once what it holds is parsed (anything left is finished on the main thread). */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    if (!worker) return;
    while (this.waiting.size && this.worker === worker) await new Promise((r) => setTimeout(r, 5));
    await worker.terminate();
  }
}

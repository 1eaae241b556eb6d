// Server-side wait-for-message: a CI job asks for "N messages matching Q" and the answer goes out the moment the
// store holds them. Driven by the store's `new` events: each waiting request tests only the arriving message
// against its filter, so hundreds of open waits cost a few function calls per message, and nothing polls.
import type { ListOptions, Store } from '../store/types.ts';

/** The same filter the store's list() takes. */
type WaitFilter = NonNullable<ListOptions['filter']>;

interface Waiter {
  filter: WaitFilter;
  /** Matches still missing. */
  remaining: number;
  resolve: (satisfied: boolean) => void;
  timer: NodeJS.Timeout;
}

export class WaitRegistry {
  private waiters = new Set<Waiter>();
  private unsubscribe: () => void;

  constructor(private readonly store: Store) {
    this.unsubscribe = store.subscribe((event) => {
      if (event.type !== 'new' || !this.waiters.size) return;
      for (const waiter of this.waiters) {
        if (!waiter.filter(event.message, event.search)) continue;
        waiter.remaining -= 1;
        if (waiter.remaining <= 0) this.settle(waiter, true);
      }
    });
  }

  /** Open waits, for /api/v1/info and for tests that check a dropped client leaves nothing behind. */
  get size(): number {
    return this.waiters.size;
  }

  /**
   * Resolves true once `count` messages match (at once when they already do), false after `timeoutMs`. `cancel`
   * ends the wait early (the client went away) and resolves false.
   */
  wait(filter: WaitFilter, count: number, timeoutMs: number): { done: Promise<boolean>; cancel: () => void } {
    const already = this.store.list({ limit: 0, filter }).total;
    if (already >= count) return { done: Promise.resolve(true), cancel: () => {} };
    let waiter!: Waiter;
    const done = new Promise<boolean>((resolve) => {
      waiter = { filter, remaining: count - already, resolve, timer: setTimeout(() => this.settle(waiter, false), timeoutMs) };
    });
    this.waiters.add(waiter);
    return { done, cancel: () => this.settle(waiter, false) };
  }

  private settle(waiter: Waiter, satisfied: boolean): void {
    if (!this.waiters.delete(waiter)) return;
    clearTimeout(waiter.timer);
    waiter.resolve(satisfied);
  }

  close(): void {
    this.unsubscribe();
    for (const waiter of [...this.waiters]) this.settle(waiter, false);
  }
}

// One cache for every check report, keyed by message ID + check (+ variant, e.g. the link check's follow flag).
// Bounded LRU; entries leave when their message is deleted, pruned or truncated; concurrent requests for the same
// report share one computation. A failed computation is not kept, so the next request tries again.
import type { Store } from '../store/types.ts';

export type CheckName = 'html-check' | 'sa-check' | 'link-check' | 'auth-check';

export interface CacheKey {
  id: string;
  check: CheckName;
  /** Distinguishes reports of one check computed with different options. */
  variant?: string;
}

export interface CacheOptions {
  /** Reports kept at most; the least recently used go first. */
  maxEntries?: number;
}

const DEFAULT_MAX_ENTRIES = 4000;

export class CheckCache {
  private readonly max: number;
  /** Map iteration order is insertion order: re-inserting on a hit keeps the oldest first. */
  private readonly done = new Map<string, unknown>();
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private readonly computed = new Map<CheckName, number>();

  constructor(options: CacheOptions = {}) {
    this.max = Math.max(1, options.maxEntries ?? DEFAULT_MAX_ENTRIES);
  }

  /**
   * The cached report, or the one being computed, or a new computation. `refresh` skips a finished report (not one
   * in flight: that one is already fresh).
   */
  get<T>(key: CacheKey, compute: () => Promise<T>, refresh = false): Promise<T> {
    const k = keyOf(key);
    const pending = this.inFlight.get(k);
    if (pending) return pending as Promise<T>;
    if (!refresh && this.done.has(k)) {
      const value = this.done.get(k) as T;
      this.done.delete(k);
      this.done.set(k, value);
      return Promise.resolve(value);
    }
    this.computed.set(key.check, (this.computed.get(key.check) ?? 0) + 1);
    const promise = compute().then(
      (value) => {
        // Evicted while computing (message deleted): answer this caller, keep nothing.
        if (this.inFlight.get(k) === promise) {
          this.inFlight.delete(k);
          this.store(k, value);
        }
        return value;
      },
      (err: unknown) => {
        if (this.inFlight.get(k) === promise) this.inFlight.delete(k);
        throw err;
      },
    );
    this.inFlight.set(k, promise);
    return promise;
  }

  /** How many computations a check has started: the proof that a report is computed once. */
  computations(check: CheckName): number {
    return this.computed.get(check) ?? 0;
  }

  get size(): number {
    return this.done.size;
  }

  evict(ids: Iterable<string>): void {
    const gone = new Set(ids);
    if (gone.size === 0) return;
    for (const map of [this.done, this.inFlight]) {
      for (const k of map.keys()) if (gone.has(idOf(k))) map.delete(k);
    }
  }

  clear(): void {
    this.done.clear();
    this.inFlight.clear();
  }

  /** Follows the store: deleted, pruned and truncated messages leave the cache. Returns the unsubscribe. */
  follow(store: Pick<Store, 'subscribe'>): () => void {
    return store.subscribe((event) => {
      if (event.type === 'delete' || event.type === 'prune') this.evict(event.ids);
      else if (event.type === 'truncate') this.clear();
    });
  }

  private store(k: string, value: unknown): void {
    this.done.set(k, value);
    while (this.done.size > this.max) this.done.delete(this.done.keys().next().value!);
  }
}

// Message IDs are base62 (and "latest" is resolved before the cache), so a NUL cannot occur inside one.
function keyOf({ id, check, variant = '' }: CacheKey): string {
  return `${id}\0${check}\0${variant}`;
}

function idOf(key: string): string {
  return key.slice(0, key.indexOf('\0'));
}

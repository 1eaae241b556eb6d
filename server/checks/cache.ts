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
  /**
   * The keys (done or in flight) of each message. A full store prunes on every add, so eviction must cost what the
   * pruned messages have cached, not a walk over the whole cache.
   */
  private readonly keysById = new Map<string, Set<string>>();
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
        if (this.inFlight.get(k) === promise) {
          this.inFlight.delete(k);
          this.untrack(k);
        }
        throw err;
      },
    );
    this.inFlight.set(k, promise);
    this.track(k, key.id);
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
    for (const id of ids) {
      const keys = this.keysById.get(id);
      if (!keys) continue;
      for (const k of keys) {
        this.done.delete(k);
        this.inFlight.delete(k);
      }
      this.keysById.delete(id);
    }
  }

  clear(): void {
    this.done.clear();
    this.inFlight.clear();
    this.keysById.clear();
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
    while (this.done.size > this.max) {
      const oldest = this.done.keys().next().value!;
      this.done.delete(oldest);
      this.untrack(oldest);
    }
  }

  private track(k: string, id: string): void {
    let keys = this.keysById.get(id);
    if (!keys) this.keysById.set(id, (keys = new Set()));
    keys.add(k);
  }

  /** Forgets a key that is neither done nor in flight any more. */
  private untrack(k: string): void {
    if (this.done.has(k) || this.inFlight.has(k)) return;
    const id = idOf(k);
    const keys = this.keysById.get(id);
    if (!keys) return;
    keys.delete(k);
    if (!keys.size) this.keysById.delete(id);
  }
}

// Message IDs are base62 (and "latest" is resolved before the cache), so a NUL cannot occur inside one.
function keyOf({ id, check, variant = '' }: CacheKey): string {
  return `${id}\0${check}\0${variant}`;
}

function idOf(key: string): string {
  return key.slice(0, key.indexOf('\0'));
}

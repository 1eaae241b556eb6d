// The index: summaries, flags, tags, inbox and where each message's bytes live, kept in one lowdb JSON file.
// It is a cache of what the segments hold, so writes are coalesced (at most one rewrite per interval) rather than
// one per message; after a crash the store rebuilds whatever the index had not yet recorded.
import { promises as fsp } from 'node:fs';
import { Low } from 'lowdb';
import { DataFile } from 'lowdb/node';
import type { Location } from './segment-log.ts';
import type { MessageSummary } from './types.ts';

export interface IndexEntry {
  summary: MessageSummary;
  location: Location;
}

export interface IndexData {
  version: 1;
  /** In arrival order. */
  messages: IndexEntry[];
  /** IDs deleted from the index whose bytes still sit in a segment awaiting compaction, by segment number. */
  dead: Record<string, string[]>;
}

const EMPTY = (): IndexData => ({ version: 1, messages: [], dead: {} });

export class IndexFile {
  private readonly db: Low<IndexData>;
  private readonly path: string;
  private readonly delayMs: number;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;
  private dirty = false;
  private waiters: Array<() => void> = [];
  private lastWriteMs = 0;

  constructor(path: string, options: { delayMs?: number } = {}) {
    this.path = path;
    this.delayMs = options.delayMs ?? 200;
    // Compact JSON: pretty-printing would double the file and the time spent writing it.
    this.db = new Low(new DataFile<IndexData>(path, { parse: JSON.parse, stringify: (d) => JSON.stringify(d) }), EMPTY());
  }

  /** Loads the file. A file that will not parse is set aside and the index starts empty, to be rebuilt from disk. */
  async load(): Promise<{ data: IndexData; recovered: string | null }> {
    try {
      await this.db.read();
      const data = this.db.data;
      if (!data || data.version !== 1 || !Array.isArray(data.messages)) throw new Error('unrecognised index format');
      data.dead ??= {};
      return { data, recovered: null };
    } catch (err) {
      const aside = `${this.path}.corrupt-${Date.now()}`;
      await fsp.rename(this.path, aside).catch(() => {});
      this.db.data = EMPTY();
      return { data: this.db.data, recovered: `index unreadable (${(err as Error).message}); rebuilding from segments, old file kept as ${aside}` };
    }
  }

  get data(): IndexData {
    return this.db.data;
  }

  /**
   * Schedules a coalesced write. The wait grows with the cost of the last write (10x), so rewriting a large index
   * never takes more than about a tenth of the process's time under sustained load.
   */
  markDirty(): void {
    this.dirty = true;
    if (!this.timer && !this.writing) {
      this.timer = setTimeout(() => void this.writeNow(), Math.max(this.delayMs, this.lastWriteMs * 10));
      this.timer.unref();
    }
  }

  /** Resolves once everything marked dirty so far is on disk. */
  flush(): Promise<void> {
    if (!this.dirty && !this.writing) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      if (!this.writing) void this.writeNow();
    });
  }

  private async writeNow(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.writing) return;
    while (this.dirty) {
      this.dirty = false;
      const waiters = this.waiters;
      this.waiters = [];
      const started = Date.now();
      this.writing = this.db.write();
      try {
        await this.writing;
        this.lastWriteMs = Date.now() - started;
      } catch (err) {
        // The segments still hold every message; the next write or start-up catches the index up.
        console.error(`mailcove: index write failed: ${(err as Error).message}`);
        this.dirty = true;
        this.writing = null;
        waiters.forEach((w) => w());
        return;
      } finally {
        this.writing = null;
      }
      waiters.forEach((w) => w());
    }
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((w) => w());
  }
}

// What changes after arrival (read flags, tags set through the API, deletions awaiting compaction), kept in one
// small lowdb JSON file. Summaries are not here: they are written once, with the raw bytes, in the segment
// record header, so adding a message never rewrites this file. Writes are coalesced (at most one per interval).
import { promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Low, type Adapter } from 'lowdb';
import { syncDir } from './sync-dir.ts';

export interface StateData {
  version: 3;
  /** IDs of messages marked read. */
  read: string[];
  /** Tags that differ from those a message arrived with, by ID. */
  tags: Record<string, string[]>;
  /** IDs deleted but still present in a segment awaiting compaction, by segment number. */
  dead: Record<string, string[]>;
}

export const emptyState = (): StateData => ({ version: 3, read: [], tags: {}, dead: {} });

export class StateFile {
  private readonly db: Low<StateData>;
  private readonly path: string;
  private readonly delayMs: number;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;
  private dirty = false;
  private waiters: Array<() => void> = [];

  /** `snapshot` builds the data to write from the store's memory at write time. */
  constructor(path: string, private readonly snapshot: () => StateData, options: { delayMs?: number } = {}) {
    this.path = path;
    this.delayMs = options.delayMs ?? 200;
    this.db = new Low(new DurableJsonFile<StateData>(path), emptyState());
  }

  /** Loads the file. One that will not parse is set aside; the store then starts with every message unread. */
  async load(): Promise<{ data: StateData; problem: string | null }> {
    try {
      await this.db.read();
      const data = this.db.data;
      if (!data || data.version !== 3 || !Array.isArray(data.read)) throw new Error('unrecognised state format');
      data.tags ??= {};
      data.dead ??= {};
      return { data, problem: null };
    } catch (err) {
      const aside = `${this.path}.corrupt-${Date.now()}`;
      await fsp.rename(this.path, aside).catch(() => {});
      return { data: emptyState(), problem: `state file unreadable (${(err as Error).message}); read flags and tags reset, old file kept as ${aside}` };
    }
  }

  /** Schedules a coalesced write. */
  markDirty(): void {
    this.dirty = true;
    if (!this.timer && !this.writing) {
      this.timer = setTimeout(() => void this.writeNow(), this.delayMs);
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
    const waiters = this.waiters;
    this.waiters = [];
    this.dirty = false;
    this.db.data = this.snapshot();
    this.writing = this.db.write().catch((err: Error) => {
      // The next change or flush retries; messages themselves are safe in the segments.
      console.error(`mailcove: state write failed: ${err.message}`);
      this.dirty = true;
    });
    await this.writing;
    this.writing = null;
    waiters.forEach((w) => w());
    // Changes made during the write: someone waiting gets them now, otherwise after the usual delay.
    if (this.waiters.length) void this.writeNow();
    else if (this.dirty) {
      this.dirty = false;
      this.markDirty();
    }
  }
}

/**
 * lowdb's own file adapter (steno) writes a temporary file and renames it, but flushes neither, so after a power
 * cut the rename can be on disk before the data: an empty state file, and deleted messages back from the dead.
 * This one flushes the data before the rename and the folder after it. StateFile never runs two writes at once,
 * so it needs none of steno's queueing.
 */
class DurableJsonFile<T> implements Adapter<T> {
  private readonly temp: string;

  constructor(private readonly path: string) {
    this.temp = join(dirname(path), `.${basename(path)}.tmp`);
  }

  async read(): Promise<T | null> {
    try {
      return JSON.parse(await fsp.readFile(this.path, 'utf8')) as T;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async write(data: T): Promise<void> {
    const file = await fsp.open(this.temp, 'w');
    try {
      await file.writeFile(JSON.stringify(data));
      await file.datasync();
    } finally {
      await file.close();
    }
    await fsp.rename(this.temp, this.path);
    await syncDir(dirname(this.path));
  }
}

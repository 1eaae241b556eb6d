// The segment-file Store: raw messages in append-only segments (the truth), summaries in a lowdb index (a cache).
// Summaries live in memory; bodies are read from disk on demand.
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { IndexFile, type IndexEntry } from './index-file.ts';
import { newMessageId } from './message-id.ts';
import { PREFIX_SIZE, TRAILER_SIZE } from './record.ts';
import { messagesToPrune, type RetentionLimits } from './retention.ts';
import { SegmentLog, type Location, type ScannedRecord } from './segment-log.ts';
import {
  NotFoundError,
  type ListOptions,
  type ListResult,
  type MessageSummary,
  type NewMessage,
  type Store,
  type StoreEvent,
  type Summarise,
} from './types.ts';

export interface DiskStoreOptions extends RetentionLimits {
  dir: string;
  summarise: Summarise;
  /** Bytes after which a new segment file is started. */
  segmentSize?: number;
  /** How long index writes are coalesced. */
  indexDelayMs?: number;
  log?: (line: string) => void;
}

export interface OpenReport {
  indexed: number;
  recovered: number;
  dropped: number;
  truncatedBytes: number;
}

const recordLength = (l: Location): number => PREFIX_SIZE + l.headerLength + l.bodyLength + TRAILER_SIZE;
/** A sealed segment is rewritten once at least this share of it is deleted messages. */
const COMPACT_DEAD_SHARE = 0.5;
const COMPACT_DEBOUNCE_MS = 1000;

export class DiskStore implements Store {
  private readonly options: DiskStoreOptions;
  private readonly segments: SegmentLog;
  private readonly index: IndexFile;
  /** Same entries as index.data.messages, by ID. */
  private byId = new Map<string, IndexEntry>();
  private listeners = new Set<(event: StoreEvent) => void>();
  private ageTimer: NodeJS.Timeout | null = null;
  private compacting: Promise<void> | null = null;
  private compactTimer: NodeJS.Timeout | null = null;
  private compactAgain = false;
  /** Adds whose bytes may be on disk but whose entry is not yet in the index. */
  private inflight = new Set<Promise<unknown>>();
  private pruneChain: Promise<unknown> = Promise.resolve();
  private pruneQueued: Promise<string[]> | null = null;
  lastOpen: OpenReport | null = null;

  constructor(options: DiskStoreOptions) {
    this.options = options;
    this.segments = new SegmentLog(join(options.dir, 'segments'), { segmentSize: options.segmentSize });
    this.index = new IndexFile(join(options.dir, 'index.json'), { delayMs: options.indexDelayMs });
  }

  private get entries(): IndexEntry[] {
    return this.index.data.messages;
  }

  private log(line: string): void {
    (this.options.log ?? ((l: string) => console.error(l)))(`store: ${line}`);
  }

  async open(): Promise<void> {
    const segmentNumbers = await this.segments.open();
    const { recovered: indexProblem } = await this.index.load();
    if (indexProblem) this.log(indexProblem);
    this.lastOpen = await this.reconcile(segmentNumbers);
    const { recovered, dropped, truncatedBytes } = this.lastOpen;
    if (recovered || dropped || truncatedBytes) {
      this.log(`reconciled: ${recovered} recovered from segments, ${dropped} index entries dropped, ${truncatedBytes} torn bytes cut`);
    }
    await this.prune();
    await this.index.flush();
    if (this.options.maxAgeMs) {
      this.ageTimer = setInterval(() => void this.prune(), Math.min(60_000, this.options.maxAgeMs));
      this.ageTimer.unref();
    }
    this.scheduleCompaction();
  }

  /**
   * Makes the index agree with the segments: records the index lacks are parsed and added, entries whose bytes
   * are gone are dropped, and a torn tail from a crash (never acknowledged) is cut off.
   */
  private async reconcile(segmentNumbers: number[]): Promise<OpenReport> {
    const data = this.index.data;
    const known = new Map(data.messages.map((e) => [e.summary.ID, e]));
    const seen = new Set<string>();
    const unknown: ScannedRecord[] = [];
    let truncatedBytes = 0;
    for (const segment of segmentNumbers) {
      const dead = new Set(data.dead[segment] ?? []);
      const stillDead = new Set<string>();
      const { goodLength, fileLength } = await this.segments.scan(segment, (record) => {
        const id = record.header.id;
        const entry = known.get(id);
        if (entry && sameLocation(entry.location, record.location)) seen.add(id);
        else if (dead.has(id)) stillDead.add(id);
        else if (!entry) unknown.push(record);
        // else: a leftover copy from an interrupted compaction; the index points at the other one.
      });
      let cutAt = goodLength;
      for (const record of unknown.filter((r) => r.location.segment === segment)) {
        if (record.location.offset >= cutAt) break;
        if (!(await this.segments.readVerified(record.location))) cutAt = record.location.offset;
      }
      if (cutAt < fileLength) {
        truncatedBytes += fileLength - cutAt;
        await this.segments.truncate(segment, cutAt);
      }
      if (stillDead.size) data.dead[segment] = [...stillDead];
      else delete data.dead[segment];
      for (let i = unknown.length - 1; i >= 0; i--) {
        const r = unknown[i]!;
        if (r.location.segment === segment && r.location.offset >= cutAt) unknown.splice(i, 1);
      }
    }
    for (const key of Object.keys(data.dead)) if (!segmentNumbers.includes(Number(key))) delete data.dead[key];

    const kept = data.messages.filter((e) => seen.has(e.summary.ID));
    const dropped = data.messages.length - kept.length;
    for (const record of unknown) {
      const body = await this.segments.readBody(record.location);
      const { id, created, meta } = record.header;
      const summary = await this.options.summarise(body, meta, id, new Date(created));
      kept.push({ summary, location: record.location });
    }
    kept.sort((a, b) => compareIds(a.summary.ID, b.summary.ID));
    data.messages = kept;
    this.byId = new Map(kept.map((e) => [e.summary.ID, e]));
    if (unknown.length || dropped || truncatedBytes) this.index.markDirty();
    return { indexed: kept.length, recovered: unknown.length, dropped, truncatedBytes };
  }

  async close(): Promise<void> {
    if (this.ageTimer) clearInterval(this.ageTimer);
    await this.pruneChain;
    await this.settle();
    if (this.compactTimer) clearTimeout(this.compactTimer);
    await this.segments.drain();
    await this.index.flush();
    await this.segments.close();
  }

  add(message: NewMessage): Promise<MessageSummary> {
    const task = this.addNow(message);
    this.inflight.add(task);
    void task.finally(() => this.inflight.delete(task)).catch(() => {});
    return task;
  }

  private async addNow({ raw, meta }: NewMessage): Promise<MessageSummary> {
    const id = newMessageId();
    const created = new Date();
    // Parsing and the durable write run side by side; the caller's 250 waits for both.
    const [location, summary] = await Promise.all([
      this.segments.append({ id, created: created.getTime(), meta }, raw),
      this.options.summarise(raw, meta, id, created),
    ]);
    const entry: IndexEntry = { summary, location };
    insertSorted(this.entries, entry);
    this.byId.set(id, entry);
    this.index.markDirty();
    this.emit({ type: 'new', message: summary });
    if (this.options.maxMessages && this.entries.length > this.options.maxMessages) void this.prune();
    return summary;
  }

  /**
   * Returns a segment number below which no segment will be written again and every record is indexed: the
   * current segment is sealed first, then adds that may have written before the seal are waited for.
   */
  private async sealForMaintenance(): Promise<number> {
    await this.segments.roll();
    const sealedBelow = this.segments.currentSegment;
    await Promise.allSettled([...this.inflight]);
    return sealedBelow;
  }

  get(id: string): MessageSummary | undefined {
    return this.byId.get(id)?.summary;
  }

  count(): number {
    return this.entries.length;
  }

  list({ start = 0, limit = 50, filter }: ListOptions = {}): ListResult {
    const messages: MessageSummary[] = [];
    let total = 0;
    let unread = 0;
    const entries = this.entries;
    for (let i = entries.length - 1; i >= 0; i--) {
      const summary = entries[i]!.summary;
      if (filter && !filter(summary)) continue;
      if (total >= start && messages.length < limit) messages.push(summary);
      total += 1;
      if (!summary.Read) unread += 1;
    }
    return { total, unread, messages };
  }

  private location(id: string): Location {
    const entry = this.byId.get(id);
    if (!entry) throw new NotFoundError(id);
    return entry.location;
  }

  readRaw(id: string): Promise<Buffer> {
    try {
      return this.segments.readBody(this.location(id));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  rawStream(id: string): Readable {
    return this.segments.bodyStream(this.location(id));
  }

  async setRead(ids: string[], read: boolean): Promise<string[]> {
    const changed = this.update(ids, (s) => {
      if (s.Read === read) return false;
      s.Read = read;
      return true;
    });
    if (changed.length) this.emit({ type: 'update', ids: changed, read });
    return changed;
  }

  async setTags(ids: string[], tags: string[]): Promise<string[]> {
    const sorted = [...new Set(tags)].sort((a, b) => a.localeCompare(b));
    const changed = this.update(ids, (s) => {
      if (s.Tags.join('\0') === sorted.join('\0')) return false;
      s.Tags = [...sorted];
      return true;
    });
    if (changed.length) this.emit({ type: 'update', ids: changed, tags: sorted });
    return changed;
  }

  private update(ids: string[], change: (summary: MessageSummary) => boolean): string[] {
    const changed: string[] = [];
    for (const id of new Set(ids)) {
      const entry = this.byId.get(id);
      if (entry && change(entry.summary)) changed.push(id);
    }
    if (changed.length) this.index.markDirty();
    return changed;
  }

  async delete(ids: string[]): Promise<string[]> {
    // A delete is answered only once the index has forgotten the message, so a crash cannot bring it back.
    const removed = await this.remove(ids, { durable: true });
    if (removed.length) this.emit({ type: 'delete', ids: removed });
    return removed;
  }

  private async remove(ids: string[], { durable }: { durable: boolean }): Promise<string[]> {
    const data = this.index.data;
    const removed: string[] = [];
    for (const id of new Set(ids)) {
      const entry = this.byId.get(id);
      if (!entry) continue;
      this.byId.delete(id);
      (data.dead[entry.location.segment] ??= []).push(id);
      removed.push(id);
    }
    if (!removed.length) return removed;
    const gone = new Set(removed);
    data.messages = data.messages.filter((e) => !gone.has(e.summary.ID));
    this.index.markDirty();
    if (durable) await this.index.flush();
    this.scheduleCompaction();
    return removed;
  }

  /** Removes every message. Mail that arrives while this runs lands in a fresh segment and is kept. */
  async deleteAll(): Promise<void> {
    await this.settle();
    const sealedBelow = await this.sealForMaintenance();
    const data = this.index.data;
    for (const entry of data.messages) if (entry.location.segment < sealedBelow) this.byId.delete(entry.summary.ID);
    data.messages = data.messages.filter((e) => e.location.segment >= sealedBelow);
    for (const key of Object.keys(data.dead)) if (Number(key) < sealedBelow) delete data.dead[key];
    this.index.markDirty();
    await this.index.flush();
    for (const segment of await this.segments.list()) if (segment < sealedBelow) await this.segments.remove(segment);
    this.emit({ type: 'truncate' });
  }

  /**
   * Prunes run one at a time, so awaiting prune() also waits for one that an add started in the background.
   * Calls without an explicit time that arrive while one is queued share it.
   */
  prune(now?: Date): Promise<string[]> {
    if (!now && this.pruneQueued) return this.pruneQueued;
    const run = this.pruneChain.then(() => {
      if (!now) this.pruneQueued = null;
      return this.pruneNow(now ?? new Date());
    });
    this.pruneChain = run.catch(() => {});
    if (!now) this.pruneQueued = run;
    return run;
  }

  private async pruneNow(now: Date): Promise<string[]> {
    const ids = messagesToPrune(this.entries.map((e) => e.summary), this.options, now);
    if (!ids.length) return [];
    // Not flushed at once: were a crash to bring pruned mail back, the prune at the next start removes it again.
    const removed = await this.remove(ids, { durable: false });
    if (removed.length) this.emit({ type: 'prune', ids: removed });
    return removed;
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: StoreEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.log(`event listener failed: ${(err as Error).message}`);
      }
    }
  }

  /** Runs any scheduled compaction now and resolves once compaction (and any it triggered) has finished. */
  async settle(): Promise<void> {
    if (this.compactTimer) {
      clearTimeout(this.compactTimer);
      this.compactTimer = null;
      this.runCompaction();
    }
    while (this.compacting) await this.compacting;
  }

  /** Compaction is debounced: under sustained deletes or pruning it runs about once a second, not once per call. */
  private scheduleCompaction(): void {
    if (this.compacting) {
      this.compactAgain = true;
      return;
    }
    if (this.compactTimer) return;
    this.compactTimer = setTimeout(() => {
      this.compactTimer = null;
      this.runCompaction();
    }, COMPACT_DEBOUNCE_MS);
    this.compactTimer.unref();
  }

  private runCompaction(): void {
    this.compacting = (async () => {
      try {
        await this.compact();
      } catch (err) {
        this.log(`compaction failed: ${(err as Error).message}`);
      }
      this.compacting = null;
      if (this.compactAgain) {
        this.compactAgain = false;
        this.scheduleCompaction();
      }
    })();
  }

  /**
   * Gives disk space back: a segment with no live messages is removed, and one that is mostly deleted messages
   * has its live records copied forward and is then removed. Deleted mail does not linger on disk.
   */
  private async compact(): Promise<void> {
    // Only sealed segments are touched, once every add that may have written to them is indexed.
    const sealedBelow = this.segments.currentSegment;
    await Promise.allSettled([...this.inflight]);
    const live = new Map<number, { bytes: number; entries: IndexEntry[] }>();
    for (const entry of this.entries) {
      const seg = live.get(entry.location.segment) ?? { bytes: 0, entries: [] };
      seg.bytes += recordLength(entry.location);
      seg.entries.push(entry);
      live.set(entry.location.segment, seg);
    }
    for (const segment of await this.segments.list()) {
      if (segment >= sealedBelow) continue;
      const size = await this.segments.size(segment);
      const seg = live.get(segment);
      if (seg && 1 - seg.bytes / size < COMPACT_DEAD_SHARE) continue;
      if (seg) {
        // Copy live records forward. If a crash interrupts this, the index still points at the old copies.
        for (const entry of seg.entries) {
          const id = entry.summary.ID;
          if (this.byId.get(id) !== entry) continue;
          const record = await this.segments.readVerified(entry.location);
          if (!record) throw new Error(`record ${id} failed its checksum in segment ${segment}`);
          const moved = await this.segments.append(record.header, record.body);
          // Deleted while being copied: the new copy must not come back at the next start.
          if (this.byId.get(id) !== entry) (this.index.data.dead[moved.segment] ??= []).push(id);
          else entry.location = moved;
        }
        this.index.markDirty();
      }
      delete this.index.data.dead[segment];
      this.index.markDirty();
      await this.index.flush();
      await this.segments.remove(segment);
    }
  }
}

function sameLocation(a: Location, b: Location): boolean {
  return a.segment === b.segment && a.offset === b.offset && a.bodyLength === b.bodyLength;
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Keeps entries in ID (arrival) order; concurrent adds finish nearly in order, so this is almost always a push. */
function insertSorted(entries: IndexEntry[], entry: IndexEntry): void {
  let i = entries.length;
  while (i > 0 && compareIds(entries[i - 1]!.summary.ID, entry.summary.ID) > 0) i--;
  entries.splice(i, 0, entry);
}

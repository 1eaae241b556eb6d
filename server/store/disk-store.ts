// The segment-file Store. Raw messages and their arrival summaries live in append-only segments (the truth);
// what changes later (read flags, tags, deletions) lives in a small lowdb state file. Summaries are held in
// memory; bodies are read from disk on demand.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { newMessageId } from './message-id.ts';
import { parsedFromSummary, PREFIX_SIZE, summaryRecord, TRAILER_SIZE, type MessageHeader, type Parsed } from './record.ts';
import { countToPrune, type RetentionLimits } from './retention.ts';
import { SegmentLog, type Location } from './segment-log.ts';
import { StateFile, type StateData } from './state-file.ts';
import { StringPool } from './string-pool.ts';
import {
  NotFoundError,
  type AddOptions,
  type ListOptions,
  type ListResult,
  type MessageSummary,
  type NewMessage,
  type SearchFields,
  type Store,
  type StoreEvent,
  type Summarise,
} from './types.ts';

export interface DiskStoreOptions extends RetentionLimits {
  dir: string;
  summarise: Summarise;
  /** Bytes after which a new segment file is started. */
  segmentSize?: number;
  /** How long state-file writes are coalesced. */
  stateDelayMs?: number;
  log?: (line: string) => void;
}

export interface OpenReport {
  messages: number;
  /** Copies left behind by an interrupted compaction, ignored. */
  duplicates: number;
  truncatedBytes: number;
  /** Messages whose summary record was missing (a crash right after their 250), parsed again. */
  reparsed: number;
  /** Milliseconds spent opening. */
  ms: number;
}

interface Entry {
  summary: MessageSummary;
  search: SearchFields;
  location: Location;
  /** Tags the message arrived with, to tell API edits apart. */
  arrivalTags: string[];
  /** Size of the message's separate summary record (0 when the summary is inside the message record). */
  summaryBytes: number;
}

const recordLength = (l: Location): number => PREFIX_SIZE + l.headerLength + l.bodyLength + TRAILER_SIZE;
/** Disk bytes that stay while the message lives; its summary record is counted as if it sat beside it. */
const liveBytes = (e: Entry): number => recordLength(e.location) + e.summaryBytes;
/** A sealed segment is rewritten once at least this share of it is deleted messages. */
const COMPACT_DEAD_SHARE = 0.5;
const COMPACT_DEBOUNCE_MS = 1000;
/**
 * Acknowledged-but-unparsed messages hold their raw bytes in memory. Past these bounds an add parses before it
 * acknowledges again, so a parse that falls behind slows the clients down instead of growing memory.
 */
const MAX_UNINDEXED = 100;
const MAX_UNINDEXED_BYTES = 32 * 1024 * 1024;

export class DiskStore implements Store {
  private readonly options: DiskStoreOptions;
  private readonly segments: SegmentLog;
  private readonly state: StateFile;
  /** In arrival (ID) order. */
  private entries: Entry[] = [];
  private byId = new Map<string, Entry>();
  /** IDs deleted but still in a segment, by segment; persisted so a restart cannot bring them back. */
  private dead = new Map<number, Set<string>>();
  private listeners = new Set<(event: StoreEvent) => void>();
  private ageTimer: NodeJS.Timeout | null = null;
  private compacting: Promise<void> | null = null;
  private compactTimer: NodeJS.Timeout | null = null;
  private compactAgain = false;
  /** Adds whose bytes may be on disk but whose entry is not yet in memory. */
  private inflight = new Set<Promise<unknown>>();
  /** Adds already acknowledged (onDurable called) and still being parsed; see indexed(). */
  private unindexed = new Set<Promise<unknown>>();
  private unindexedBytes = 0;
  /** Repeated strings of this store's summaries, shared (see string-pool.ts). */
  private readonly pool = new StringPool();
  private pruneChain: Promise<unknown> = Promise.resolve();
  private pruneQueued: Promise<string[]> | null = null;
  lastOpen: OpenReport | null = null;

  constructor(options: DiskStoreOptions) {
    this.options = options;
    this.segments = new SegmentLog(join(options.dir, 'segments'), { segmentSize: options.segmentSize });
    this.state = new StateFile(join(options.dir, 'state.json'), () => this.stateSnapshot(), { delayMs: options.stateDelayMs });
  }

  private log(line: string): void {
    (this.options.log ?? ((l: string) => console.error(l)))(`store: ${line}`);
  }

  async open(): Promise<void> {
    const started = Date.now();
    const segmentNumbers = await this.segments.open();
    const { data, problem } = await this.state.load();
    if (problem) this.log(problem);
    this.lastOpen = await this.rebuild(segmentNumbers, data);
    this.lastOpen.ms = Date.now() - started;
    const { duplicates, truncatedBytes } = this.lastOpen;
    if (duplicates || truncatedBytes) this.log(`recovered: ${duplicates} duplicate copies ignored, ${truncatedBytes} torn bytes cut`);
    await this.prune();
    await this.state.flush();
    if (this.options.maxAgeMs) {
      this.ageTimer = setInterval(() => void this.prune(), Math.min(60_000, this.options.maxAgeMs));
      this.ageTimer.unref();
    }
    this.scheduleCompaction();
  }

  /**
   * Builds the in-memory index from the segments, then applies the saved state. Only the newest segment can hold
   * a torn record (older ones were sealed after a completed flush), so only its checksums are verified, and a
   * torn tail (never acknowledged) is cut off.
   */
  private async rebuild(segmentNumbers: number[], state: StateData): Promise<OpenReport> {
    const deadIds = new Set(Object.values(state.dead).flat());
    const newest = segmentNumbers[segmentNumbers.length - 1];
    let duplicates = 0;
    let truncatedBytes = 0;
    /** Messages whose summary is in a separate record; filled in as those records are met. */
    const unparsed = new Map<string, { header: MessageHeader; location: Location }>();
    for (const segment of segmentNumbers) {
      const stillDead = new Set<string>();
      const { goodLength, fileLength, tornBytes } = this.segments.scan(
        segment,
        ({ header, location, body }) => {
          if (deadIds.has(header.id)) {
            if (header.kind === undefined) stillDead.add(header.id);
          } else if (header.kind === 'summary') {
            const waiting = unparsed.get(header.id);
            const text = waiting && body();
            if (waiting && text) {
              unparsed.delete(header.id);
              this.index(header.id, this.newEntry(parsedFromSummary(header, text), waiting.location, recordLength(location)));
            }
          } else if (this.byId.has(header.id) || unparsed.has(header.id)) duplicates++;
          else if (header.summary && header.search) this.index(header.id, this.newEntry({ summary: header.summary, search: header.search }, location, 0));
          else unparsed.set(header.id, { header, location });
        },
        { verify: segment === newest },
      );
      if (goodLength < fileLength) {
        truncatedBytes += tornBytes;
        await this.segments.truncate(segment, goodLength);
      }
      if (stillDead.size) this.dead.set(segment, stillDead);
    }
    // Summary records lost to a crash (or left in a removed segment): parse those messages again, and write the
    // summaries down so the next start does not have to.
    for (const [id, { header, location }] of unparsed) {
      const parsed = await this.options.summarise(await this.segments.readBody(location), header.meta, id, new Date(header.created));
      this.index(id, this.newEntry(parsed, location, this.appendSummary(id, parsed)));
    }
    // Compaction copies records forward, so arrival order is restored by ID.
    this.entries.sort((a, b) => compareIds(a.summary.ID, b.summary.ID));
    for (const id of state.read) {
      const entry = this.byId.get(id);
      if (entry) entry.summary.Read = true;
    }
    for (const [id, tags] of Object.entries(state.tags)) {
      const entry = this.byId.get(id);
      if (entry) entry.summary.Tags = [...tags];
    }
    this.state.markDirty();
    return { messages: this.entries.length, duplicates, truncatedBytes, reparsed: unparsed.size, ms: 0 };
  }

  private index(id: string, entry: Entry): void {
    this.byId.set(id, entry);
    this.entries.push(entry);
  }

  private stateSnapshot(): StateData {
    const read: string[] = [];
    const tags: Record<string, string[]> = {};
    for (const { summary, arrivalTags } of this.entries) {
      if (summary.Read) read.push(summary.ID);
      if (summary.Tags.join('\0') !== arrivalTags.join('\0')) tags[summary.ID] = summary.Tags;
    }
    const dead: Record<string, string[]> = {};
    for (const [segment, ids] of this.dead) if (ids.size) dead[segment] = [...ids];
    return { version: 3, read, tags, dead };
  }

  async close(): Promise<void> {
    if (this.ageTimer) clearInterval(this.ageTimer);
    await this.pruneChain;
    await this.settle();
    if (this.compactTimer) clearTimeout(this.compactTimer);
    await this.segments.drain();
    await this.state.flush();
    await this.segments.close();
  }

  add(message: NewMessage, options: AddOptions = {}): Promise<MessageSummary> {
    const task = this.addNow(message, options.onDurable);
    this.inflight.add(task);
    void task.finally(() => this.inflight.delete(task)).catch(() => {});
    return task;
  }

  indexed(): Promise<void> | undefined {
    if (!this.unindexed.size) return undefined;
    return Promise.allSettled([...this.unindexed]).then(() => undefined);
  }

  private async addNow({ raw, meta }: NewMessage, onDurable?: (id: string) => void): Promise<MessageSummary> {
    const id = newMessageId();
    const created = new Date();
    const appended = this.segments.append({ id, created: created.getTime(), meta }, raw);
    // The parse runs while the write is in flight.
    const parsing = this.options.summarise(raw, meta, id, created);
    if (onDurable && this.unindexed.size < MAX_UNINDEXED && this.unindexedBytes + raw.length <= MAX_UNINDEXED_BYTES) {
      // Acknowledge on durability; the reply does not wait for the parse, and readers wait on indexed() instead.
      parsing.catch(() => {}); // Handled in indexWhenParsed; a rejection before then is not unhandled.
      const location = await appended;
      onDurable(id);
      const indexing = this.indexWhenParsed(id, parsing, location);
      this.unindexed.add(indexing);
      this.unindexedBytes += raw.length;
      void indexing
        .finally(() => {
          this.unindexed.delete(indexing);
          this.unindexedBytes -= raw.length;
        })
        .catch(() => {});
      return indexing;
    }
    // Over the bounds (or no onDurable): the reply waits for the slower of write and parse, not their sum.
    const [location, parsed] = await Promise.all([appended, parsing]);
    const summary = this.insert(id, parsed, location);
    onDurable?.(id);
    return summary;
  }

  private async indexWhenParsed(id: string, parsing: Promise<Parsed>, location: Location): Promise<MessageSummary> {
    try {
      return this.insert(id, await parsing, location);
    } catch (err) {
      // Acknowledged and on disk: the next start-up parses it again (it has no summary record).
      this.log(`indexing message ${id} failed: ${(err as Error).message}`);
      throw err;
    }
  }

  /** Puts a parsed message in the index, queues its summary record and tells subscribers. */
  private insert(id: string, parsed: Parsed, location: Location): MessageSummary {
    const entry = this.newEntry(parsed, location, this.appendSummary(id, parsed));
    insertSorted(this.entries, entry);
    this.byId.set(id, entry);
    this.emit({ type: 'new', message: entry.summary, search: entry.search });
    // After this add's reply has gone out: a full store prunes on every add, and the client should not wait for it.
    if (this.options.maxMessages && this.entries.length > this.options.maxMessages) setImmediate(() => void this.prune());
    return entry.summary;
  }

  private newEntry({ summary, search }: Parsed, location: Location, summaryBytes: number): Entry {
    const pooled = this.pool.summary(summary);
    // Shared with summary.Tags until a tag edit replaces that array; tags are never changed in place.
    return { summary: pooled, search, location, arrivalTags: pooled.Tags, summaryBytes };
  }

  /** Queues the message's summary record (see record.ts); returns its size on disk. */
  private appendSummary(id: string, parsed: Parsed): number {
    const { header, body } = summaryRecord(id, parsed);
    return this.segments.appendLater(header, body);
  }

  get(id: string): MessageSummary | undefined {
    return this.byId.get(id)?.summary;
  }

  latest(filter?: ListOptions['filter']): MessageSummary | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const { summary, search } = this.entries[i]!;
      if (!filter || filter(summary, search)) return summary;
    }
    return undefined;
  }

  count(): number {
    return this.entries.length;
  }

  async diskSize(): Promise<number> {
    let total = await fsp.stat(join(this.options.dir, 'state.json')).then((s) => s.size, () => 0);
    for (const segment of await this.segments.list()) total += await this.segments.size(segment).catch(() => 0);
    return total;
  }

  tagCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const { summary } of this.entries) for (const tag of summary.Tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
    return counts;
  }

  list({ start = 0, limit = 50, filter }: ListOptions = {}): ListResult {
    const messages: MessageSummary[] = [];
    let total = 0;
    let unread = 0;
    const entries = this.entries;
    for (let i = entries.length - 1; i >= 0; i--) {
      const { summary, search } = entries[i]!;
      if (filter && !filter(summary, search)) continue;
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

  async readRaw(id: string): Promise<Buffer> {
    return this.segments.readBody(this.location(id));
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
    const changed = this.update(ids, (s) => {
      if (s.Tags.join('\0') === tags.join('\0')) return false;
      s.Tags = [...tags];
      return true;
    });
    if (changed.length) this.emit({ type: 'update', ids: changed, tags: [...tags] });
    return changed;
  }

  private update(ids: string[], change: (summary: MessageSummary) => boolean): string[] {
    const changed: string[] = [];
    for (const id of new Set(ids)) {
      const entry = this.byId.get(id);
      if (entry && change(entry.summary)) changed.push(id);
    }
    if (changed.length) this.state.markDirty();
    return changed;
  }

  async delete(ids: string[]): Promise<string[]> {
    // A delete is answered only once the state file has recorded it, so a crash cannot bring the message back.
    const { removed, inboxes } = await this.remove(ids, { durable: true });
    if (removed.length) this.emit({ type: 'delete', ids: removed, inboxes });
    return removed;
  }

  /** Returns the removed IDs and, in the same order, the inbox each was in (for inbox-scoped event streams). */
  private async remove(ids: string[], { durable }: { durable: boolean }): Promise<{ removed: string[]; inboxes: string[] }> {
    const removed: string[] = [];
    const inboxes: string[] = [];
    for (const id of new Set(ids)) {
      const entry = this.byId.get(id);
      if (!entry) continue;
      this.byId.delete(id);
      this.markDead(entry.location.segment, id);
      removed.push(id);
      inboxes.push(entry.summary.Inbox);
    }
    if (!removed.length) return { removed, inboxes };
    const gone = new Set(removed);
    // Pruning removes the oldest, a prefix: cut it off without copying the rest when that is the case.
    let prefix = 0;
    while (prefix < this.entries.length && gone.has(this.entries[prefix]!.summary.ID)) prefix++;
    if (prefix === removed.length) this.entries.splice(0, prefix);
    else this.entries = this.entries.filter((e) => !gone.has(e.summary.ID));
    this.state.markDirty();
    if (durable) await this.state.flush();
    this.scheduleCompaction();
    return { removed, inboxes };
  }

  private markDead(segment: number, id: string): void {
    let ids = this.dead.get(segment);
    if (!ids) this.dead.set(segment, (ids = new Set()));
    ids.add(id);
  }

  /**
   * Returns a segment number below which no segment will be written again and every record is in memory: the
   * current segment is sealed first, then adds that may have written before the seal are waited for.
   */
  private async sealForMaintenance(): Promise<number> {
    await this.segments.roll();
    const sealedBelow = this.segments.currentSegment;
    await Promise.allSettled([...this.inflight]);
    return sealedBelow;
  }

  /** Removes every message. Mail that arrives while this runs lands in a fresh segment and is kept. */
  async deleteAll(): Promise<void> {
    await this.settle();
    const sealedBelow = await this.sealForMaintenance();
    for (const entry of this.entries) if (entry.location.segment < sealedBelow) this.byId.delete(entry.summary.ID);
    this.entries = this.entries.filter((e) => e.location.segment >= sealedBelow);
    for (const segment of [...this.dead.keys()]) if (segment < sealedBelow) this.dead.delete(segment);
    this.state.markDirty();
    await this.state.flush();
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
    const entries = this.entries;
    const cut = countToPrune({ length: entries.length, created: (i) => entries[i]!.summary.Created }, this.options, now);
    if (!cut) return [];
    const ids = entries.slice(0, cut).map((e) => e.summary.ID);
    // Not flushed at once: were a crash to bring pruned mail back, the prune at the next start removes it again.
    const { removed, inboxes } = await this.remove(ids, { durable: false });
    if (removed.length) this.emit({ type: 'prune', ids: removed, inboxes });
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
   * Gives disk space back: a sealed segment with no live messages is removed, and one that is mostly deleted
   * messages has its live records copied forward and is then removed. Deleted mail does not linger on disk.
   */
  private async compact(): Promise<void> {
    // Only sealed segments are touched, once every add that may have written to them is in memory.
    const sealedBelow = this.segments.currentSegment;
    await Promise.allSettled([...this.inflight]);
    const live = new Map<number, { bytes: number; entries: Entry[] }>();
    for (const entry of this.entries) {
      const seg = live.get(entry.location.segment) ?? { bytes: 0, entries: [] };
      seg.bytes += liveBytes(entry);
      seg.entries.push(entry);
      live.set(entry.location.segment, seg);
    }
    for (const segment of await this.segments.list()) {
      if (segment >= sealedBelow) continue;
      const size = await this.segments.size(segment);
      const seg = live.get(segment);
      if (seg && 1 - seg.bytes / size < COMPACT_DEAD_SHARE) continue;
      for (const entry of seg?.entries ?? []) {
        // Copy live records forward. If a crash interrupts this, start-up keeps the first copy it meets.
        const id = entry.summary.ID;
        if (this.byId.get(id) !== entry) continue;
        const record = await this.segments.readVerified(entry.location);
        if (!record || record.header.kind !== undefined) throw new Error(`record ${id} failed its checksum in segment ${segment}`);
        // The copy carries its summary inside, so it never depends on a summary record left behind.
        const { created, meta } = record.header;
        const moved = await this.segments.append({ id, created, meta, summary: { ...entry.summary, Read: false, Tags: entry.arrivalTags }, search: entry.search }, record.body);
        // Deleted while being copied: the new copy must not come back at the next start.
        if (this.byId.get(id) !== entry) this.markDead(moved.segment, id);
        else {
          entry.location = moved;
          entry.summaryBytes = 0;
        }
      }
      this.dead.delete(segment);
      this.state.markDirty();
      await this.state.flush();
      await this.segments.remove(segment);
    }
  }
}


function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Keeps entries in ID (arrival) order; concurrent adds finish nearly in order, so this is almost always a push. */
function insertSorted(entries: Entry[], entry: Entry): void {
  let i = entries.length;
  while (i > 0 && compareIds(entries[i - 1]!.summary.ID, entry.summary.ID) > 0) i--;
  entries.splice(i, 0, entry);
}

// The message list as the UI sees it: one search (or every message), newest first, loaded page by page as the user
// scrolls, and kept live from the websocket. Only the pages on screen are ever fetched, so 10,000 messages cost no
// more than 50.
//
// Positions: a page fetched while mail arrives was counted by the server at a different moment than the list now
// holds. Mail only ever arrives at the top, so the difference between the server's count and ours is exactly how far
// the page has moved. Deletions can open gaps anywhere, so they drop in-flight pages (an "epoch") and, when a
// deleted message was not loaded, reload what is on screen.
import { api, ApiError, errorText } from './api.ts';
import { PAGE_SIZE, takeFirstPage } from './first-page.ts';
import type { LiveEvent, MessageSummary, MessagesPage, Target } from './types.ts';

/** Rows beyond the visible ones whose pages are fetched ahead, so scrolling rarely meets a row still loading. */
const LOOKAHEAD = PAGE_SIZE / 2;
/** How long live changes are gathered before the list is updated once for all of them. */
const BATCH_MS = 16;
/** Counts and tags are refreshed this long after the last change. */
const COUNTS_DELAY_MS = 300;

type Row = MessageSummary | undefined;

export class Mailbox {
  /** The search shown ('' = every message). */
  query = $state('');
  /** Messages matching the query, and how many of them are unread. */
  total = $state(0);
  unread = $state(0);
  /** The whole mailbox, for the badge, the title and the favicon. */
  mailboxTotal = $state(0);
  mailboxUnread = $state(0);
  tags = $state.raw<string[]>([]);
  /** Sparse: index i is the i-th match, undefined until its page arrives. */
  rows = $state.raw<Row[]>([]);
  /** The first page of the current query has arrived. */
  ready = $state(false);
  loading = $state(false);
  /** Why the list could not be loaded (a search syntax error, the server being gone). */
  error = $state<string | null>(null);
  /** Bumped when the list is replaced by a new query, so the view can scroll back to the top. */
  generation = $state(0);

  #epoch = 0;
  #inFlight = new Set<number>();
  #visible = { from: 0, to: 0 };
  #arrived: MessageSummary[] = [];
  #arrivedTimer: ReturnType<typeof setTimeout> | undefined;
  #headTimer: ReturnType<typeof setTimeout> | undefined;
  /** Arrivals not yet looked for at the head of a search. */
  #headPending = 0;
  #countsTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(query = '') {
    this.query = query;
    void this.#load([0], true);
  }

  search(query: string): void {
    if (query === this.query && this.ready && !this.error) return;
    this.query = query;
    void this.#load([0], true);
  }

  /** Reloads what is on screen (after a reconnect or an unexplained change), keeping the old rows until it arrives. */
  resync(): void {
    const first = Math.floor(this.#visible.from / PAGE_SIZE);
    const last = Math.floor(Math.max(this.#visible.to - 1, 0) / PAGE_SIZE);
    const pages = new Set([0]);
    for (let page = first; page <= last; page++) pages.add(page);
    void this.#load([...pages], false);
  }

  /** Called by the list view with the rows it is about to show; loads the pages they are on. */
  ensure(from: number, to: number): void {
    this.#visible = { from, to };
    // While the list is being replaced, pages would land in the rows about to be dropped.
    if (!this.ready || this.loading) return;
    const end = Math.min(to + LOOKAHEAD, this.total);
    for (let page = Math.floor(Math.max(0, from - LOOKAHEAD) / PAGE_SIZE); page * PAGE_SIZE < end; page++) {
      if (!this.#inFlight.has(page) && !this.#pageLoaded(page)) void this.#fetchPage(page);
    }
  }

  indexOf(id: string): number {
    return this.rows.findIndex((row) => row?.ID === id);
  }

  /** The row at an index, fetching its page first when needed (prev/next across a page boundary). */
  async at(index: number): Promise<MessageSummary | undefined> {
    if (index < 0 || index >= this.total) return undefined;
    if (!this.rows[index]) await this.#fetchPage(Math.floor(index / PAGE_SIZE));
    return this.rows[index];
  }

  handle(event: LiveEvent): void {
    switch (event.Type) {
      case 'new':
        this.mailboxTotal++;
        if (!event.Data.Read) this.mailboxUnread++;
        this.#arrived.push(event.Data);
        this.#arrivedTimer ??= setTimeout(() => this.#flushArrivals(), BATCH_MS);
        break;
      case 'update':
        this.#patch(event.Data.IDs, { ...(event.Data.Read !== undefined && { Read: event.Data.Read }), ...(event.Data.Tags && { Tags: event.Data.Tags }) });
        break;
      case 'delete':
      case 'prune':
        this.#remove(event.Data.IDs);
        break;
      case 'truncate':
        this.#epoch++;
        this.#inFlight.clear();
        this.rows = [];
        this.total = this.unread = 0;
        break;
      case 'stats':
        this.mailboxTotal = event.Data.Total;
        this.mailboxUnread = event.Data.Unread;
        return;
      default:
        return;
    }
    this.#refreshCountsSoon();
  }

  /** Read state changes show at once; the server's update event confirms them. */
  async setRead(target: Target, read: boolean): Promise<void> {
    if ('ids' in target) this.#patch(target.ids, { Read: read });
    else this.#patch(this.#loadedIds(), { Read: read });
    await api.setRead(target, read);
    this.#refreshCountsSoon();
  }

  async delete(target: Target): Promise<void> {
    await api.delete(target);
    // The delete events remove the rows; a whole-search delete is simplest shown by reloading.
    if (!('ids' in target)) this.resync();
  }

  // ---- loading ------------------------------------------------------------------------------------------

  #pageLoaded(page: number): boolean {
    const end = Math.min((page + 1) * PAGE_SIZE, this.total);
    for (let i = page * PAGE_SIZE; i < end; i++) if (!this.rows[i]) return false;
    return true;
  }

  /** Replaces the list with fresh pages, all at once so nothing on screen flickers. */
  async #load(pages: number[], fresh: boolean): Promise<void> {
    const epoch = ++this.#epoch;
    this.#inFlight.clear();
    this.loading = true;
    const query = this.query;
    try {
      const early = fresh && pages.length === 1 ? takeFirstPage(query) : null;
      const responses = await Promise.all(pages.map((page) => early ?? api.list(query, page * PAGE_SIZE, PAGE_SIZE)));
      if (epoch !== this.#epoch) return;
      const base = responses[0]!;
      const rows: Row[] = new Array<Row>(base.messages_count);
      pages.forEach((page, i) => place(rows, responses[i]!, page * PAGE_SIZE + base.messages_count - responses[i]!.messages_count));
      this.rows = rows;
      this.total = base.messages_count;
      this.#counts(base);
      this.error = null;
      if (fresh) this.generation++;
    } catch (err) {
      if (epoch !== this.#epoch) return;
      this.error = errorText(err, 'Mailcove is not answering. Is it still running?');
      if (fresh || err instanceof ApiError) {
        this.rows = [];
        this.total = this.unread = 0;
      }
    } finally {
      if (epoch === this.#epoch) {
        this.loading = false;
        this.ready = true;
        if (this.#arrived.length) this.#flushArrivals();
      }
    }
  }

  async #fetchPage(page: number): Promise<void> {
    const epoch = this.#epoch;
    this.#inFlight.add(page);
    try {
      const response = await api.list(this.query, page * PAGE_SIZE, PAGE_SIZE);
      if (epoch !== this.#epoch) return;
      const rows = this.rows.slice();
      if (!place(rows, response, page * PAGE_SIZE + this.total - response.messages_count)) return this.resync();
      this.rows = rows;
    } catch {
      // The next scroll or live event asks again.
    } finally {
      if (epoch === this.#epoch) this.#inFlight.delete(page);
    }
  }

  #counts(page: MessagesPage): void {
    this.unread = page.messages_unread;
    this.mailboxTotal = page.total;
    this.mailboxUnread = page.unread;
    this.tags = page.tags;
  }

  #refreshCountsSoon(): void {
    clearTimeout(this.#countsTimer);
    this.#countsTimer = setTimeout(async () => {
      const query = this.query;
      try {
        const page = await api.list(query, 0, 0);
        if (query === this.query) this.#counts(page);
      } catch {
        // Counts catch up on the next change.
      }
    }, COUNTS_DELAY_MS);
  }

  // ---- live changes ---------------------------------------------------------------------------------------

  #flushArrivals(): void {
    clearTimeout(this.#arrivedTimer);
    this.#arrivedTimer = undefined;
    // Mail that arrives while the list is being (re)loaded waits for it: the new rows may or may not include it,
    // and inserting below dedupes either way.
    if (!this.ready || this.loading) return;
    const arrived = this.#arrived.reverse();
    this.#arrived = [];
    if (this.query.trim()) {
      // Only the server knows whether new mail matches a search: ask for the head of the list.
      this.#headPending += arrived.length;
      clearTimeout(this.#headTimer);
      this.#headTimer = setTimeout(() => {
        const arrivals = this.#headPending;
        this.#headPending = 0;
        void this.#refreshHead(arrivals);
      }, BATCH_MS);
      return;
    }
    this.#insertTop(arrived);
  }

  #insertTop(messages: MessageSummary[]): void {
    if (!messages.length) return;
    const known = new Set(this.#loadedIds());
    const fresh = messages.filter((m) => !known.has(m.ID));
    this.rows = [...fresh, ...this.rows];
    this.total += fresh.length;
    this.unread += fresh.filter((m) => !m.Read).length;
  }

  async #refreshHead(arrivals: number): Promise<void> {
    const epoch = this.#epoch;
    const top = this.rows[0]?.ID;
    try {
      const head = await api.list(this.query, 0, Math.min(PAGE_SIZE, arrivals + 1));
      if (epoch !== this.#epoch) return;
      const at = top === undefined ? head.messages.length : head.messages.findIndex((m) => m.ID === top);
      // Our top is gone, or more arrived than one page holds: reload rather than guess.
      if (at < 0 || head.messages_count - this.total !== at) return this.resync();
      this.#insertTop(head.messages.slice(0, at));
    } catch {
      this.resync();
    }
  }

  #patch(ids: string[], change: Partial<MessageSummary>): void {
    if (!ids.length || !Object.keys(change).length) return;
    const wanted = new Set(ids);
    let unreadDelta = 0;
    const rows = this.rows.map((row) => {
      if (!row || !wanted.has(row.ID)) return row;
      if (change.Read !== undefined && change.Read !== row.Read) unreadDelta += change.Read ? -1 : 1;
      return { ...row, ...change };
    });
    this.rows = rows;
    this.unread = Math.max(0, this.unread + unreadDelta);
  }

  #remove(ids: string[]): void {
    const gone = new Set(ids);
    let removed = 0;
    let removedUnread = 0;
    let holes = false;
    const rows: Row[] = [];
    for (let i = 0; i < this.total; i++) {
      const row = this.rows[i];
      if (!row) holes = true;
      else if (gone.has(row.ID)) {
        removed++;
        if (!row.Read) removedUnread++;
        continue;
      }
      rows.length++;
      if (row) rows[rows.length - 1] = row;
    }
    this.#epoch++;
    this.#inFlight.clear();
    this.rows = rows;
    this.total = rows.length;
    this.unread = Math.max(0, this.unread - removedUnread);
    // A deleted message we had not loaded may have been anywhere in the list (or not in this search at all).
    if (removed < ids.length && holes) this.resync();
  }

  #loadedIds(): string[] {
    const ids: string[] = [];
    for (const row of this.rows) if (row) ids.push(row.ID);
    return ids;
  }
}

/**
 * Puts a page's messages into the list at `at`. False when that would contradict what the list already holds (the
 * same message twice nearby), which means positions drifted and the caller must reload.
 */
function place(rows: Row[], page: MessagesPage, at: number): boolean {
  const placed = new Set(page.messages.map((m) => m.ID));
  const end = at + page.messages.length;
  for (let i = Math.max(0, at - PAGE_SIZE); i < Math.min(rows.length, end + PAGE_SIZE); i++) {
    if ((i < at || i >= end) && rows[i] && placed.has(rows[i]!.ID)) return false;
  }
  page.messages.forEach((message, k) => {
    if (at + k >= 0 && at + k < rows.length) rows[at + k] = message;
  });
  return true;
}

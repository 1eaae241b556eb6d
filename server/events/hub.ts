// Live events in Mailpit's websocket envelope {Type, Data}. The store's changes and the protocol servers' client
// errors come in here; the /api/events websocket subscribes. (Wait-for, runtime stats and webhooks subscribe to
// the store directly: they need its events, not this envelope.)
import { inboxCounts, type InboxCount } from '../store/inbox-counts.ts';
import type { MessageSummary, Store, StoreEvent } from '../store/types.ts';

export type LiveEvent =
  | { Type: 'new'; Data: MessageSummary }
  | { Type: 'update'; Data: { IDs: string[]; Read?: boolean; Tags?: string[] } }
  | { Type: 'delete'; Data: { IDs: string[] } }
  | { Type: 'prune'; Data: { IDs: string[] } }
  | { Type: 'truncate'; Data: null }
  | { Type: 'stats'; Data: { Total: number; Unread: number; Version: string } }
  | { Type: 'error'; Data: { Level: 'error'; Type: 'smtpd' | 'pop3' | 'http'; IP: string; Message: string } };

export type ClientError = Extract<LiveEvent, { Type: 'error' }>['Data'];

/**
 * What an event is about, beside its wire payload, for subscribers that see only some inboxes: the inbox of each
 * message it names (deleted messages are gone from the store by the time their event goes out, so the store hands
 * their inboxes along) and, on `stats` events, the counts per inbox.
 */
export interface EventOrigin {
  inboxOf(id: string): string | undefined;
  /** On `stats` events (always given there): computed once per tick for every inbox-scoped subscriber. */
  inboxCounts?(): InboxCount[];
}

type Listener = (event: LiveEvent, origin: EventOrigin) => void;

const NO_ORIGIN: EventOrigin = { inboxOf: () => undefined };

/** Stats go out at most this often, however fast mail arrives. */
const STATS_INTERVAL_MS = 250;

export class EventHub {
  private listeners = new Set<Listener>();
  private statsTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: Store,
    private readonly version: string,
  ) {
    store.subscribe((event) => this.fromStore(event));
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(event: LiveEvent, origin: EventOrigin = NO_ORIGIN): void {
    for (const listener of this.listeners) {
      try {
        listener(event, origin);
      } catch {
        // One broken subscriber must not stop the others.
      }
    }
  }

  clientError(type: ClientError['Type'], ip: string, message: string): void {
    this.publish({ Type: 'error', Data: { Level: 'error', Type: type, IP: ip, Message: message } });
  }

  close(): void {
    if (this.statsTimer) clearTimeout(this.statsTimer);
    this.listeners.clear();
  }

  private fromStore(event: StoreEvent): void {
    switch (event.type) {
      case 'new':
        // The summary carries its inbox (scopeEvent reads Data.Inbox), so no origin is needed per message.
        this.publish({ Type: 'new', Data: event.message });
        break;
      case 'update':
        this.publish(
          { Type: 'update', Data: { IDs: event.ids, ...(event.read !== undefined && { Read: event.read }), ...(event.tags && { Tags: event.tags }) } },
          { inboxOf: (id) => this.store.get(id)?.Inbox },
        );
        break;
      case 'delete':
      case 'prune': {
        // Looked up only by inbox-scoped subscribers, so the map is built on their first question, not per prune.
        let inboxes: Map<string, string> | null = null;
        const { ids, inboxes: list } = event;
        const inboxOf = (id: string) => (inboxes ??= new Map(ids.map((each, i) => [each, list[i]!]))).get(id);
        this.publish({ Type: event.type, Data: { IDs: ids } }, { inboxOf });
        break;
      }
      case 'truncate':
        this.publish({ Type: 'truncate', Data: null });
        break;
    }
    this.scheduleStats();
  }

  private scheduleStats(): void {
    // With no websocket open nobody reads stats: no walk of the store on every tick of a busy ingest.
    if (this.statsTimer || !this.listeners.size) return;
    this.statsTimer = setTimeout(() => {
      this.statsTimer = null;
      const { total, unread } = this.store.list({ limit: 0 });
      // Only scoped subscribers ask for the per-inbox counts, and however many there are, the store is walked once.
      let counts: InboxCount[] | null = null;
      const origin: EventOrigin = { inboxOf: () => undefined, inboxCounts: () => (counts ??= inboxCounts(this.store)) };
      this.publish({ Type: 'stats', Data: { Total: total, Unread: unread, Version: this.version } }, origin);
    }, STATS_INTERVAL_MS);
    this.statsTimer.unref();
  }
}

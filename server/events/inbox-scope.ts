// An event stream narrowed to one inbox (/api/events?inbox=NAME): a CI job sees its own mail and nothing of the
// others: no other inbox's messages, IDs or counts, and no client errors (they carry other clients' addresses).
import type { Store } from '../store/types.ts';
import type { EventOrigin, LiveEvent } from './hub.ts';

/** The event as the inbox's subscriber should see it, or null when it concerns only other inboxes. */
export function scopeToInbox(event: LiveEvent, origin: EventOrigin, inbox: string, store: Store): LiveEvent | null {
  const name = inbox.toLowerCase();
  const mine = (id: string) => origin.inboxOf(id)?.toLowerCase() === name;
  switch (event.Type) {
    case 'new':
      return event.Data.Inbox.toLowerCase() === name ? event : null;
    case 'update':
    case 'delete':
    case 'prune': {
      const ids = event.Data.IDs.filter(mine);
      if (!ids.length) return null;
      return { ...event, Data: { ...event.Data, IDs: ids } } as LiveEvent;
    }
    case 'truncate':
      return event;
    case 'stats': {
      const { total, unread } = store.list({ limit: 0, filter: (s) => s.Inbox.toLowerCase() === name });
      return { Type: 'stats', Data: { ...event.Data, Total: total, Unread: unread } };
    }
    case 'error':
      return null;
  }
}

// An event stream narrowed to some inboxes (/api/events?inbox=NAME, or an inbox login): a CI job sees its own mail
// and nothing of the others: no other inbox's messages, IDs or counts, and no client errors (they carry other
// clients' addresses).
import type { EventOrigin, LiveEvent } from './hub.ts';

/** The event as a subscriber who sees only `visible` inboxes should get it, or null when it concerns none of them. */
export function scopeEvent(event: LiveEvent, origin: EventOrigin, visible: (inbox: string) => boolean): LiveEvent | null {
  const mine = (id: string) => {
    const inbox = origin.inboxOf(id);
    return inbox !== undefined && visible(inbox);
  };
  switch (event.Type) {
    case 'new':
      return visible(event.Data.Inbox) ? event : null;
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
      let total = 0;
      let unread = 0;
      for (const inbox of origin.inboxCounts?.() ?? []) {
        if (!visible(inbox.Name)) continue;
        total += inbox.Total;
        unread += inbox.Unread;
      }
      return { Type: 'stats', Data: { ...event.Data, Total: total, Unread: unread } };
    }
    case 'error':
      return null;
  }
}

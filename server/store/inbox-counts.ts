// Message and unread counts per inbox, in name order: the web UI's sidebar (/api/v1/inboxes) and /metrics.
import type { ListOptions, Store } from './types.ts';

export interface InboxCount {
  Name: string;
  Total: number;
  Unread: number;
}

/** Every inbox holding a message that `filter` admits (all of them without one). */
export function inboxCounts(store: Store, filter?: ListOptions['filter']): InboxCount[] {
  const counts = new Map<string, InboxCount>();
  for (const { Inbox, Read } of store.list({ limit: Number.MAX_SAFE_INTEGER, filter }).messages) {
    let entry = counts.get(Inbox);
    if (!entry) counts.set(Inbox, (entry = { Name: Inbox, Total: 0, Unread: 0 }));
    entry.Total++;
    if (!Read) entry.Unread++;
  }
  return [...counts.values()].sort((a, b) => a.Name.localeCompare(b.Name));
}

// The MessagesSummary response that listing and search share.
import { sortTags } from '../mail/tags.ts';
import type { Store } from '../store/types.ts';
import type { Filter } from './message-lookup.ts';

export function allTags(store: Store): string[] {
  return sortTags(store.tagCounts().keys());
}

export function listResponse(store: Store, start: number, limit: number, filter?: Filter) {
  const page = store.list({ start, limit, filter });
  const all = filter ? store.list({ limit: 0 }) : page;
  return {
    total: all.total,
    unread: all.unread,
    count: page.messages.length,
    messages_count: page.total,
    messages_unread: page.unread,
    start,
    tags: allTags(store),
    messages: page.messages,
  };
}

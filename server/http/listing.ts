// The MessagesSummary response that listing and search share.
import { sortTags } from '../mail/tags.ts';
import type { Store } from '../store/types.ts';
import type { Filter } from './message-lookup.ts';

export function allTags(store: Store): string[] {
  return sortTags(store.tagCounts().keys());
}

/**
 * `scope` is the mailbox the totals describe: every message (Mailpit), or one inbox when the request names one, so
 * a job scoped to its inbox learns nothing about the others.
 */
export function listResponse(store: Store, start: number, limit: number, filter?: Filter, scope?: Filter) {
  const page = store.list({ start, limit, filter });
  const all = filter === scope ? page : store.list({ limit: 0, filter: scope });
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

// The MessagesSummary response that listing and search share.
import { sortTags } from '../mail/tags.ts';
import type { Store } from '../store/types.ts';
import type { Filter } from './message-lookup.ts';

/** Every tag in use, or in use within a scope (an inbox login sees only its own messages' tags). */
export function allTags(store: Store, scope?: Filter): string[] {
  return sortTags(scope ? tagCounts(store, scope).keys() : store.tagCounts().keys());
}

export function tagCounts(store: Store, scope?: Filter): Map<string, number> {
  if (!scope) return store.tagCounts();
  const counts = new Map<string, number>();
  for (const { Tags } of store.list({ limit: Number.MAX_SAFE_INTEGER, filter: scope }).messages) for (const tag of Tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  return counts;
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
    tags: allTags(store, scope),
    messages: page.messages,
  };
}

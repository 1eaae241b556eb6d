// The MessagesSummary response that listing and search share.
import { sortTags } from '../mail/tags.ts';
import type { MessageSummary, Store } from '../store/types.ts';
import type { Filter } from './message-lookup.ts';

/** Every tag in use, or in use within a scope (an inbox login sees only its own messages' tags). */
export function allTags(store: Store, scope?: Filter): string[] {
  return sortTags(tagCounts(store, scope).keys());
}

function tagCounts(store: Store, scope?: Filter): Map<string, number> {
  return scope ? countTags(store.list({ limit: Number.MAX_SAFE_INTEGER, filter: scope }).messages) : store.tagCounts();
}

function countTags(messages: MessageSummary[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { Tags } of messages) for (const tag of Tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  return counts;
}

/** A mailbox's totals and tag counts (the whole store without a scope), reading a scoped one only once. */
export function mailboxTotals(store: Store, scope?: Filter): { total: number; unread: number; tags: Map<string, number> } {
  const { total, unread, messages } = store.list({ limit: scope ? Number.MAX_SAFE_INTEGER : 0, filter: scope });
  return { total, unread, tags: scope ? countTags(messages) : store.tagCounts() };
}

/**
 * `scope` is the mailbox the totals describe: every message (Mailpit), or one inbox when the request names one, so
 * a job scoped to its inbox learns nothing about the others.
 */
export function listResponse(store: Store, start: number, limit: number, filter?: Filter, scope?: Filter) {
  const page = store.list({ start, limit, filter });
  // When the page is drawn from the whole mailbox it has already counted it; only the tags need another look.
  const mailbox = filter === scope ? { total: page.total, unread: page.unread, tags: tagCounts(store, scope) } : mailboxTotals(store, scope);
  return {
    total: mailbox.total,
    unread: mailbox.unread,
    count: page.messages.length,
    messages_count: page.total,
    messages_unread: page.unread,
    start,
    tags: sortTags(mailbox.tags.keys()),
    messages: page.messages,
  };
}

// Turning request parameters into messages: "latest", optional search queries, and 404s for unknown IDs.
import { inInbox } from '../mail/inbox.ts';
import { matches, parseSearch, SearchSyntaxError } from '../mail/search.ts';
import type { ListOptions, MessageSummary, Store } from '../store/types.ts';
import { accessFilter, type InboxAccess } from '../auth/inbox-auth.ts';
import { badRequest, notFound } from './context.ts';

export type Filter = NonNullable<ListOptions['filter']>;

/** Compiles a search query into a store filter; a bad query is the client's 400, not our 500. */
export function searchFilter(query: string | undefined, tz?: string): Filter | undefined {
  if (query === undefined || query.trim() === '') return undefined;
  try {
    const compiled = parseSearch(query, { tz });
    return (summary, search) => matches(compiled, summary, search);
  } catch (err) {
    if (err instanceof SearchSyntaxError) throw badRequest(err.message);
    throw err;
  }
}

/** Both filters (either may be absent). */
export function both(a: Filter | undefined, b: Filter | undefined): Filter | undefined {
  if (!a || !b) return a ?? b;
  return (summary, fields) => a(summary, fields) && b(summary, fields);
}

/** Only the messages of one inbox (case-insensitive, as `inbox:` in the search language); undefined for all. */
export function inboxFilter(inbox: string | undefined): Filter | undefined {
  return inbox === undefined ? undefined : inInbox(inbox);
}

/**
 * The messages a request may work on: the inbox it names with `?inbox=`, within what its login may see (an inbox
 * login sees its inbox; see plugins/basic-auth.ts). undefined: every message.
 */
export function requestScope(access: InboxAccess, inbox: string | undefined): Filter | undefined {
  return both(inboxFilter(inbox), accessFilter(access));
}

/** The IDs of the messages a filter selects, newest first. */
export function selectIds(store: Store, filter: Filter | undefined): string[] {
  return store.list({ limit: Number.MAX_SAFE_INTEGER, filter }).messages.map((m) => m.ID);
}

/** Of the given IDs, those in scope (all of them that exist when there is no scope). */
export function idsInScope(store: Store, ids: string[], scope: Filter | undefined): string[] {
  if (!scope) return ids;
  return ids.filter((id) => {
    const summary = store.get(id);
    return summary !== undefined && scope(summary, NO_SEARCH_FIELDS);
  });
}

/** Scopes look only at summaries (inbox names), never at search text. */
const NO_SEARCH_FIELDS = { text: '', inline: 0 };

/**
 * The message an `{ID}` parameter names: that ID, or `latest` (optionally the latest matching `?query=`). With a
 * `scope`, only messages in it exist; anything else is a 404.
 */
export function resolveMessage(store: Store, id: string, query?: { query?: string; tz?: string }, scope?: Filter): MessageSummary {
  const summary = id === 'latest' ? store.latest(both(searchFilter(query?.query, query?.tz), scope)) : store.get(id);
  if (!summary || (scope && !scope(summary, NO_SEARCH_FIELDS))) throw notFound();
  return summary;
}

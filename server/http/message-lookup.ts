// Turning request parameters into messages: "latest", optional search queries, and 404s for unknown IDs.
import { matches, parseSearch, SearchSyntaxError } from '../mail/search.ts';
import type { ListOptions, MessageSummary, Store } from '../store/types.ts';
import { badRequest, notFound } from './context.ts';

export type Filter = NonNullable<ListOptions['filter']>;

/** Compiles a search query into a store filter; a bad query is the client's 400, not our 500. */
export function searchFilter(query: string | undefined, tz?: string): Filter | undefined {
  if (query === undefined || query.trim() === '') return undefined;
  try {
    const compiled = parseSearch(query, { tz });
    return (summary, search) => matches(compiled, { summary, text: search.text, inline: search.inline });
  } catch (err) {
    if (err instanceof SearchSyntaxError) throw badRequest(err.message);
    throw err;
  }
}

/** A search query and an `?inbox=` parameter together; undefined when neither narrows anything. */
export function scopedFilter(query: string | undefined, tz: string | undefined, inbox: string | undefined): Filter | undefined {
  const search = searchFilter(query, tz);
  const inInbox = inboxFilter(inbox);
  if (!inInbox || !search) return inInbox ?? search;
  return (summary, fields) => inInbox(summary, fields) && search(summary, fields);
}

/** Only the messages of one inbox (case-insensitive, as `inbox:` in the search language); undefined for all. */
export function inboxFilter(inbox: string | undefined): Filter | undefined {
  if (inbox === undefined) return undefined;
  const name = inbox.toLowerCase();
  return (summary) => summary.Inbox.toLowerCase() === name;
}

/** The IDs of the messages a filter selects, newest first. */
export function selectIds(store: Store, filter: Filter | undefined): string[] {
  return store.list({ limit: Number.MAX_SAFE_INTEGER, filter }).messages.map((m) => m.ID);
}

/** Of the given IDs, those in the inbox (all of them when no inbox is named). */
export function idsInInbox(store: Store, ids: string[], inbox: string | undefined): string[] {
  if (inbox === undefined) return ids;
  const name = inbox.toLowerCase();
  return ids.filter((id) => store.get(id)?.Inbox.toLowerCase() === name);
}

export function resolveMessage(store: Store, id: string, query?: { query?: string; tz?: string }): MessageSummary {
  const summary = id === 'latest' ? store.latest(searchFilter(query?.query, query?.tz)) : store.get(id);
  if (!summary) throw notFound();
  return summary;
}

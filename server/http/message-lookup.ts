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

export function resolveMessage(store: Store, id: string, query?: { query?: string; tz?: string }): MessageSummary {
  const summary = id === 'latest' ? store.latest(searchFilter(query?.query, query?.tz)) : store.get(id);
  if (!summary) throw notFound();
  return summary;
}

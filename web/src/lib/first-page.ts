// The list's first page, requested by the entry module before the app's code has even downloaded, so the server
// works while the browser parses. The mailbox takes it if it asks for the same search.
import { api } from './api.ts';
import type { MessagesPage } from './types.ts';

export const PAGE_SIZE = 100;

let early: { query: string; page: Promise<MessagesPage> } | null = null;

export function requestFirstPage(query: string): void {
  const page = api.list(query, 0, PAGE_SIZE);
  // Whoever takes it sees a failure; if nobody does, it must not be reported as unhandled.
  page.catch(() => {});
  early = { query, page };
}

export function takeFirstPage(query: string): Promise<MessagesPage> | null {
  if (early?.query !== query) return null;
  const { page } = early;
  early = null;
  return page;
}

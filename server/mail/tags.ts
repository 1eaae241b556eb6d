// Tags a message gets on arrival, as Mailpit assigns them: the X-Tags header (comma-separated) and the "+tag" part
// of plus-addressed recipients (user+signup@example.com → "signup").
import type { Address } from '../store/types.ts';

const MAX_TAG_LENGTH = 100;

/** Trims, collapses whitespace and drops characters that have no place in a label. Empty means invalid. */
export function cleanTag(tag: string): string {
  return tag
    .replace(/[^\p{L}\p{N}\s\-_.:/@&+]/gu, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_TAG_LENGTH);
}

export function sortTags(tags: Iterable<string>): string[] {
  const unique = new Map<string, string>();
  for (const tag of tags) {
    const cleaned = cleanTag(tag);
    if (cleaned && !unique.has(cleaned.toLowerCase())) unique.set(cleaned.toLowerCase(), cleaned);
  }
  return [...unique.values()].sort((a, b) => a.localeCompare(b, undefined, { sensitivity: 'base' }));
}

export function arrivalTags(xTags: string, recipients: Address[]): string[] {
  const tags = xTags.split(',');
  for (const { Address: address } of recipients) {
    const m = /^[^@+]+\+([^@]+)@/.exec(address);
    if (m) tags.push(m[1]!);
  }
  return sortTags(tags);
}

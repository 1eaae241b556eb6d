// Mailpit's search language, evaluated in memory over message summaries (never touching message files).
//
// Parity reference: axllent/mailpit internal/storage/search.go (searchQueryBuilder, sizeToBytes),
// internal/storage/utils.go (cleanString), internal/tools ArgsParser, and
// mailpit.axllent.org/docs/usage/search-filters/. Where Mailcove deliberately differs, a comment says so; in
// short: Mailpit silently ignores what it cannot understand (a bad date drops the filter, so a DELETE would
// widen to everything), Mailcove rejects it with SearchSyntaxError instead.
//
// Shape: tokenize() splits the query, parseToken() turns each token into a SearchTerm with everything
// precomputed (lower-cased values, timestamps, byte counts), and matches() ANDs the terms over a summary and its
// search fields.
import type { Address, MessageSummary, SearchFields } from '../store/types.ts';
import { inboxKey } from './inbox.ts';

/** The query could not be understood; the message is one line, fit to return as a 400. */
export class SearchSyntaxError extends Error {
  override name = 'SearchSyntaxError';
}

export interface SearchOptions {
  /** IANA timezone for before:/after: dates without an explicit offset (Mailpit's `tz` parameter). */
  tz?: string;
}

type AddressField = 'from' | 'to' | 'cc' | 'bcc' | 'reply-to' | 'addressed';
type Flag = 'read' | 'unread' | 'tagged' | 'attachment' | 'inline';
type Comparison = '<' | '<=' | '>' | '>=';

export type SearchTerm =
  | { kind: 'text'; negate: boolean; value: string; phrase: RegExp | null }
  | { kind: 'address'; negate: boolean; field: AddressField; value: string }
  | { kind: 'subject' | 'message-id' | 'tag' | 'inbox'; negate: boolean; value: string }
  | { kind: 'flag'; negate: boolean; flag: Flag }
  // Dates and sizes carry the comparison with negation already applied (see parseFilter).
  | { kind: 'created'; negate: boolean; cmp: Comparison; ms: number }
  | { kind: 'size'; negate: boolean; cmp: Comparison; bytes: number };

export interface SearchQuery {
  /** ANDed; empty matches everything. */
  readonly terms: readonly SearchTerm[];
}

// ---------------------------------------------------------------------------------------------------------
// Tokenizer

/**
 * Mailpit's ArgsParser: whitespace outside double quotes separates tokens, and every quote character is
 * dropped, so `subject:"order shipped"`, `"subject:order shipped"` and `-"two words"` all work. An
 * unterminated quote runs to the end of the query; Mailpit is lenient there and so are we (a half-typed
 * phrase only narrows the search). Mailpit splits on the space character only; we split on any whitespace.
 */
function tokenize(query: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let quoted = false;
  const flush = (): void => {
    const token = current.trim();
    if (token !== '') tokens.push(token);
    current = '';
  };
  for (const ch of query) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && /\s/.test(ch)) flush();
    else current += ch;
  }
  flush();
  return tokens;
}

/**
 * Mailpit's cleanString: punctuation that only delimits (<>",;() and line breaks) becomes a space, runs of
 * whitespace collapse, and the result is lower-cased. Applied to filter values and bare words alike.
 */
function clean(value: string): string {
  return value.replace(/[<>",;()\uFEFF]/g, ' ').trim().split(/\s+/).join(' ').toLowerCase();
}

// ---------------------------------------------------------------------------------------------------------
// Parser

const ADDRESS_FIELDS = new Set<string>(['from', 'to', 'cc', 'bcc', 'reply-to', 'addressed']);
const FILTERS = new Set<string>([
  ...ADDRESS_FIELDS,
  'subject', 'message-id', 'tag', 'inbox', 'is', 'has', 'before', 'after', 'larger', 'smaller',
]);
// Mailpit has no is:untagged (its docs say `!is:tagged`), so it is unknown here too.
const IS_VALUES: Record<string, Flag> = { read: 'read', unread: 'unread', tagged: 'tagged' };
const HAS_VALUES: Record<string, Flag> = {
  attachment: 'attachment', attachments: 'attachment', inline: 'inline', inlines: 'inline',
};

export function parseSearch(query: string, options: SearchOptions = {}): SearchQuery {
  // Mailpit logs and ignores an unknown tz; we reject it so a client never gets dates in a zone it did not ask for.
  const toEpoch = options.tz ? zoneResolver(options.tz) : localResolver;
  const terms: SearchTerm[] = [];
  for (const token of tokenize(query)) {
    const term = parseToken(token, toEpoch);
    if (term !== null) terms.push(term);
  }
  return { terms };
}

function parseToken(token: string, toEpoch: Resolver): SearchTerm | null {
  let word = token;
  let negate = false;
  // As in Mailpit, a lone "-" or "!" is a word to search for, not an empty negation.
  if (word.length > 1 && (word[0] === '-' || word[0] === '!')) {
    negate = true;
    word = word.slice(1);
  }
  // Prefixes are ASCII, so slicing the lower-cased token at the prefix is safe; every filter compares
  // case-insensitively, so the lower-cased value is all we need.
  const lower = word.toLowerCase();
  const prefix = /^([a-z-]+):/.exec(lower)?.[1];
  if (prefix !== undefined && FILTERS.has(prefix)) {
    return parseFilter(prefix, lower.slice(prefix.length + 1), negate, token, toEpoch);
  }
  // Anything else, including unknown prefixes such as "re:" or "http://...", is a bare word. A token that is
  // only punctuation (",", "<>") cleans to nothing and is skipped, as Mailpit skips it.
  const value = clean(word);
  return value === '' ? null : textTerm(value, negate);
}

function parseFilter(prefix: string, raw: string, negate: boolean, token: string, toEpoch: Resolver): SearchTerm {
  // Mailpit ignores a filter with no value, which turns `DELETE ?query=from:` into "delete everything".
  const required = (value: string): string => {
    if (value === '') throw new SearchSyntaxError(`${quote(token)}: ${prefix}: needs a value`);
    return value;
  };
  switch (prefix) {
    case 'subject':
      // Mailpit matches the subject against the value as typed (no cleanString), so "a, b" keeps its comma.
      required(raw.trim());
      return { kind: 'subject', negate, value: raw };
    case 'message-id':
      return { kind: 'message-id', negate, value: required(clean(raw)) };
    case 'tag':
      return { kind: 'tag', negate, value: required(clean(raw)) };
    case 'inbox':
      // Mailcove's own filter: the whole inbox name, compared as inboxes are everywhere (inboxKey).
      return { kind: 'inbox', negate, value: required(inboxKey(raw)) };
    case 'is':
    case 'has': {
      const allowed = prefix === 'is' ? IS_VALUES : HAS_VALUES;
      const flag = Object.hasOwn(allowed, raw) ? allowed[raw] : undefined;
      // Mailpit would search the text for "is:starred"; a typo should say so rather than match nothing.
      if (flag === undefined) {
        throw new SearchSyntaxError(`${quote(token)}: unknown ${prefix}: value (expected ${Object.keys(allowed).join(', ')})`);
      }
      return { kind: 'flag', negate, flag };
    }
    case 'before':
    case 'after': {
      const ms = parseDate(required(clean(raw)).toUpperCase(), toEpoch);
      if (ms === null) throw new SearchSyntaxError(`${quote(token)}: not a date (try ${prefix}:2024/04/01)`);
      // Mailpit: after: is Created >= t, before: is Created <= t (both inclusive), and negation swaps to the
      // other inclusive comparison rather than the exact complement; a message at exactly t matches both ways.
      const cmp: Comparison = prefix === 'after' ? (negate ? '<=' : '>=') : negate ? '>=' : '<=';
      return { kind: 'created', negate, cmp, ms };
    }
    case 'larger':
    case 'smaller': {
      const bytes = parseSize(required(clean(raw)));
      if (bytes === null) throw new SearchSyntaxError(`${quote(token)}: not a size (try ${prefix}:500k or ${prefix}:2.5mb)`);
      // Mailpit: strict comparisons, and negation swaps to the opposite strict one, so a message of exactly
      // the given size matches neither larger:N nor -larger:N.
      const cmp: Comparison = prefix === 'larger' ? (negate ? '<' : '>') : negate ? '>' : '<';
      return { kind: 'size', negate, cmp, bytes };
    }
    default:
      // The remaining prefixes are the address fields (FILTERS and this switch list the same names).
      return { kind: 'address', negate, field: prefix as AddressField, value: required(clean(raw)) };
  }
}

/**
 * Mailpit compares the cleaned query with cleaned stored text, so `"smith, john"` finds "smith john" and the
 * reverse. The document text here is only lower-cased, so a multi-word value matches with any run of
 * whitespace or delimiter punctuation between its words; a single word is a plain substring test.
 */
function textTerm(value: string, negate: boolean): SearchTerm {
  const words = value.split(' ');
  const phrase = words.length > 1 ? new RegExp(words.map(escapeRegExp).join(String.raw`[\s<>",;()]+`)) : null;
  return { kind: 'text', negate, value, phrase };
}

/** The token as shown in an error: one line, bounded, so the message can go straight into a 400 body. */
function quote(token: string): string {
  const line = token.replace(/\s+/g, ' ');
  return JSON.stringify(line.length > 60 ? `${line.slice(0, 57)}...` : line);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Mailpit's sizeToBytes: a number with an optional fraction and unit k/kb (×1024) or m/mb (×1024²),
 * truncated to whole bytes. Mailpit turns anything else (and 0) into a bare-word search for "larger:abc";
 * we reject it, and accept 0 as a real size.
 */
function parseSize(value: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s?([a-z]{1,2})?$/.exec(value);
  if (!m) return null;
  const unit = m[2] ?? '';
  const multiplier = unit === '' ? 1 : unit === 'k' || unit === 'kb' ? 1024 : unit === 'm' || unit === 'mb' ? 1024 * 1024 : 0;
  if (multiplier === 0) return null;
  return Math.trunc(Number(m[1]) * multiplier);
}

// ---------------------------------------------------------------------------------------------------------
// Dates
//
// Mailpit hands the cleaned, upper-cased value to araddon/dateparse (ParseIn, with the tz or the server's
// local zone). We accept the subset of dateparse's formats people actually type:
//   2024-04-01 / 2024/04/01 / 2024.04.01, optionally with a time: T10:30, " 10:30:15.250", "10:30 PM"
//   04/01/2024 (US order, month first, as dateparse and Mailpit's docs say) and 2024-04 (first of the month)
//   "1 April 2024", "April 1, 2024", "Mon, 01 Apr 2024 10:00:00 +0200" (RFC 2822), with optional time
//   2024 (a year), 20240401 (yyyymmdd), 1711929600 (unix seconds), 1711929600000 (unix milliseconds)
// A time may end in Z, UTC, GMT or an offset (+02:00, +0200, GMT-0700), which then wins over the tz.
// A date alone means midnight at the start of that day.

interface DateFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}
/** Local wall-clock fields → epoch milliseconds, in the query's zone. */
type Resolver = (f: DateFields) => number;

const TIME =
  String.raw`(?:(?:T|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:\s*(AM|PM))?` +
  String.raw`(?:\s*(Z|UTC|GMT|(?:UTC|GMT)?[+-]\d{2}(?::?\d{2})?))?)?`;
const YMD = new RegExp(String.raw`^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})${TIME}$`);
const MDY = new RegExp(String.raw`^(\d{1,2})([-/.])(\d{1,2})\2(\d{4})${TIME}$`);
const D_MON_Y = new RegExp(String.raw`^(?:([A-Z]+)\s+)?(\d{1,2})[\s-]+([A-Z]+)[\s-]+(\d{4})${TIME}$`);
const MON_D_Y = new RegExp(String.raw`^(?:([A-Z]+)\s+)?([A-Z]+)[\s-]+(\d{1,2})[\s-]+(\d{4})${TIME}$`);
const YM = /^(\d{4})[-/.](\d{1,2})$/;

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const MONTH_NAMES = ['JANUARY', 'FEBRUARY', 'MARCH', 'APRIL', 'MAY', 'JUNE', 'JULY', 'AUGUST', 'SEPTEMBER', 'OCTOBER', 'NOVEMBER', 'DECEMBER'];
const WEEKDAYS = new Set(['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY']);

/** `value` is cleaned and upper-cased, as Mailpit passes it to dateparse. Null when it is not a valid date. */
function parseDate(value: string, toEpoch: Resolver): number | null {
  if (/^\d+$/.test(value)) return parseDigits(value, toEpoch);
  let m: RegExpExecArray | null;
  if ((m = YMD.exec(value))) return build(m[1], m[3], m[4], m.slice(5), toEpoch);
  if ((m = MDY.exec(value))) return build(m[4], m[1], m[3], m.slice(5), toEpoch);
  if ((m = D_MON_Y.exec(value)) && weekdayOk(m[1])) return build(m[4], monthNumber(m[3]), m[2], m.slice(5), toEpoch);
  if ((m = MON_D_Y.exec(value)) && weekdayOk(m[1])) return build(m[4], monthNumber(m[2]), m[3], m.slice(5), toEpoch);
  if ((m = YM.exec(value))) return build(m[1], m[2], '1', [], toEpoch);
  return null;
}

function parseDigits(value: string, toEpoch: Resolver): number | null {
  switch (value.length) {
    case 4: return build(value, '1', '1', [], toEpoch);
    case 8: return build(value.slice(0, 4), value.slice(4, 6), value.slice(6, 8), [], toEpoch);
    case 10: return Number(value) * 1000;
    case 13: return Number(value);
    default: return null;
  }
}

function weekdayOk(weekday: string | undefined): boolean {
  return weekday === undefined || WEEKDAYS.has(weekday);
}

function monthNumber(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const i = name === 'SEPT' ? 8 : Math.max(MONTHS.indexOf(name), MONTH_NAMES.indexOf(name));
  return i < 0 ? undefined : String(i + 1);
}

/** Validates the fields (no rolling 2024-02-30 over into March) and resolves them to epoch milliseconds. */
function build(
  y: string | undefined,
  mo: string | undefined,
  d: string | undefined,
  time: (string | undefined)[],
  toEpoch: Resolver,
): number | null {
  const [h, mi, s, frac, meridiem, zone] = time;
  const f: DateFields = {
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: Number(h ?? 0),
    minute: Number(mi ?? 0),
    second: Number(s ?? 0),
    millisecond: Number((frac ?? '').slice(0, 3).padEnd(3, '0')),
  };
  if (!(f.month >= 1 && f.month <= 12)) return null;
  if (!(f.day >= 1 && f.day <= new Date(Date.UTC(f.year, f.month, 0)).getUTCDate())) return null;
  if (meridiem !== undefined) {
    if (f.hour < 1 || f.hour > 12) return null;
    f.hour = (f.hour % 12) + (meridiem === 'PM' ? 12 : 0);
  }
  if (f.hour > 23 || f.minute > 59 || f.second > 59) return null;
  if (zone === undefined) return toEpoch(f);
  const offset = zoneOffsetMinutes(zone);
  return offset === null ? null : utcEpoch(f) - offset * 60_000;
}

function zoneOffsetMinutes(zone: string): number | null {
  const m = /^(?:UTC|GMT)?([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (!m) return 0; // Z, UTC or GMT
  const hours = Number(m[2]);
  const minutes = Number(m[3] ?? 0);
  if (hours > 23 || minutes > 59) return null;
  return (m[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

function utcEpoch(f: DateFields): number {
  return Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second, f.millisecond);
}

/** Without a tz, Mailpit uses the server's local zone (time.Local); so do we (the process's TZ). */
const localResolver: Resolver = (f) => {
  const date = new Date(0);
  date.setFullYear(f.year, f.month - 1, f.day); // setFullYear: the Date constructor maps years 0-99 to 19xx
  date.setHours(f.hour, f.minute, f.second, f.millisecond);
  return date.getTime();
};

const zoneResolvers = new Map<string, Resolver>();

function zoneResolver(tz: string): Resolver {
  const cached = zoneResolvers.get(tz);
  if (cached) return cached;
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw new SearchSyntaxError(`unknown timezone "${tz}" (expected an IANA name such as Europe/Paris)`);
  }
  // The zone's offset at an instant: its wall clock read as if it were UTC, minus the instant.
  const offsetAt = (epoch: number): number => {
    const p: Record<string, number> = {};
    for (const part of format.formatToParts(epoch)) p[part.type] = Number(part.value);
    const wall = Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
    return wall - Math.floor(epoch / 1000) * 1000;
  };
  // Guess with the offset at the wall time read as UTC, then correct once with the offset at the guess: this
  // settles every wall time except those skipped or repeated by a DST change, which land on one side of it.
  const resolver: Resolver = (f) => {
    const wall = utcEpoch(f);
    const first = wall - offsetAt(wall);
    return wall - offsetAt(first);
  };
  zoneResolvers.set(tz, resolver);
  return resolver;
}

// ---------------------------------------------------------------------------------------------------------
// Matcher

/** Takes the summary and the search fields apart (no document object): it runs per message per open wait. */
export function matches(query: SearchQuery, summary: MessageSummary, fields: SearchFields): boolean {
  for (const term of query.terms) {
    if (!matchTerm(term, summary, fields)) return false;
  }
  return true;
}

function matchTerm(term: SearchTerm, s: MessageSummary, fields: SearchFields): boolean {
  switch (term.kind) {
    // Negation is already folded into cmp for these two (Mailpit's boundary behaviour, see parseFilter).
    case 'created':
      return compare(Date.parse(s.Created), term.cmp, term.ms);
    case 'size':
      return compare(s.Size, term.cmp, term.bytes);
    case 'text':
      return (term.phrase ? term.phrase.test(fields.text) : fields.text.includes(term.value)) !== term.negate;
    case 'address':
      return addressMatches(s, term.field, term.value) !== term.negate;
    case 'subject':
      // Unicode-aware, where Mailpit's SQLite LIKE folds ASCII only (a limitation its docs call out).
      return lowerSubject(s).includes(term.value) !== term.negate;
    case 'message-id':
      return s.MessageID.toLowerCase().includes(term.value) !== term.negate;
    case 'tag':
      // Whole tag, case-insensitive: Mailpit's tags.Name is COLLATE NOCASE and compared with =.
      return s.Tags.some((tag) => tag.toLowerCase() === term.value) !== term.negate;
    case 'inbox':
      return (s.Inbox.toLowerCase() === term.value) !== term.negate;
    case 'flag':
      return flagMatches(term.flag, s, fields) !== term.negate;
  }
}

/**
 * A one-entry cache of the last lower-cased subject: open wait-for requests test one arriving message against
 * hundreds of queries in a row, and a search visits each message once, so one entry is all that ever hits.
 */
let lastSummary: MessageSummary | null = null;
let lastLowerSubject = '';
function lowerSubject(summary: MessageSummary): string {
  if (summary !== lastSummary) {
    lastSummary = summary;
    lastLowerSubject = summary.Subject.toLowerCase();
  }
  return lastLowerSubject;
}

/** NaN (an unparseable Created) fails every comparison, negated or not, as NULL does in SQL. */
function compare(actual: number, cmp: Comparison, bound: number): boolean {
  switch (cmp) {
    case '<': return actual < bound;
    case '<=': return actual <= bound;
    case '>': return actual > bound;
    case '>=': return actual >= bound;
  }
}

function flagMatches(flag: Flag, summary: MessageSummary, fields: SearchFields): boolean {
  switch (flag) {
    case 'read': return summary.Read;
    case 'unread': return !summary.Read;
    case 'tagged': return summary.Tags.length > 0;
    case 'attachment': return summary.Attachments > 0;
    case 'inline': return fields.inline > 0;
  }
}

/**
 * Mailpit runs LIKE over each header's JSON ({"Name":…,"Address":…}). We test each name and address on its
 * own instead, so `from:name` does not match every message through the JSON key, and case folding is full
 * Unicode (Mailpit's SQLite folds ASCII only). addressed: covers From, To, Cc, Bcc and Reply-To, as Mailpit.
 */
function addressMatches(s: MessageSummary, field: AddressField, value: string): boolean {
  switch (field) {
    case 'from': return anyAddress(s.From ? [s.From] : [], value);
    case 'to': return anyAddress(s.To, value);
    case 'cc': return anyAddress(s.Cc, value);
    case 'bcc': return anyAddress(s.Bcc, value);
    case 'reply-to': return anyAddress(s.ReplyTo, value);
    case 'addressed':
      return (
        (s.From !== null && anyAddress([s.From], value)) ||
        anyAddress(s.To, value) || anyAddress(s.Cc, value) || anyAddress(s.Bcc, value) || anyAddress(s.ReplyTo, value)
      );
  }
}

function anyAddress(list: readonly Address[], value: string): boolean {
  for (const a of list) {
    if (a.Address.toLowerCase().includes(value) || a.Name.toLowerCase().includes(value)) return true;
  }
  return false;
}

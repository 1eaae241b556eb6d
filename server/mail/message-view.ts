// The message detail: Mailpit's API v1 Message JSON (internal/storage/structs.go `Message`, filled in like
// internal/storage/messages.go GetMessage), its headers endpoint, and the bodies behind /view/{ID}.txt|.html.
import { createHash } from 'node:crypto';
import type { AddressObject } from 'mailparser';
import type { Address, MessageSummary } from '../store/types.ts';
import { extractCodes } from './codes.ts';
import { headerLines } from './header-block.ts';
import { extractLinks, scanHtml, type HtmlScan, type Link } from './links.ts';
import { emptyListUnsubscribe, listUnsubscribe, type ListUnsubscribe } from './list-unsubscribe.ts';
import { parseMime, splitParts, type MimeLeaf, type ParsedMime, type SplitParts } from './parts.ts';
import { addresses } from './summarise.ts';

export type { ListUnsubscribe } from './list-unsubscribe.ts';

/** Mailpit's Attachment JSON object. */
export interface AttachmentInfo {
  PartID: string;
  /** The file name, else the Content-ID (as Mailpit fills it). */
  FileName: string;
  ContentType: string;
  ContentID: string;
  Size: number;
  Checksums: { MD5: string; SHA1: string; SHA256: string };
}

/** Mailpit's Message JSON object, field for field and in its order, then Mailcove's own fields. */
export interface MessageView {
  ID: string;
  MessageID: string;
  From: Address;
  To: Address[];
  Cc: Address[];
  Bcc: Address[];
  ReplyTo: Address[];
  ReturnPath: string;
  Subject: string;
  ListUnsubscribe: ListUnsubscribe;
  /** RFC 3339: the Date header (keeping its UTC offset) when it parses, else when the message was received. */
  Date: string;
  Tags: string[];
  Username: string;
  Text: string;
  HTML: string;
  Size: number;
  Inline: AttachmentInfo[];
  Attachments: AttachmentInfo[];
  Inbox: string;
  Envelope: MessageSummary['Envelope'];
  Client: MessageSummary['Client'];
  /** Links a test may want to follow: HTML anchors and bare URLs in the text, in document order. */
  Links: Link[];
  /** One-time codes, most likely first (see codes.ts). */
  Codes: string[];
  ParseError?: string;
}

export async function buildMessageView(raw: Buffer, summary: MessageSummary): Promise<MessageView> {
  return (await viewAndScan(raw, summary, readHeaderBlock(raw))).view;
}

/**
 * The view, its HTML scan (the links with their tags and the visible text, which the view keeps only part of) and
 * the header map, from one read of the header block and one pass over the HTML: what the checks take.
 */
export async function buildViewParts(raw: Buffer, summary: MessageSummary): Promise<{ view: MessageView; scan: HtmlScan; headers: Record<string, string[]> }> {
  const fields = readHeaderBlock(raw);
  return { ...(await viewAndScan(raw, summary, fields)), headers: groupHeaders(fields) };
}

async function viewAndScan(raw: Buffer, summary: MessageSummary, headers: HeaderField[]): Promise<{ view: MessageView; scan: HtmlScan }> {
  let parsed: ParsedMime;
  try {
    parsed = await parseMime(raw);
  } catch (err) {
    return { view: unparsedView(raw, summary, headers, summary.ParseError ?? errorText(err)), scan: scanHtml('') };
  }
  return fromParsed(raw, summary, headers, parsed);
}

/**
 * Mailpit's /api/v1/message/{ID}/headers: Go's net/mail header map. Names canonicalised (Message-Id, Mime-Version),
 * values unfolded and trimmed but not RFC 2047 decoded, repeated headers in message order, names sorted.
 * Unlike Go, malformed lines are skipped rather than failing the whole request.
 */
export async function messageHeaders(raw: Buffer): Promise<Record<string, string[]>> {
  return groupHeaders(readHeaderBlock(raw));
}

function groupHeaders(fields: HeaderField[]): Record<string, string[]> {
  const grouped = new Map<string, string[]>();
  for (const [name, value] of fields) {
    const key = canonicalHeaderKey(name);
    const values = grouped.get(key);
    if (values) values.push(value);
    else grouped.set(key, [value]);
  }
  const out: Record<string, string[]> = {};
  for (const key of [...grouped.keys()].sort(compareBytes)) out[key] = grouped.get(key)!;
  return out;
}

/** The view's HTML and Text alone ('' each for mail that will not parse), without the rest of the view's work. */
export async function messageBodies(raw: Buffer): Promise<{ html: string; text: string }> {
  try {
    const parsed = await parseMime(raw);
    return { html: parsed.html ?? '', text: parsed.text ?? '' };
  } catch {
    return { html: '', text: '' };
  }
}

/** The body of /view/{ID}.txt: Mailpit's Text; null when there is no text part and no HTML to derive it from. */
export async function messageText(raw: Buffer): Promise<string | null> {
  try {
    return (await parseMime(raw)).text ?? null;
  } catch {
    return null;
  }
}

/** The body of /view/{ID}.html, `cid:` references pointing at partUrl(PartID); null without an HTML part. */
export async function messageHtml(raw: Buffer, partUrl: (partId: string) => string): Promise<string | null> {
  let parsed: ParsedMime;
  try {
    parsed = await parseMime(raw);
  } catch {
    return null;
  }
  if (!parsed.html) return null;
  return linkInlineImages(parsed.html, splitParts(parsed.leaves), partUrl);
}

function fromParsed(raw: Buffer, summary: MessageSummary, headers: HeaderField[], parsed: ParsedMime): { view: MessageView; scan: HtmlScan } {
  const from = addresses(asAddressField(parsed.headers.get('from')))[0] ?? fallbackFrom(headers);
  const subject = parsed.headers.get('subject');
  const split = splitParts(parsed.leaves);
  const html = scanHtml(parsed.html ?? '');
  const view: MessageView = {
    ID: summary.ID,
    MessageID: messageId(headers) || summary.MessageID,
    From: from,
    To: addresses(asAddressField(parsed.headers.get('to'))),
    Cc: addresses(asAddressField(parsed.headers.get('cc'))),
    // The summary's Bcc adds the envelope recipients no header names, as Mailpit writes them into a Bcc header.
    Bcc: summary.Bcc.map((a) => ({ ...a })),
    ReplyTo: addresses(asAddressField(parsed.headers.get('reply-to'))),
    ReturnPath: returnPath(summary, headers, from),
    Subject: typeof subject === 'string' ? subject : decodeWords(firstHeader(headers, 'subject')),
    ListUnsubscribe: listUnsubscribeOf(headers),
    Date: messageDate(headers, summary.Created),
    Tags: [...summary.Tags],
    Username: summary.Username,
    Text: parsed.text ?? '',
    HTML: parsed.html ?? '',
    Size: raw.length,
    Inline: split.inline.map(attachmentInfo),
    Attachments: split.attachments.map(attachmentInfo),
    ...mailcoveFields(summary),
    Links: extractLinks(html, parsed.text ?? ''),
    Codes: extractCodes(html.text, parsed.text ?? ''),
  };
  if (summary.ParseError !== undefined) view.ParseError = summary.ParseError;
  return { view, scan: html };
}

/** Mail mailparser rejects: what the header block and the summary still tell, no bodies and no parts. */
function unparsedView(raw: Buffer, summary: MessageSummary, headers: HeaderField[], parseError: string): MessageView {
  const from = summary.From ? { ...summary.From } : fallbackFrom(headers);
  return {
    ID: summary.ID,
    MessageID: messageId(headers) || summary.MessageID,
    From: from,
    To: summary.To.map((a) => ({ ...a })),
    Cc: summary.Cc.map((a) => ({ ...a })),
    Bcc: summary.Bcc.map((a) => ({ ...a })),
    ReplyTo: summary.ReplyTo.map((a) => ({ ...a })),
    ReturnPath: returnPath(summary, headers, from),
    Subject: summary.Subject || decodeWords(firstHeader(headers, 'subject')),
    ListUnsubscribe: listUnsubscribeOf(headers),
    Date: messageDate(headers, summary.Created),
    Tags: [...summary.Tags],
    Username: summary.Username,
    Text: '',
    HTML: '',
    Size: raw.length,
    Inline: [],
    Attachments: [],
    ...mailcoveFields(summary),
    Links: [],
    Codes: [],
    ParseError: parseError,
  };
}

function mailcoveFields(summary: MessageSummary): Pick<MessageView, 'Inbox' | 'Envelope' | 'Client'> {
  return {
    Inbox: summary.Inbox,
    Envelope: { MailFrom: summary.Envelope.MailFrom, RcptTo: [...summary.Envelope.RcptTo] },
    Client: { ...summary.Client },
  };
}

function attachmentInfo(leaf: MimeLeaf): AttachmentInfo {
  const digest = (algorithm: string): string => createHash(algorithm).update(leaf.content).digest('hex');
  return {
    PartID: leaf.partId,
    FileName: leaf.fileName || leaf.contentId,
    ContentType: leaf.mediaType,
    ContentID: leaf.contentId,
    Size: leaf.content.length,
    Checksums: { MD5: digest('md5'), SHA1: digest('sha1'), SHA256: digest('sha256') },
  };
}

/**
 * Mailpit's linkInlineImages: an attribute value `cid:<Content-ID>` of an inline part or attachment becomes the
 * part's URL. As there, the Content-ID is matched case-insensitively and must be followed by a quote, space, "/",
 * ">" or ";". Also accepted: the Content-ID as written (not %-decoded), spaces around "=", and CSS url(cid:...).
 */
function linkInlineImages(html: string, split: SplitParts, partUrl: (partId: string) => string): string {
  for (const part of [...split.inline, ...split.attachments]) {
    if (!part.contentId) continue;
    const ids = [...new Set([part.contentId, part.rawContentId])].filter(Boolean).map(escapeRegExp).join('|');
    const reference = new RegExp(`(=\\s*["']?|url\\(\\s*["']?)cid:(?:${ids})(?=["'\\s/>;)])`, 'gi');
    html = html.replace(reference, (_match, prefix: string) => prefix + partUrl(part.partId));
  }
  return html;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function errorText(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)) || 'unparseable message';
}

function asAddressField(value: unknown): AddressObject | AddressObject[] | undefined {
  if (Array.isArray(value)) return value.filter(isAddressObject);
  return isAddressObject(value) ? value : undefined;
}

function isAddressObject(value: unknown): value is AddressObject {
  return typeof value === 'object' && value !== null && Array.isArray((value as { value?: unknown }).value);
}

/** As Mailpit: a From header that holds no address becomes the name. */
function fallbackFrom(headers: HeaderField[]): Address {
  return { Name: decodeWords(firstHeader(headers, 'from')), Address: '' };
}

function messageId(headers: HeaderField[]): string {
  return trimBrackets(decodeWords(firstHeader(headers, 'message-id')));
}

/**
 * Mailpit rewrites Return-Path to the SMTP MAIL FROM when it receives a message and falls back to the From address;
 * Mailcove keeps the raw bytes untouched, so the envelope sender comes first here.
 */
function returnPath(summary: MessageSummary, headers: HeaderField[], from: Address): string {
  return summary.Envelope.MailFrom || trimBrackets(decodeWords(firstHeader(headers, 'return-path'))) || from.Address;
}

function listUnsubscribeOf(headers: HeaderField[]): ListUnsubscribe {
  const header = decodeWords(firstHeader(headers, 'list-unsubscribe'));
  return header ? listUnsubscribe(header, decodeWords(firstHeader(headers, 'list-unsubscribe-post'))) : emptyListUnsubscribe();
}

function trimBrackets(s: string): string {
  return s.replace(/^[<>]+|[<>]+$/g, '');
}

// ---- Header block, read the way Go's net/textproto reads it -------------------------------------------------

type HeaderField = [name: string, value: string];

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * The top-level header fields in order, as [name as written, value]. Continuation lines are joined with a single
 * space, each line trimmed of spaces and tabs; the value loses its leading whitespace. Lines Go would reject (no
 * colon, a name with characters other than a token's or spaces, a leading continuation) are skipped.
 */
function readHeaderBlock(raw: Buffer): HeaderField[] {
  const lines = headerLines(raw).lines.map(({ line }) => line.toString('utf8').replace(/\r?\n$/, ''));

  const fields: HeaderField[] = [];
  let current: string | null = null;
  const flush = (): void => {
    if (current === null) return;
    const colon = current.indexOf(':');
    const name = colon > 0 ? current.slice(0, colon) : '';
    if (name && TOKEN.test(name.replace(/ /g, ''))) fields.push([name, current.slice(colon + 1).replace(/^[ \t]+/, '')]);
    current = null;
  };
  for (const line of lines) {
    if (line[0] === ' ' || line[0] === '\t') {
      if (current !== null) current += ' ' + trimSpaceTab(line);
      continue;
    }
    flush();
    current = trimSpaceTab(line);
  }
  flush();
  return fields;
}

function firstHeader(headers: HeaderField[], lowerName: string): string {
  return headers.find(([name]) => name.toLowerCase() === lowerName)?.[1] ?? '';
}

function trimSpaceTab(s: string): string {
  return s.replace(/^[ \t]+|[ \t]+$/g, '');
}

/** Go's CanonicalMIMEHeaderKey: upper-case the first letter and each one after "-"; names with spaces unchanged. */
function canonicalHeaderKey(name: string): string {
  if (!TOKEN.test(name)) return name;
  let upper = true;
  let out = '';
  for (const c of name) {
    out += upper ? c.toUpperCase() : c.toLowerCase();
    upper = c === '-';
  }
  return out;
}

/** Go's encoding/json orders map keys by their bytes. */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

// ---- RFC 2047 encoded words ----------------------------------------------------------------------------------

const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;

/** Decodes RFC 2047 encoded words; adjacent words lose the whitespace between them. Unknown charsets stay encoded. */
export function decodeWords(value: string): string {
  if (!value.includes('=?')) return value;
  let out = '';
  let last = 0;
  let run: { charset: string; bytes: Buffer[]; source: string } | null = null;
  const flushRun = (): void => {
    if (!run) return;
    out += decodeCharset(run.charset, Buffer.concat(run.bytes)) ?? run.source;
    run = null;
  };
  for (const match of value.matchAll(ENCODED_WORD)) {
    const [word, charsetSpec = '', encoding = '', text = ''] = match;
    const gap = value.slice(last, match.index);
    last = match.index + word.length;
    const bytes = decodeWordBytes(encoding, text);
    const charset = charsetSpec.split('*')[0]!.toLowerCase();
    if (bytes === null) {
      flushRun();
      out += gap + word;
      continue;
    }
    const adjacent = run !== null && /^[ \t\r\n]*$/.test(gap);
    if (adjacent && run!.charset === charset) {
      run!.bytes.push(bytes);
      run!.source += gap + word;
      continue;
    }
    flushRun();
    if (!adjacent) out += gap;
    run = { charset, bytes: [bytes], source: word };
  }
  flushRun();
  return out + value.slice(last);
}

function decodeWordBytes(encoding: string, text: string): Buffer | null {
  if (encoding === 'B' || encoding === 'b') {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
    return Buffer.from(text, 'base64');
  }
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '_') bytes.push(0x20);
    else if (c === '=') {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return null;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(c.charCodeAt(0) & 0xff);
  }
  return Buffer.from(bytes);
}

function decodeCharset(charset: string, bytes: Buffer): string | null {
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return null;
  }
}

// ---- Date -------------------------------------------------------------------------------------------------

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const ZONES: Record<string, number> = { ut: 0, utc: 0, gmt: 0, z: 0, est: -300, edt: -240, cst: -360, cdt: -300, mst: -420, mdt: -360, pst: -480, pdt: -420 };

/** The Date header as RFC 3339 in its own UTC offset (as Go marshals a parsed time), else `fallback`. */
function messageDate(headers: HeaderField[], fallback: string): string {
  return formatMailDate(decodeWords(firstHeader(headers, 'date'))) ?? fallback;
}

/** An RFC 5322 date-time (obsolete zone names included) → RFC 3339, or null when it does not parse. */
export function formatMailDate(value: string): string | null {
  const m = /^\s*(?:[A-Za-z]{3,9}\s*,?\s*)?(\d{1,2})\s+([A-Za-z]{3,9})\.?\s+(\d{2,4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4}|[A-Za-z]{1,5})?(?:\s|\(|$)/.exec(value);
  if (!m) return null;
  const [, day, monthName, yearText, hourText, minuteText, secondText, zoneText] = m;
  const month = MONTHS.indexOf(monthName!.slice(0, 3).toLowerCase());
  let year = Number(yearText);
  if (yearText!.length === 2) year += year < 50 ? 2000 : 1900;
  else if (yearText!.length === 3) year += 1900;
  const [d, h, min, s] = [Number(day), Number(hourText), Number(minuteText), Number(secondText ?? '0')];
  if (month < 0 || d < 1 || h > 23 || min > 59 || s > 60) return null;

  let offset: number;
  if (!zoneText) return null;
  if (/^[+-]\d{4}$/.test(zoneText)) {
    const hh = Number(zoneText.slice(1, 3));
    const mm = Number(zoneText.slice(3, 5));
    if (mm > 59) return null;
    offset = (zoneText[0] === '-' ? -1 : 1) * (hh * 60 + mm);
  } else {
    // RFC 5322 4.3: other (military) zone letters are to be treated as -0000.
    offset = ZONES[zoneText.toLowerCase()] ?? 0;
  }

  const local = new Date(Date.UTC(year, month, d, h, min, Math.min(s, 59)));
  if (local.getUTCDate() !== d || local.getUTCMonth() !== month) return null;
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  const stamp = `${pad(local.getUTCFullYear(), 4)}-${pad(month + 1)}-${pad(d)}T${pad(h)}:${pad(min)}:${pad(Math.min(s, 59))}`;
  if (offset === 0) return `${stamp}Z`;
  const abs = Math.abs(offset);
  return `${stamp}${offset < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

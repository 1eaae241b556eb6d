// Raw message + SMTP session metadata → the summary the index keeps. Mail that will not parse still gets a
// summary (with ParseError) so the catch-all never loses it.
import { simpleParser, type AddressObject, type EmailAddress, type ParsedMail, type SimpleParserOptions } from 'mailparser';
import type { Address, MessageMeta, MessageSummary, SearchFields, Summarised } from '../store/types.ts';
import { resolveInbox } from './inbox.ts';
import { partRole } from './parts.ts';
import { arrivalTags } from './tags.ts';

/** Shared with the benchmark's baseline so both sides do the same parsing work. */
export const PARSE_OPTIONS: SimpleParserOptions = { skipTextToHtml: true, skipImageLinks: true };

const SNIPPET_LENGTH = 250;
/** Bare-word search covers this much decoded body text per message; it bounds memory for huge bodies. */
const SEARCH_TEXT_LIMIT = 32 * 1024;

export async function summarise(raw: Buffer, meta: MessageMeta, id: string, created: Date): Promise<Summarised> {
  let parsed: ParsedMail;
  try {
    parsed = await simpleParser(raw, PARSE_OPTIONS);
  } catch (err) {
    const summary = unparsedSummary(raw, meta, id, created, (err as Error).message || String(err));
    return { summary, search: searchFields(summary, '', [], 0) };
  }
  const to = addresses(parsed.to);
  const cc = addresses(parsed.cc);
  const bcc = withEnvelopeBcc(addresses(parsed.bcc), [...to, ...cc], meta.envelope.rcptTo);
  const roles = parsed.attachments.map(partRoleOf);
  const inline = roles.filter((r) => r === 'inline' || r === 'undisposed');
  const attachments = roles.filter((r) => r === 'attachment');
  const summary: MessageSummary = {
    ...base(raw, meta, id, created),
    MessageID: stripBrackets(parsed.messageId ?? ''),
    Inbox: resolveInbox(meta.username, headerText(parsed, 'x-mailcove-inbox')),
    From: addresses(parsed.from)[0] ?? null,
    To: to,
    Cc: cc,
    Bcc: bcc,
    ReplyTo: addresses(parsed.replyTo),
    Subject: parsed.subject ?? '',
    Tags: arrivalTags(headerText(parsed, 'x-tags'), [...to, ...cc, ...bcc]),
    Attachments: attachments.length,
    Snippet: snippet(parsed),
  };
  const fileNames = parsed.attachments.map((a) => a.filename ?? '');
  return { summary, search: searchFields(summary, parsed.text ?? '', fileNames, inline.length) };
}

function headerText(parsed: ParsedMail, name: string): string {
  const value = parsed.headers.get(name);
  return typeof value === 'string' ? value : '';
}

function searchFields(summary: MessageSummary, text: string, fileNames: string[], inline: number): SearchFields {
  const people = [summary.From, ...summary.To, ...summary.Cc, ...summary.Bcc, ...summary.ReplyTo]
    .filter((a): a is Address => a !== null)
    .map((a) => `${a.Name} ${a.Address}`);
  const parts = [summary.Subject, ...people, ...fileNames.filter(Boolean), text.slice(0, SEARCH_TEXT_LIMIT)];
  return { text: parts.join('\n').toLowerCase(), inline };
}

function base(raw: Buffer, meta: MessageMeta, id: string, created: Date): MessageSummary {
  return {
    ID: id,
    MessageID: '',
    Inbox: resolveInbox(meta.username, ''),
    Read: false,
    From: null,
    To: [],
    Cc: [],
    Bcc: [],
    ReplyTo: [],
    Subject: '',
    Created: created.toISOString(),
    Tags: [],
    Size: raw.length,
    Attachments: 0,
    Snippet: '',
    Username: meta.username,
    Envelope: { MailFrom: meta.envelope.mailFrom, RcptTo: [...meta.envelope.rcptTo] },
    Client: { Address: meta.client.address, Helo: meta.client.helo, TLS: meta.client.tls },
  };
}

function unparsedSummary(raw: Buffer, meta: MessageMeta, id: string, created: Date, reason: string): MessageSummary {
  return {
    ...base(raw, meta, id, created),
    From: meta.envelope.mailFrom ? { Name: '', Address: meta.envelope.mailFrom } : null,
    Bcc: meta.envelope.rcptTo.map((a) => ({ Name: '', Address: a })),
    ParseError: reason,
  };
}

export function addresses(field: AddressObject | AddressObject[] | undefined): Address[] {
  if (!field) return [];
  const out: Address[] = [];
  const visit = (a: EmailAddress): void => {
    if (a.group) a.group.forEach(visit);
    else if (a.address || a.name) out.push({ Name: a.name ?? '', Address: a.address ?? '' });
  };
  for (const obj of Array.isArray(field) ? field : [field]) obj.value.forEach(visit);
  return out;
}

/** Envelope recipients named in no To, Cc or Bcc header were Bcc'd, as Mailpit reports them. */
function withEnvelopeBcc(headerBcc: Address[], visible: Address[], rcptTo: string[]): Address[] {
  const seen = new Set([...visible, ...headerBcc].map((a) => a.Address.toLowerCase()));
  const bcc = [...headerBcc];
  for (const rcpt of rcptTo) {
    if (seen.has(rcpt.toLowerCase())) continue;
    seen.add(rcpt.toLowerCase());
    bcc.push({ Name: '', Address: rcpt });
  }
  return bcc;
}

/** Classified as the message view classifies parts, so the summary's count matches the view's list. */
function partRoleOf(a: ParsedMail['attachments'][number]) {
  return partRole({
    partId: a.partId ?? '',
    mediaType: (a.contentType ?? '').toLowerCase(),
    disposition: (a.contentDisposition ?? '').toLowerCase(),
    fileName: a.filename ?? '',
    contentId: (a.contentId ?? '').replace(/^<|>$/g, ''),
  });
}

function snippet(parsed: ParsedMail): string {
  // mailparser derives text from the HTML when a message has no text part. Only the head of a long body is
  // collapsed: the snippet needs 250 characters, not the whole text.
  const text = parsed.text ?? '';
  let collapsed = collapseWhitespace(text.slice(0, SNIPPET_LENGTH * 4));
  if (collapsed.length <= SNIPPET_LENGTH && text.length > SNIPPET_LENGTH * 4) collapsed = collapseWhitespace(text);
  // "..." rather than "…": one character outside Latin-1 makes V8 store the whole snippet two bytes a character.
  return collapsed.length > SNIPPET_LENGTH ? collapsed.slice(0, SNIPPET_LENGTH) + '...' : collapsed;
}

/**
 * Every run of whitespace becomes one space. The pattern leaves single spaces alone (a run that starts with a
 * space must be two long to match), which makes it several times faster than /\s+/ on prose.
 */
function collapseWhitespace(text: string): string {
  return text.replace(/[^\S ]\s*| \s+/g, ' ').trim();
}

function stripBrackets(id: string): string {
  return id.replace(/^<|>$/g, '');
}

// Raw message + SMTP session metadata → the summary the index keeps. Mail that will not parse still gets a
// summary (with ParseError) so the catch-all never loses it.
import { simpleParser, type AddressObject, type EmailAddress, type ParsedMail, type SimpleParserOptions } from 'mailparser';
import type { Address, MessageMeta, MessageSummary } from '../store/types.ts';
import { resolveInbox } from './inbox.ts';

/** Shared with the benchmark's baseline so both sides do the same parsing work. */
export const PARSE_OPTIONS: SimpleParserOptions = { skipTextToHtml: true, skipImageLinks: true };

const SNIPPET_LENGTH = 250;

export async function summarise(raw: Buffer, meta: MessageMeta, id: string, created: Date): Promise<MessageSummary> {
  let parsed: ParsedMail;
  try {
    parsed = await simpleParser(raw, PARSE_OPTIONS);
  } catch (err) {
    return unparsedSummary(raw, meta, id, created, (err as Error).message || String(err));
  }
  const to = addresses(parsed.to);
  const cc = addresses(parsed.cc);
  const headerBcc = addresses(parsed.bcc);
  const inboxHeader = parsed.headers.get('x-mailcove-inbox');
  return {
    ...base(raw, meta, id, created),
    MessageID: stripBrackets(parsed.messageId ?? ''),
    Inbox: resolveInbox(meta.username, typeof inboxHeader === 'string' ? inboxHeader : ''),
    From: addresses(parsed.from)[0] ?? null,
    To: to,
    Cc: cc,
    Bcc: withEnvelopeBcc(headerBcc, [...to, ...cc], meta.envelope.rcptTo),
    ReplyTo: addresses(parsed.replyTo),
    Subject: parsed.subject ?? '',
    Attachments: parsed.attachments.filter((a) => !isInline(a)).length,
    Snippet: snippet(parsed),
  };
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

function isInline(a: ParsedMail['attachments'][number]): boolean {
  return a.contentDisposition === 'inline' || a.related === true;
}

function snippet(parsed: ParsedMail): string {
  // mailparser derives text from the HTML when a message has no text part.
  const collapsed = (parsed.text ?? '').replace(/\s+/g, ' ').trim();
  return collapsed.length > SNIPPET_LENGTH ? collapsed.slice(0, SNIPPET_LENGTH) + '…' : collapsed;
}

function stripBrackets(id: string): string {
  return id.replace(/^<|>$/g, '');
}

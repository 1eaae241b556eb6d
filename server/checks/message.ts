// The parsed message every check takes: built once per computation from the stored bytes and the SMTP metadata.
import type { HtmlScan } from '../mail/links.ts';
import { buildViewParts, type MessageView } from '../mail/message-view.ts';
import type { MessageSummary } from '../store/types.ts';

export interface CheckMessage {
  /** What the SMTP session recorded: Client{Address,Helo,TLS}, Envelope{MailFrom,RcptTo}. */
  summary: MessageSummary;
  /** The message exactly as received. */
  raw: Buffer;
  /** Mailpit's parsed view: HTML, Text, addresses, attachments, List-Unsubscribe. */
  view: MessageView;
  /** Top-level headers, names canonicalised (Message-Id, Reply-To), values unfolded and not decoded. */
  headers: Record<string, string[]>;
  /** view.HTML's links (with their tags) and visible text. */
  htmlScan: HtmlScan;
}

export async function readCheckMessage(raw: Buffer, summary: MessageSummary): Promise<CheckMessage> {
  const { view, scan, headers } = await buildViewParts(raw, summary);
  return { summary, raw, view, headers, htmlScan: scan };
}

/** Every value of a header, whatever the case of its name. */
export function headerValues(message: Pick<CheckMessage, 'headers'>, name: string): string[] {
  const lower = name.toLowerCase();
  const out: string[] = [];
  for (const [key, values] of Object.entries(message.headers)) if (key.toLowerCase() === lower) out.push(...values);
  return out;
}

export function hasHeader(message: Pick<CheckMessage, 'headers'>, name: string): boolean {
  return headerValues(message, name).length > 0;
}

// Builds an RFC 5322 message from Mailpit's JSON send request, so HTTP-sent mail is stored exactly like SMTP mail.
import MailComposer from 'nodemailer/lib/mail-composer/index.js';

export interface SendAddress {
  Email: string;
  Name?: string;
}

export interface SendRequest {
  From: SendAddress;
  To?: SendAddress[];
  Cc?: SendAddress[];
  Bcc?: string[];
  ReplyTo?: SendAddress[];
  Subject?: string;
  Text?: string;
  HTML?: string;
  Attachments?: Array<{ Content: string; Filename: string; ContentType?: string; ContentID?: string }>;
  Headers?: Record<string, string>;
  Tags?: string[];
}

export class ComposeError extends Error {}

const EMAIL = /^[^\s@<>]+@[^\s@<>]+$/;
/** Headers the composer derives itself; letting a request set them would contradict the structured fields. */
const RESERVED_HEADERS = new Set(['from', 'to', 'cc', 'bcc', 'reply-to', 'subject', 'content-type', 'content-transfer-encoding', 'mime-version']);

function address(a: SendAddress, field: string): { name: string; address: string } {
  if (!EMAIL.test(a.Email)) throw new ComposeError(`${field}: "${a.Email}" is not an email address`);
  return { name: a.Name ?? '', address: a.Email };
}

export interface Composed {
  raw: Buffer;
  mailFrom: string;
  rcptTo: string[];
}

export async function composeMessage(request: SendRequest): Promise<Composed> {
  const to = (request.To ?? []).map((a) => address(a, 'To'));
  const cc = (request.Cc ?? []).map((a) => address(a, 'Cc'));
  const bcc = (request.Bcc ?? []).map((email) => address({ Email: email }, 'Bcc'));
  const rcptTo = [...to, ...cc, ...bcc].map((a) => a.address);
  if (!rcptTo.length) throw new ComposeError('at least one To, Cc or Bcc recipient is required');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.Headers ?? {})) {
    if (!/^[!-9;-~]+$/.test(name)) throw new ComposeError(`Headers: "${name}" is not a valid header name`);
    if (RESERVED_HEADERS.has(name.toLowerCase())) throw new ComposeError(`Headers: set ${name} through its own field`);
    headers[name] = value.replace(/[\r\n]+/g, ' ');
  }
  if (request.Tags?.length) headers['X-Tags'] = request.Tags.join(', ');
  const attachments = (request.Attachments ?? []).map((a, i) => {
    if (!/^[A-Za-z0-9+/=\s]*$/.test(a.Content)) throw new ComposeError(`Attachments[${i}].Content is not base64`);
    return {
      filename: a.Filename,
      content: Buffer.from(a.Content, 'base64'),
      ...(a.ContentType && { contentType: a.ContentType }),
      ...(a.ContentID && { cid: a.ContentID, contentDisposition: 'inline' as const }),
    };
  });
  const from = address(request.From, 'From');
  const raw = await new MailComposer({
    from,
    to,
    cc,
    replyTo: (request.ReplyTo ?? []).map((a) => address(a, 'ReplyTo')),
    subject: request.Subject ?? '',
    text: request.Text,
    html: request.HTML,
    attachments,
    headers,
  })
    .compile()
    .build();
  return { raw, mailFrom: from.address, rcptTo };
}

// Test messages for the load generator. The bulky part (body) is built and dot-stuffed once per size, so the load
// generator spends its CPU on sockets, not on building mail; only the few header lines that must be unique
// (Message-ID, Subject) are made per message.

export interface MessageTemplate {
  /** Approximate size on the wire, in bytes. */
  size: number;
  /** Unique headers for message `n` of a run, dot-stuffed and CRLF-terminated. */
  head(tag: string, n: number): Buffer;
  /** Everything after the unique headers, dot-stuffed, CRLF line ends, without the trailing CRLF. */
  body: Buffer;
}

/** SMTP transparency (RFC 5321 4.5.2): a line that starts with "." gets a second one. */
export function dotStuff(text: string): string {
  return text.replace(/(^|\r\n)\./g, '$1..');
}

const WORDS = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua'.split(' ');

/** Deterministic prose in 72-column lines; every 7th line starts with "." so dot-stuffing is exercised. */
function prose(bytes: number): string {
  const lines: string[] = [];
  let total = 0;
  let w = 0;
  while (total < bytes) {
    let line = lines.length % 7 === 3 ? '.' : '';
    while (line.length < 72) line += (line.length && line !== '.' ? ' ' : '') + WORDS[w++ % WORDS.length];
    lines.push(line);
    total += line.length + 2;
  }
  return lines.join('\r\n');
}

/** Base64 of pseudo-random bytes in 76-column lines, sized so the encoded text is about `bytes` long. */
function base64Attachment(bytes: number): string {
  // 57 raw bytes make one 76-column line, 78 bytes with its CRLF.
  const raw = Buffer.alloc(Math.floor(bytes / 78) * 57);
  let x = 2463534242;
  for (let i = 0; i < raw.length; i++) {
    // xorshift32: incompressible-looking data, the same every run.
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    raw[i] = x & 0xff;
  }
  return raw.toString('base64').replace(/.{76}/g, '$&\r\n').replace(/\r\n$/, '');
}

function uniqueHead(tag: string, n: number): Buffer {
  return Buffer.from(
    `Message-ID: <${tag}.${n}@bench.mailcove.test>\r\n` +
      `Subject: Mailcove bench ${tag} message ${n}\r\n`,
    'latin1',
  );
}

const COMMON_HEADERS =
  'From: Bench Sender <sender@bench.mailcove.test>\r\n' +
  'To: Bench Inbox <inbox@bench.mailcove.test>\r\n' +
  'Date: Mon, 01 Jan 2024 00:00:00 +0000\r\n' +
  'MIME-Version: 1.0\r\n';

/** A plain-text message of about `bytes` bytes. */
export function textMessage(bytes: number): MessageTemplate {
  const headers = COMMON_HEADERS + 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n';
  const text = headers + prose(Math.max(64, bytes - headers.length - 120));
  const body = Buffer.from(dotStuff(text), 'latin1');
  return { size: body.length + uniqueHead('x', 0).length, head: uniqueHead, body };
}

/** A multipart message of about `bytes` bytes: a short text part and a base64 attachment making up the rest. */
export function attachmentMessage(bytes: number): MessageTemplate {
  const boundary = 'mailcove-bench-boundary';
  const intro = prose(600);
  const text =
    COMMON_HEADERS +
    `Content-Type: multipart/mixed; boundary="${boundary}"\r\n\r\n` +
    `--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${intro}\r\n` +
    `--${boundary}\r\nContent-Type: application/octet-stream; name="data.bin"\r\n` +
    `Content-Disposition: attachment; filename="data.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n` +
    `${base64Attachment(bytes - 1400)}\r\n--${boundary}--`;
  const body = Buffer.from(dotStuff(text), 'latin1');
  return { size: body.length + uniqueHead('x', 0).length, head: uniqueHead, body };
}

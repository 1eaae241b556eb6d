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
  /** Per-message text sent after `body` (which then ends with the blank line); dot-stuffed, no trailing CRLF. */
  tail?(tag: string, n: number): Buffer;
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

// Varied bodies, so bare-word searches over a full store scan realistic text and find only some messages. The
// bodies come from a fixed pool built once; message n of a run takes paragraph (n + hash(tag)) mod POOL, so any
// run of POOL consecutive messages uses each paragraph exactly once.

const VOCABULARY = (
  'account action address after again agent agreement amount answer april archive arrival attach august author ' +
  'balance basket battery before benefit billing border branch budget button buyer cabinet calendar campaign ' +
  'canvas capital carbon carrier catalog center change channel charge check choice circle client closing ' +
  'coffee column comment company confirm contact content contract copper corner counter country course credit ' +
  'cursor customer damage dealer debit december default delivery deposit design detail device digest discount ' +
  'display doctor domain draft driver during editor effect element engine entry estate evening event example ' +
  'export factor family feature february figure filter finance folder follow format forward freight friday ' +
  'garden gateway gender global gold govern ground growth guide harbor header health height history holder ' +
  'hotel house import income index inquiry insight invoice island issue january jacket journal july june ' +
  'kernel kitchen ladder language launch layer leader ledger letter level library license limit linen listing ' +
  'locker lunch machine manager margin market master matter meadow member memory method metric middle minute ' +
  'mirror mobile monday monitor month morning motion museum network notice number object office option orange ' +
  'order origin output owner package palace parcel parent partner payment pencil people period permit person ' +
  'picture pilot planet player pocket policy portal poster powder prefer premium press price printer process ' +
  'profile profit project promise public purchase quarter question radio random reader reason receipt record ' +
  'refund region reminder renewal report request result retail return review reward ribbon river rocket ' +
  'saturday schedule school screen season second section sender service session settle shipping signal silver ' +
  'simple single sister sketch socket source spring stable status stock storage street studio subject summary ' +
  'sunday supply survey system table tablet target ticket timber title token tower track trader travel ' +
  'tuesday update upgrade valley vendor version visitor volume voucher wallet warranty weather website ' +
  'wednesday window winter worker yellow'
).split(' ');

/** Words planted in a known share of the pool (and so of any POOL consecutive messages); none is in VOCABULARY. */
export const PLANTED = { rare: { word: 'kumquat', share: 0.01 }, common: { word: 'marmalade', share: 0.1 } };
const POOL = 1000;

function variedProse(bytes: number, seed: number, planted: string[]): string {
  let x = (seed * 2654435761) >>> 0 || 1;
  const next = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % VOCABULARY.length;
  };
  const words: string[] = [];
  let length = 0;
  while (length < bytes) {
    const word = VOCABULARY[next()]!;
    words.push(word);
    length += word.length + 1;
  }
  // Planted words replace words at seed-dependent positions, away from the edges.
  planted.forEach((word, i) => (words[(seed * 7 + i * 31) % (words.length - 4) + 2] = word));
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line.length + word.length + 1 > 72) {
      lines.push(line);
      // Every 7th line starts with "." so dot-stuffing is exercised, as in the plain template.
      line = lines.length % 7 === 3 ? '.' : '';
    }
    line += (line.length && line !== '.' ? ' ' : '') + word;
  }
  lines.push(line);
  return lines.join('\r\n');
}

function hashTag(tag: string): number {
  let h = 2166136261;
  for (let i = 0; i < tag.length; i++) h = Math.imul(h ^ tag.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** A plain-text message of about `bytes` bytes whose body words vary between messages (see PLANTED). */
export function variedTextMessage(bytes: number): MessageTemplate {
  const headers = COMMON_HEADERS + 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n';
  const proseBytes = Math.max(64, bytes - headers.length - 120);
  const pool: Buffer[] = [];
  for (let i = 0; i < POOL; i++) {
    const planted = Object.values(PLANTED)
      .filter(({ share }) => i % Math.round(1 / share) === Math.round(1 / share) - 1)
      .map(({ word }) => word);
    pool.push(Buffer.from(dotStuff(variedProse(proseBytes, i + 1, planted)), 'latin1'));
  }
  const body = Buffer.from(headers, 'latin1');
  let lastTag = '';
  let lastHash = 0;
  const tail = (tag: string, n: number): Buffer => {
    if (tag !== lastTag) [lastTag, lastHash] = [tag, hashTag(tag)];
    return pool[(n + lastHash) % POOL]!;
  };
  const average = pool.reduce((sum, b) => sum + b.length, 0) / POOL;
  return { size: Math.round(body.length + average + uniqueHead('x', 0).length), head: uniqueHead, body, tail };
}

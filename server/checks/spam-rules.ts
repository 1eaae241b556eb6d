// The built-in spam analyser: an offline rule set in the spirit of SpamAssassin. Each rule that matches adds its
// points; 5 or more is spam (SpamAssassin's default required_score). The table (SPAM_RULES) is the documentation: the
// README lists it, and every rule has a fixture in tests/checks-spam.test.ts.
import { Splitter, type MimeNode, type SplitterChunk } from '@zone-eu/mailsplit';
import { hasHeader, headerValues, type CheckMessage } from './message.ts';
import { httpUrls, isHttpUrl, type HtmlLink } from '../mail/links.ts';

/** Mailpit's SpamAssassinResponse, plus the engine that produced it and the threshold. */
export interface SpamReport {
  IsSpam: boolean;
  /** Set when the engine could not check the message; the rest is then empty. */
  Error: string;
  Score: number;
  Rules: SpamRuleHit[];
  Engine: 'builtin' | 'spamassassin';
  /** The score at which a message counts as spam. */
  Threshold: number;
}

export interface SpamRuleHit {
  Score: number;
  Name: string;
  Description: string;
}

export const SPAM_THRESHOLD = 5;

interface Facts {
  message: CheckMessage;
  subject: string;
  /** Readable body text: the text part, else the text of the HTML. */
  body: string;
  html: string;
  htmlText: string;
  links: HtmlLink[];
  urls: string[];
  leaves: EncodedLeaf[];
}

export interface SpamRule {
  name: string;
  points: number;
  description: string;
  test: (f: Facts) => boolean;
}

const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';

const SHORTENERS = new Set(['bit.ly', 'bitly.com', 'tinyurl.com', 'goo.gl', 't.co', 'ow.ly', 'is.gd', 'buff.ly', 'rebrand.ly', 'cutt.ly', 'shorturl.at', 'tiny.cc', 'rb.gy', 'bit.do', 's.id', 'v.gd', 't.ly', 'shorte.st', 'adf.ly', 'lnkd.in']);

const MONEY_PHRASES = [
  /\byou(?:'ve| have)? (?:just )?won\b/i,
  /\bclaim (?:your|the) (?:prize|reward|winnings|money|cash)\b/i,
  /\b(?:lottery|sweepstakes?|jackpot)\b/i,
  /\b(?:million|billion) (?:dollars|usd|euros?|pounds)\b/i,
  /\bwire transfer\b/i,
  /\b100% free\b/i,
  /\brisk[- ]free\b/i,
  /\bcash (?:bonus|prize|reward)\b/i,
  /\bact now\b/i,
  /\blimited time offer\b/i,
  /\bdouble your (?:money|income)\b/i,
  /\bmake money (?:fast|online|from home)\b/i,
  /\bearn (?:\$|€|£)\s?\d/i,
  /\bcongratulations?\b.{0,40}\b(?:winner|won|selected)\b/i,
  /\b(?:free|no[- ]cost) (?:gift|iphone|money|cash)\b/i,
  /\bno credit check\b/i,
  /\bguaranteed (?:income|profit|returns?)\b/i,
  /\b(?:inheritance|beneficiary) (?:fund|claim)s?\b/i,
];

const RISKY_EXTENSIONS = /\.(exe|scr|pif|com|bat|cmd|vbs|vbe|js|jse|wsf|wsh|hta|jar|msi|msp|cpl|lnk|ps1|reg|iso|img|docm|xlsm|pptm)$/i;

/** The rules, in the order they are reported. */
export const SPAM_RULES: readonly SpamRule[] = [
  { name: 'GTUBE', points: 1000, description: 'Generic Test for Unsolicited Bulk Email (GTUBE) string', test: (f) => f.message.raw.includes(GTUBE) || f.body.includes(GTUBE) },
  { name: 'MISSING_DATE', points: 1.4, description: 'Missing Date: header', test: (f) => !hasHeader(f.message, 'date') },
  { name: 'MISSING_MID', points: 0.5, description: 'Missing Message-Id: header', test: (f) => !headerValues(f.message, 'message-id').some((v) => v.trim()) },
  { name: 'MISSING_SUBJECT', points: 1.0, description: 'Missing or empty Subject: header', test: (f) => f.subject.trim() === '' },
  { name: 'MISSING_FROM', points: 1.5, description: 'Missing From: header, or it has no address', test: (f) => !f.message.view.From.Address },
  { name: 'MISSING_TO', points: 1.0, description: 'Missing To: header', test: (f) => !hasHeader(f.message, 'to') },
  { name: 'DATE_IN_FUTURE', points: 1.5, description: 'Date: is more than a day after the message was received', test: dateInFuture },
  { name: 'MIME_NO_VERSION', points: 0.5, description: 'Content-Type: without MIME-Version: header', test: (f) => hasHeader(f.message, 'content-type') && !hasHeader(f.message, 'mime-version') },
  { name: 'EMPTY_BODY', points: 1.0, description: 'Message has no text, HTML or attachment', test: (f) => f.body.trim() === '' && f.message.view.Attachments.length === 0 && f.message.view.Inline.length === 0 },
  { name: 'MIME_HTML_ONLY', points: 1.1, description: 'HTML with no text/plain part', test: (f) => f.html !== '' && !f.leaves.some((l) => l.type === 'text/plain' && l.disposition !== 'attachment') },
  { name: 'HTML_IMAGE_RATIO', points: 1.5, description: 'HTML is mostly images: under 200 characters of text per image', test: imageHeavy },
  { name: 'SUBJ_ALL_CAPS', points: 1.5, description: 'Subject is all capitals', test: (f) => shouting(f.subject, 8, 0.9) },
  { name: 'SUBJ_EXCLAIM', points: 1.0, description: 'Subject has two or more exclamation marks', test: (f) => (f.subject.match(/!/g)?.length ?? 0) >= 2 },
  { name: 'BODY_ALL_CAPS', points: 1.5, description: 'Body text is mostly capitals', test: (f) => shouting(f.body, 50, 0.7) },
  { name: 'BODY_EXCLAIM', points: 1.0, description: 'Body has "!!!" or more than 10 exclamation marks', test: (f) => /!!!/.test(f.body) || (f.body.match(/!/g)?.length ?? 0) > 10 },
  { name: 'MONEY_PHRASES', points: 1.5, description: 'One or two money or prize phrases ("you have won", "claim your prize", "wire transfer"...)', test: (f) => between(moneyPhrases(f), 1, 2) },
  { name: 'MONEY_PHRASES_MANY', points: 3.0, description: 'Three or more money or prize phrases', test: (f) => moneyPhrases(f) >= 3 },
  { name: 'URL_SHORTENER', points: 1.0, description: 'Links through a URL shortener (bit.ly, tinyurl.com...)', test: (f) => f.urls.some((u) => SHORTENERS.has(hostOf(u).replace(/^www\./, ''))) },
  { name: 'IP_ADDRESS_LINK', points: 1.0, description: 'Links to a numeric IP address', test: (f) => f.urls.some((u) => /^(\d{1,3}\.){3}\d{1,3}$|^\[/.test(hostOf(u))) },
  { name: 'LINK_TEXT_MISMATCH', points: 2.0, description: 'Link text shows a URL on another host than the link goes to', test: (f) => f.links.some(textShowsOtherHost) },
  { name: 'FROM_REPLYTO_DIFFER', points: 1.0, description: 'Reply-To: is on another domain than From:', test: replyToElsewhere },
  { name: 'FROM_NAME_SPOOF', points: 1.5, description: 'From: display name holds an address on another domain', test: displayNameSpoof },
  { name: 'BULK_NO_UNSUBSCRIBE', points: 1.5, description: 'Bulk mail (Precedence: bulk/list, List-Id: or an unsubscribe link) without a List-Unsubscribe: header', test: (f) => looksBulk(f) && !hasHeader(f.message, 'list-unsubscribe') },
  { name: 'SUSPICIOUS_ATTACHMENT', points: 3.0, description: 'Attachment of an executable or script type (.exe, .scr, .js, .vbs...), or a double extension', test: (f) => f.message.view.Attachments.some((a) => RISKY_EXTENSIONS.test(a.FileName.trim()) || /\.(pdf|docx?|xlsx?|jpe?g|png|txt)\.[a-z0-9]{2,4}$/i.test(a.FileName.trim())) },
  { name: 'TEXT_BASE64_UNNEEDED', points: 1.0, description: 'Text part base64-encoded though it is plain 7-bit ASCII', test: (f) => f.leaves.some(needlessBase64) },
];

/** Runs the built-in rules. Pure: the same message always scores the same. */
export async function spamRulesCheck(message: CheckMessage): Promise<SpamReport> {
  const facts = await factsOf(message);
  const rules = SPAM_RULES.filter((rule) => rule.test(facts)).map((rule) => ({ Score: rule.points, Name: rule.name, Description: rule.description }));
  const score = roundScore(rules.reduce((sum, r) => sum + r.Score, 0));
  return { IsSpam: score >= SPAM_THRESHOLD, Error: '', Score: score, Rules: rules, Engine: 'builtin', Threshold: SPAM_THRESHOLD };
}

/** Mailpit rounds scores down to one decimal. */
export function roundScore(n: number): number {
  return Math.floor(n * 10 + 1e-9) / 10;
}

async function factsOf(message: CheckMessage): Promise<Facts> {
  const html = message.view.HTML;
  const scanned = message.htmlScan;
  const body = message.view.Text || scanned.text;
  const urls = httpUrls(scanned, message.view.Text);
  return { message, subject: message.view.Subject, body, html, htmlText: scanned.text, links: scanned.links, urls, leaves: await encodedLeaves(message.raw) };
}

function dateInFuture(f: Facts): boolean {
  const date = Date.parse(f.message.view.Date);
  const received = Date.parse(f.message.summary.Created);
  return hasHeader(f.message, 'date') && Number.isFinite(date) && Number.isFinite(received) && date - received > 86_400_000;
}

function imageHeavy(f: Facts): boolean {
  const images = f.links.filter((l) => l.tag === 'img').length;
  return images > 0 && f.htmlText.replace(/\s+/g, '').length < 200 * images;
}

/** At least `minLetters` letters, and at least `ratio` of them capitals. */
function shouting(text: string, minLetters: number, ratio: number): boolean {
  const letters = text.match(/\p{L}/gu) ?? [];
  if (letters.length < minLetters) return false;
  const upper = letters.filter((c) => c !== c.toLowerCase() && c === c.toUpperCase()).length;
  return upper / letters.length >= ratio;
}

function moneyPhrases(f: Facts): number {
  const text = `${f.subject}\n${f.body}`;
  return MONEY_PHRASES.filter((re) => re.test(text)).length;
}

function between(n: number, min: number, max: number): boolean {
  return n >= min && n <= max;
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return '';
  }
}

/** The link text reads like a URL or domain, and that host is not the one the href goes to. */
function textShowsOtherHost(link: HtmlLink): boolean {
  if (link.tag !== 'a' || !isHttpUrl(link.url)) return false;
  const shown = /^(?:https?:\/\/)?((?:[a-z0-9-]+\.)+[a-z]{2,})(?:[/:?#]\S*)?$/i.exec(link.text.trim())?.[1]?.toLowerCase();
  if (!shown) return false;
  const target = hostOf(link.url);
  return !sameSite(shown.replace(/^www\./, ''), target.replace(/^www\./, ''));
}

/** One host is the other or a subdomain of it. */
function sameSite(a: string, b: string): boolean {
  return a === b || a.endsWith(`.${b}`) || b.endsWith(`.${a}`);
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

function replyToElsewhere(f: Facts): boolean {
  const from = f.message.view.From.Address;
  if (!from) return false;
  return f.message.view.ReplyTo.some((r) => r.Address && !sameSite(domainOf(r.Address), domainOf(from)));
}

function displayNameSpoof(f: Facts): boolean {
  const { Name, Address } = f.message.view.From;
  const shown = /[\w.+-]+@([\w-]+(?:\.[\w-]+)+)/.exec(Name)?.[1]?.toLowerCase();
  return Boolean(shown && Address && !sameSite(shown, domainOf(Address)));
}

function looksBulk(f: Facts): boolean {
  const precedence = headerValues(f.message, 'precedence').join(' ');
  return /\b(bulk|list|junk)\b/i.test(precedence) || hasHeader(f.message, 'list-id') || /\bunsubscribe\b/i.test(`${f.body}\n${f.links.map((l) => l.text).join('\n')}`);
}

function needlessBase64(leaf: EncodedLeaf): boolean {
  if (!isBase64Text(leaf)) return false;
  const bytes = Buffer.from(leaf.body, 'base64');
  if (bytes.length === 0) return false;
  for (const b of bytes) if (b >= 0x80 || (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d)) return false;
  // Lines past 998 characters are a reason to encode even plain ASCII.
  return bytes.toString('latin1').split(/\r?\n/).every((line) => line.length <= 998);
}

// ---- MIME leaves with their transfer encoding (the parsed view does not keep it) ------------------------------

interface EncodedLeaf {
  /** Media type, lower-cased, no parameters. */
  type: string;
  disposition: string;
  /** Content-Transfer-Encoding, lower-cased. */
  encoding: string;
  /** The encoded body, as latin1 text; kept only where isBase64Text ('' otherwise). */
  body: string;
}

/** Base64 text that is not an attachment: the only leaves whose body a rule reads. */
function isBase64Text(leaf: EncodedLeaf): boolean {
  return leaf.type.startsWith('text/') && leaf.disposition !== 'attachment' && leaf.encoding === 'base64';
}

/**
 * Every leaf part, split by mailsplit (the MIME splitter under mailparser). An embedded message/rfc822 counts as
 * one leaf, inline or not. Mail that mailsplit refuses (too many parts, a header block over its limit) gives the
 * leaves found before that: such mail is stored with a ParseError and still gets a spam report.
 */
async function encodedLeaves(raw: Buffer): Promise<EncodedLeaf[]> {
  const leaves: Array<{ leaf: EncodedLeaf; node: MimeNode; chunks: Buffer[] | null }> = [];
  const splitter = new Splitter({ ignoreEmbedded: true });
  splitter.end(raw);
  try {
    for await (const chunk of splitter as AsyncIterable<SplitterChunk>) {
      if (chunk.type === 'node' && !chunk.multipart) {
        const leaf = {
          type: (chunk.contentType || 'text/plain').toLowerCase(),
          disposition: (chunk.disposition || '').toLowerCase(),
          encoding: (chunk.encoding || '').toLowerCase(),
          body: '',
        };
        leaves.push({ leaf, node: chunk, chunks: isBase64Text(leaf) ? [] : null });
      } else if (chunk.type === 'body') {
        // A leaf's body chunks follow its node, before the next node.
        const last = leaves[leaves.length - 1];
        if (last?.node === chunk.node) last.chunks?.push(chunk.value);
      }
    }
  } catch {
    splitter.destroy();
  }
  return leaves.map(({ leaf, chunks }) => (chunks ? { ...leaf, body: Buffer.concat(chunks).toString('latin1') } : leaf));
}

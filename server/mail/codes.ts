// One-time codes (OTPs, verification and login codes, PINs) in a message, most likely first. A candidate is a
// 4–10 digit number (also written spaced, "731 904" or "7 3 1 9 0 4") or a 6–12 character token of letters and
// digits, and it only counts near a word such as "code", "OTP", "verification", "PIN" or "passcode". Years,
// prices, times, dates, phone numbers, order numbers and anything inside a URL are not codes.

interface Candidate {
  code: string;
  score: number;
  at: number;
}

const KEYWORD = /\b(?:(?:one[- ]?time|verification|verify|security|login|log-in|sign[- ]?in|confirmation|access|auth(?:entication)?|reset|temporary)\s+(?:code|pin|password|passcode)|otp|passcode|pass code|pin|2fa|mfa|code|codes|token|verification|verify|c[oó]digo|codice|kod)\b/gi;
/** Candidates scoring below this (far from any keyword, or penalised as a year, price, order number…) are dropped. */
const MIN_SCORE = 600;
/** How far (in characters) a code may sit after its keyword, or before it. */
const AFTER_KEYWORD = 300;
const BEFORE_KEYWORD = 120;
/** Characters that glue a number to something else: decimals, dates, times, prices, URLs, identifiers. */
const DIGITS = /(?<![\w.,/:$€£¥#+@-]|\d[ -])(\d{4,10})(?![\w/:%@]|[.,-]\d|[ -]\d)/g;
const SPACED = /(?<![\w.,/:$€£¥#+@-])(\d{3,4}(?:[ -]\d{3,4}){1,2})(?![\w/:%@]|[.,-]\d)/g;
const LETTER_SPACED = /(?<![\w.,/:$€£¥#+@-])(\d(?: \d){3,9})(?![\w/:%@]|[.,-]?\d)/g;
const TOKEN = /(?<![\w.,/:$€£¥#+@-])([A-Za-z0-9]{6,12})(?![\w/:@-])/g;
const URLS_AND_EMAILS = /\b(?:https?:\/\/|www\.)\S+|\b[\w.+-]+@[\w-]+\.[\w.-]+/gi;
/** A US state before a number makes it a ZIP code ("CA 94103"); case matters here. */
const STATE_BEFORE = /\b[A-Z]{2}\s$/;
/** Words after a number that make it part of a postal address. */
const NOT_A_CODE_AFTER = /^\s*(?:[A-Z][a-z]+\s+)?(?:st|street|ave|avenue|rd|road|blvd|boulevard|lane|ln|way|drive|dr|floor|fl)\b/i;
/** A code this far below the best one is noise (a number in a footer that happens to sit near "code"). */
const KEEP_WITHIN = 250;
/** Words before a number that make it something other than a code. */
const NOT_A_CODE_BEFORE = /(?:\+\d{1,3}\W{0,2}|©|\(c\)|copyright|order|invoice|ref(?:erence)?|ticket|case|account|acct|no\.?|number|tel|phone|fax|call|suite|zip|postcode|id|\$|€|£|#)\W{0,3}$/i;

/** `htmlText` is the HTML's visible text (scanHtml), which puts each block (table cell, paragraph) on a line of its own: standsAlone() relies on that. */
export function extractCodes(htmlText: string, text: string): string[] {
  const sources = [text, htmlText].filter(Boolean);
  const best = new Map<string, Candidate>();
  for (const source of sources) {
    for (const candidate of candidates(source)) {
      const seen = best.get(candidate.code);
      if (!seen || candidate.score > seen.score) best.set(candidate.code, candidate);
    }
  }
  const ranked = [...best.values()].sort((a, b) => b.score - a.score || a.at - b.at);
  return ranked.filter((c) => c.score >= ranked[0]!.score - KEEP_WITHIN).map((c) => c.code);
}

function candidates(source: string): Candidate[] {
  // URLs and addresses are blanked out (same length, so positions still line up).
  const text = source.replace(URLS_AND_EMAILS, (m) => ' '.repeat(m.length));
  // A two-word keyword ("verification code", "one-time passcode") is a surer sign than a bare "code".
  const keywords = [...text.matchAll(KEYWORD)].map((m) => ({ start: m.index, end: m.index + m[0].length, strong: /\s/.test(m[0]) }));
  if (!keywords.length) return [];
  const found: Candidate[] = [];
  const consider = (raw: string, at: number, kind: 'digits' | 'spaced' | 'token') => {
    const code = raw.replace(/[ -]/g, '');
    if (kind === 'token' && !plausibleToken(code)) return;
    if (kind !== 'token' && (code.length < 4 || code.length > 10)) return;
    const proximity = nearestKeyword(keywords, at, at + raw.length);
    if (proximity === null) return;
    let score = proximity;
    if (/^\d+$/.test(code)) {
      if (code.length === 6) score += 60;
      else if (code.length === 4 || code.length === 8) score += 20;
      if (code.length === 4 && /^(19|20)\d\d$/.test(code)) score -= 600;
    } else score -= 40;
    if (kind === 'spaced') score += 10;
    const before = text.slice(Math.max(0, at - 20), at);
    if (NOT_A_CODE_BEFORE.test(before) || STATE_BEFORE.test(before)) score -= 700;
    if (NOT_A_CODE_AFTER.test(text.slice(at + raw.length, at + raw.length + 24))) score -= 700;
    if (standsAlone(text, at, raw.length)) score += 80;
    if (score >= MIN_SCORE) found.push({ code, score, at });
  };
  for (const m of text.matchAll(DIGITS)) consider(m[1]!, m.index, 'digits');
  for (const m of text.matchAll(SPACED)) consider(m[1]!, m.index, 'spaced');
  for (const m of text.matchAll(LETTER_SPACED)) consider(m[1]!, m.index, 'spaced');
  for (const m of text.matchAll(TOKEN)) if (!/^\d+$/.test(m[1]!)) consider(m[1]!, m.index, 'token');
  return found;
}

/** 1000 for a code right after its keyword, falling with distance; codes before their keyword count for less. */
function nearestKeyword(keywords: Array<{ start: number; end: number; strong: boolean }>, start: number, end: number): number | null {
  let best: number | null = null;
  for (const k of keywords) {
    let score: number | null = null;
    if (k.end <= start && start - k.end <= AFTER_KEYWORD) score = 1000 - (start - k.end);
    else if (k.start >= end && k.start - end <= BEFORE_KEYWORD) score = 1000 - 2 * (k.start - end) - 100;
    if (score !== null && k.strong) score += 50;
    if (score !== null && (best === null || score > best)) best = score;
  }
  return best;
}

/** A code set on a line (or cell) of its own, as OTP templates do. */
function standsAlone(text: string, at: number, length: number): boolean {
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  const lineEnd = text.indexOf('\n', at + length);
  const line = text.slice(lineStart, lineEnd === -1 ? undefined : lineEnd);
  return line.trim().length === length;
}

/** Letters and digits mixed like a code (X7K9P2, aB3dE5f9), not a word with a digit in it (Windows11, h264). */
function plausibleToken(token: string): boolean {
  const digits = token.replace(/\D/g, '').length;
  const letters = token.length - digits;
  if (!digits || !letters) return false;
  if (/[a-z]{4,}/.test(token)) return false;
  if (/^[A-Z0-9]+$/.test(token)) return digits >= 2 || token.length >= 8;
  return digits >= 2 && letters >= 2;
}

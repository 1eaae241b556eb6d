// The links a test wants to follow: HTML anchors (with their visible text) and bare URLs in the text part, in
// document order, each URL once. Pure: the message view calls it with the bodies it has already decoded.
import { Parser } from 'htmlparser2';

export interface Link {
  URL: string;
  /** The anchor's visible text, whitespace collapsed; '' for a bare URL in the text part. */
  Text: string;
}

/** http(s) URLs, and mailto/tel only when they are anchors (a bare "tel:" in prose is rarely meant as a link). */
const ANCHOR_SCHEMES = /^(https?:|mailto:|tel:)/i;
/** A bare URL in text runs until whitespace or a closing bracket/quote; trailing punctuation is not part of it. */
const BARE_URL = /\bhttps?:\/\/[^\s<>"'()[\]{}]+/gi;
const TRAILING_PUNCTUATION = /[.,;:!?]+$/;

export function extractLinks(html: string, text: string): Link[] {
  const links: Link[] = [];
  const seen = new Set<string>();
  const add = (url: string, label: string) => {
    if (seen.has(url)) return;
    seen.add(url);
    links.push({ URL: url, Text: label });
  };
  for (const anchor of anchors(html)) if (ANCHOR_SCHEMES.test(anchor.URL)) add(anchor.URL, anchor.Text);
  for (const url of bareUrls(text)) add(url, '');
  return links;
}

/** Anchors with an href, in order; nested tags inside an anchor contribute their text; image alt text counts. */
function anchors(html: string): Link[] {
  if (!html) return [];
  const found: Link[] = [];
  let open: { url: string; text: string[] } | null = null;
  let skipDepth = 0;
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        if (name === 'script' || name === 'style') skipDepth++;
        if (name === 'a') {
          if (open) found.push(close(open));
          const href = (attrs.href ?? '').trim();
          open = href ? { url: href, text: [] } : null;
        } else if (name === 'img' && open && attrs.alt) open.text.push(` ${attrs.alt} `);
        else if (name === 'br' && open) open.text.push(' ');
      },
      ontext(data) {
        if (open && !skipDepth) open.text.push(data);
      },
      onclosetag(name) {
        if (name === 'script' || name === 'style') skipDepth = Math.max(0, skipDepth - 1);
        if (name === 'a' && open) {
          found.push(close(open));
          open = null;
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  if (open) found.push(close(open));
  return found;
}

function close(anchor: { url: string; text: string[] }): Link {
  return { URL: anchor.url, Text: anchor.text.join('').replace(/\s+/g, ' ').trim() };
}

function bareUrls(text: string): string[] {
  if (!text) return [];
  return [...text.matchAll(BARE_URL)].map((m) => m[0].replace(TRAILING_PUNCTUATION, ''));
}

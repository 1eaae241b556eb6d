// The URLs and visible text of a message, for everyone who needs them: the message view's `Links` and `Codes`,
// the link check (every link and image) and the spam rules (link text against href, shorteners). One HTML pass
// with htmlparser2 (entities decoded, comments, scripts and styles skipped), shared by all of a caller's uses, and
// one scan of the text part.
import { Parser } from 'htmlparser2';

export interface Link {
  URL: string;
  /** The anchor's visible text, whitespace collapsed; '' for a bare URL in the text part. */
  Text: string;
}

export interface HtmlLink {
  tag: 'a' | 'img' | 'link';
  url: string;
  /** The visible text of an <a> (image alt text included, whitespace collapsed); '' for the others. */
  text: string;
}

/** Anchors in `Links` are http(s), mailto and tel; a bare "tel:" in prose is rarely meant as a link. */
const ANCHOR_SCHEMES = /^(https?:|mailto:|tel:)/i;
const TRAILING_PUNCTUATION = /[.,;:!?']+$/;
const SKIPPED = new Set(['script', 'style', 'head', 'title']);
const BLOCK = new Set(['p', 'div', 'tr', 'li', 'br', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'td', 'th']);

/** What one pass over a message's HTML finds. */
export interface HtmlScan {
  /** Every <a href>, <img src> and stylesheet <link href>, in document order. */
  links: HtmlLink[];
  /** The text a reader sees: tags gone, entities decoded, block elements on lines of their own. */
  text: string;
}

/** The links a test may want to follow: anchors first, then bare URLs in the text part, in document order, once each. */
export function extractLinks(html: HtmlScan, text: string): Link[] {
  const links: Link[] = [];
  const seen = new Set<string>();
  const add = (url: string, label: string) => {
    if (seen.has(url)) return;
    seen.add(url);
    links.push({ URL: url, Text: label });
  };
  for (const link of html.links) if (link.tag === 'a' && ANCHOR_SCHEMES.test(link.url)) add(link.url, link.text);
  for (const url of textLinks(text)) add(url, '');
  return links;
}

/** The http(s) URLs of the HTML's links and of the text part, in that order (repeats kept). */
export function httpUrls(html: HtmlScan, text: string): string[] {
  return [...html.links.map((l) => l.url), ...textLinks(text)].filter(isHttpUrl);
}

export function scanHtml(html: string): HtmlScan {
  if (!html) return { links: [], text: '' };
  const links: HtmlLink[] = [];
  const text: string[] = [];
  let anchor: { url: string; text: string[] } | null = null;
  let skipDepth = 0;
  const closeAnchor = () => {
    if (!anchor) return;
    links.push({ tag: 'a', url: anchor.url, text: anchor.text.join('').replace(/\s+/g, ' ').trim() });
    anchor = null;
  };
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        if (SKIPPED.has(name)) skipDepth++;
        if (BLOCK.has(name)) text.push('\n');
        if (name === 'a') {
          closeAnchor();
          if (attrs.href !== undefined) anchor = { url: attrs.href.trim(), text: [] };
        } else if (name === 'img') {
          if (attrs.src !== undefined) links.push({ tag: 'img', url: attrs.src.trim(), text: '' });
          if (anchor && attrs.alt) anchor.text.push(` ${attrs.alt} `);
        } else if (name === 'link' && attrs.href !== undefined && /(^|\s)stylesheet(\s|$)/i.test(attrs.rel ?? '')) {
          links.push({ tag: 'link', url: attrs.href.trim(), text: '' });
        } else if (name === 'br' && anchor) anchor.text.push(' ');
      },
      ontext(data) {
        if (skipDepth) return;
        text.push(data);
        anchor?.text.push(data);
      },
      onclosetag(name) {
        if (SKIPPED.has(name)) skipDepth = Math.max(0, skipDepth - 1);
        if (BLOCK.has(name)) text.push('\n');
        if (name === 'a') closeAnchor();
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  closeAnchor();
  const visible = text
    .join('')
    .replace(/[ \t\r\f\v\u00a0]+/g, ' ')
    .replace(/\s*\n\s*/g, '\n')
    .trim();
  return { links, text: visible };
}

/** http(s) URLs in plain text, in order, including ones wrapped in <...> across lines (RFC 2396 appendix E). */
export function textLinks(text: string): string[] {
  if (!text) return [];
  const found: Array<{ at: number; url: string }> = [];
  for (const m of text.matchAll(/<(https?:\/\/[^>]+)>/gi)) found.push({ at: m.index, url: m[1]!.replace(/\s+/g, '') });
  for (const m of text.matchAll(/\bhttps?:\/\/[-\w@:%_+'!.~#?,&/=;]+/gi)) {
    if (text[m.index - 1] !== '<') found.push({ at: m.index, url: m[0].replace(TRAILING_PUNCTUATION, '') });
  }
  return found.sort((a, b) => a.at - b.at).map((f) => f.url);
}

export function isHttpUrl(url: string): boolean {
  return /^https?:\/\/[^\s/?#]/i.test(url);
}

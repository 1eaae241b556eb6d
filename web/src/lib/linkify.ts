// Splits plain text into text and links, for the Text tab. Only http(s) and mailto links are made, so a message
// cannot smuggle a javascript: URL into a clickable element.

export interface Segment {
  text: string;
  href?: string;
}

const LINK = /\b(?:https?:\/\/|mailto:|www\.)[^\s<>"'`]+/gi;
/** Sentence punctuation after a URL belongs to the sentence. */
const TRAILING = /[.,;:!?'"*]+$/;

function trimUrl(url: string): string {
  let out = url.replace(TRAILING, '');
  // A closing bracket is the URL's only when it has an opening one (Wikipedia links), else it is the prose's.
  for (const [open, close] of [['(', ')'], ['[', ']']] as const) {
    while (out.endsWith(close) && out.split(open).length < out.split(close).length) out = out.slice(0, -1).replace(TRAILING, '');
  }
  return out;
}

export function linkify(text: string): Segment[] {
  const segments: Segment[] = [];
  let last = 0;
  for (const match of text.matchAll(LINK)) {
    const url = trimUrl(match[0]);
    if (!url.includes('.') && !url.startsWith('mailto:')) continue;
    if (match.index > last) segments.push({ text: text.slice(last, match.index) });
    segments.push({ text: url, href: /^www\./i.test(url) ? `https://${url}` : url });
    last = match.index + url.length;
  }
  if (last < text.length) segments.push({ text: text.slice(last) });
  return segments;
}

// MIME structure of a stored message, read with mailparser: the leaf parts Mailpit can address by PartID, its
// Inline/Attachments split, and the Text/HTML bodies picked the way Mailpit (enmime) picks them.
//
// PartIDs are IMAP-style paths ("2", "1.2"): the same numbering enmime gives Mailpit, and what mailparser reports
// as `partId`. A message whose whole body is one non-multipart part uses "0".
import { MailParser, simpleParser, type AttachmentStream, type Headers, type HeaderValue, type MessageText, type StructuredHeader } from 'mailparser';
import type { Readable } from 'node:stream';
import { PARSE_OPTIONS } from './summarise.ts';

export const PART_ID_PATTERN = /^\d+(\.\d+)*$/;

/** A leaf part that can be downloaded through /api/v1/message/{ID}/part/{PartID}. */
export interface MimeLeaf {
  partId: string;
  /** Media type from the part's own Content-Type, lowercased, without parameters. */
  mediaType: string;
  /** charset parameter of the Content-Type, '' when absent. */
  charset: string;
  /** Content-Disposition value, lowercased; '' when the header is absent. */
  disposition: string;
  /** Decoded file name (Content-Disposition filename, else Content-Type name); '' when none. */
  fileName: string;
  /** Content-ID without the angle brackets, as written. */
  rawContentId: string;
  /** Content-ID as Mailpit reports it: brackets trimmed, %-escapes decoded. */
  contentId: string;
  /** Transfer-decoded bytes (text parts parsed as message bodies are UTF-8). */
  content: Buffer;
  /** content holds the body re-encoded as UTF-8 rather than the part's own bytes. */
  utf8: boolean;
}

export interface ParsedMime {
  headers: Headers;
  /** Mailpit's Text: undefined when the message has neither a text/plain part nor HTML to derive it from. */
  text: string | undefined;
  /** Mailpit's HTML: the first text/html body part, depth first; undefined when there is none. */
  html: string | undefined;
  /** Every addressable leaf, in document order. */
  leaves: MimeLeaf[];
}

export interface SplitParts {
  inline: MimeLeaf[];
  attachments: MimeLeaf[];
}

/** mailparser's internal part tree (mailparser is pinned; parseMime falls back to its public output without it). */
interface TreeNode {
  contentType?: string;
  disposition?: string;
  isAttachment?: boolean;
  textContent?: string;
  headers: Headers;
  children?: TreeNode[];
  node?: { partNr?: Array<number | string> | false };
}

/** Parses the message; rejects when mailparser cannot (for example `Max allowed child nodes exceeded`). */
export async function parseMime(raw: Buffer): Promise<ParsedMime> {
  const { headers, attachments, tree, fallbackText, fallbackHtml } = await runParser(raw);
  const byPartId = new Map<string, AttachmentStream & { content: Buffer }>();
  for (const a of attachments) {
    const id = a.partId || '0';
    if (!byPartId.has(id)) byPartId.set(id, a);
  }

  if (!tree) {
    // Without the tree only mailparser's own body composition and attachment list are available.
    const leaves = [...byPartId.values()].map((a) => leafFromHeaders(a.partId || '0', a.headers, a.filename ?? '', a.content, false));
    return { headers, text: fallbackText, html: fallbackHtml, leaves };
  }

  const leaves: MimeLeaf[] = [];
  const seen = new Set<string>();
  walkDepthFirst(tree, (node) => {
    if (isMultipart(node)) return;
    const partId = partIdOf(node);
    if (seen.has(partId)) return;
    if (node.isAttachment) {
      const a = byPartId.get(partId);
      if (!a) return;
      seen.add(partId);
      leaves.push(leafFromHeaders(partId, node.headers, a.filename ?? '', a.content, false));
      return;
    }
    // A text body part is addressable only when it is explicitly inline and named (as enmime lists it).
    const leaf = leafFromHeaders(partId, node.headers, headerFileName(node.headers), Buffer.from(node.textContent ?? '', 'utf8'), true);
    if (leaf.disposition === 'inline' && (leaf.fileName || leaf.contentId)) {
      seen.add(partId);
      leaves.push(leaf);
    }
  });

  const html = firstHtml(tree);
  let text = selectText(tree);
  if (!text && html) text = await htmlToText(html);
  return { headers, text, html, leaves };
}

/**
 * Mailpit's split (enmime's Attachments, Inlines and OtherParts): attachments are Content-Disposition attachment or
 * application/octet-stream; inline are Content-Disposition inline, or no disposition and not a text body. Parts
 * with neither a file name nor a Content-ID are left out, as Mailpit does. Lists are breadth-first, inline ones
 * before the undisposed ones.
 */
/** Which list a part belongs in, by Mailpit's (enmime's) rule; null for body parts with no name and no Content-ID. */
export function partRole(part: Pick<MimeLeaf, 'partId' | 'mediaType' | 'disposition' | 'fileName' | 'contentId'>): 'attachment' | 'inline' | 'undisposed' | null {
  if (!part.fileName && !part.contentId) return null;
  // A message that is one non-text part: enmime files it as an attachment unless it is disposed inline.
  if (part.partId === '0') return part.disposition === 'inline' ? 'inline' : 'attachment';
  if (part.disposition === 'attachment' || part.mediaType === 'application/octet-stream') return 'attachment';
  if (part.disposition === 'inline') return 'inline';
  if (part.disposition === '') return 'undisposed';
  // Unknown dispositions ("Content-Disposition: foo"): mailparser treats them as attachments; so do we.
  return 'attachment';
}

export function splitParts(leaves: MimeLeaf[]): SplitParts {
  const attachments: MimeLeaf[] = [];
  const explicitInline: MimeLeaf[] = [];
  const undisposed: MimeLeaf[] = [];
  for (const leaf of breadthFirst(leaves)) {
    const role = partRole(leaf);
    if (role === 'attachment') attachments.push(leaf);
    else if (role === 'inline') explicitInline.push(leaf);
    else if (role === 'undisposed') undisposed.push(leaf);
  }
  return { inline: [...explicitInline, ...undisposed], attachments };
}

export async function findPart(raw: Buffer, partId: string): Promise<{ contentType: string; fileName: string; content: Buffer } | null> {
  if (!PART_ID_PATTERN.test(partId)) return null;
  let parsed: ParsedMime;
  try {
    parsed = await parseMime(raw);
  } catch {
    return null;
  }
  const leaf = parsed.leaves.find((l) => l.partId === partId);
  if (!leaf) return null;
  return { contentType: partContentType(leaf), fileName: leaf.fileName || leaf.contentId, content: leaf.content };
}

/** The Content-Type to serve a part with: the media type, plus the charset for text so the bytes read right. */
function partContentType(leaf: MimeLeaf): string {
  if (!leaf.mediaType.startsWith('text/')) return leaf.mediaType;
  const charset = leaf.utf8 ? 'utf-8' : leaf.charset;
  return charset && /^[A-Za-z0-9._:+-]+$/.test(charset) ? `${leaf.mediaType}; charset=${charset}` : leaf.mediaType;
}

/**
 * enmime's FromIDHeader: trim the brackets, then %-decode (keeping the input when it does not decode). Unlike Go's
 * url.QueryUnescape, "+" stays "+": a Content-ID like <a+b@x> is reported as written.
 */
export function contentIdFromHeader(value: string): string {
  const trimmed = value.replace(/^<+/, '').replace(/>+$/, '');
  try {
    return decodeURIComponent(trimmed);
  } catch {
    return trimmed;
  }
}

interface ParserOutput {
  headers: Headers;
  attachments: Array<AttachmentStream & { content: Buffer }>;
  tree: TreeNode | undefined;
  fallbackText: string | undefined;
  fallbackHtml: string | undefined;
}

/** simpleParser's collection loop, keeping hold of the parser so its part tree can be read afterwards. */
function runParser(raw: Buffer): Promise<ParserOutput> {
  return new Promise((resolve, reject) => {
    const parser = new MailParser(PARSE_OPTIONS);
    const attachments: ParserOutput['attachments'] = [];
    let headers: Headers = new Map();
    let fallbackText: string | undefined;
    let fallbackHtml: string | undefined;
    let settled = false;
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      reject(err instanceof Error ? err : new Error(String(err)));
    };

    parser.on('error', fail);
    parser.on('headers', (h: Headers) => {
      headers = h;
    });

    let reading = false;
    const read = (): void => {
      reading = true;
      const data = parser.read() as MessageText | AttachmentStream | null;
      if (data === null) {
        reading = false;
        return;
      }
      if (data.type === 'text') {
        if (typeof data.text === 'string') fallbackText = data.text;
        if (typeof data.html === 'string') fallbackHtml = data.html;
        read();
        return;
      }
      const attachment = data;
      const chunks: Buffer[] = [];
      const stream = attachment.content as unknown as Readable;
      stream.on('readable', () => {
        let chunk: Buffer | string | null;
        while ((chunk = stream.read()) !== null) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      });
      stream.on('end', () => {
        attachments.push(Object.assign(attachment, { content: Buffer.concat(chunks) }));
        attachment.release();
        read();
      });
      stream.on('error', fail);
    };
    parser.on('readable', () => {
      if (!reading) read();
    });
    parser.on('end', () => {
      if (settled) return;
      settled = true;
      const tree = (parser as unknown as { tree?: TreeNode | false }).tree;
      resolve({ headers, attachments, tree: tree && typeof tree === 'object' ? tree : undefined, fallbackText, fallbackHtml });
    });
    parser.end(raw);
  });
}

function leafFromHeaders(partId: string, headers: Headers, fileName: string, content: Buffer, utf8: boolean): MimeLeaf {
  const type = structured(headers.get('content-type'));
  const disposition = structured(headers.get('content-disposition'));
  const cidHeader = headers.get('content-id');
  const cidValue = Array.isArray(cidHeader) ? cidHeader[0] : cidHeader;
  const cid = typeof cidValue === 'string' ? cidValue : '';
  const rawContentId = cid.trim().replace(/^<+/, '').replace(/>+$/, '');
  return {
    partId,
    mediaType: (type?.value ?? '').trim().toLowerCase() || 'text/plain',
    charset: type?.params.charset ?? '',
    disposition: (disposition?.value ?? '').trim().toLowerCase(),
    fileName,
    rawContentId,
    contentId: rawContentId ? contentIdFromHeader(rawContentId) : '',
    content,
    utf8,
  };
}

function structured(value: HeaderValue | undefined): StructuredHeader | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  if (first && typeof first === 'object' && 'value' in first && 'params' in first && typeof first.value === 'string') return first as StructuredHeader;
  if (typeof first === 'string') return { value: first.split(';')[0] ?? '', params: {} };
  return undefined;
}

function headerFileName(headers: Headers): string {
  return structured(headers.get('content-disposition'))?.params.filename || structured(headers.get('content-type'))?.params.name || '';
}

function isMultipart(node: TreeNode): boolean {
  return (node.contentType ?? '').toLowerCase().startsWith('multipart/');
}

function partIdOf(node: TreeNode): string {
  const nr = node.node?.partNr;
  return (Array.isArray(nr) ? nr.filter((n) => typeof n === 'number').join('.') : '') || '0';
}

function walkDepthFirst(node: TreeNode, visit: (node: TreeNode) => void): void {
  const stack: TreeNode[] = [node];
  while (stack.length) {
    const current = stack.pop()!;
    visit(current);
    const children = current.children ?? [];
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
}

function walkBreadthFirst(node: TreeNode, visit: (node: TreeNode) => boolean | void): void {
  const queue: TreeNode[] = [node];
  for (let i = 0; i < queue.length; i++) {
    if (visit(queue[i]!) === true) return;
    queue.push(...(queue[i]!.children ?? []));
  }
}

/** A text body part as enmime sees it: the type, and not an attachment (mailparser parsed it as a body). */
function isBody(node: TreeNode, type: string): boolean {
  return node.contentType === type && node.isAttachment === false && typeof node.textContent === 'string';
}

/** enmime: under multipart/alternative the first text/plain breadth first; otherwise every one, depth first. */
function selectText(tree: TreeNode): string | undefined {
  if (!isMultipart(tree)) return isBody(tree, 'text/plain') ? tree.textContent : undefined;
  if (tree.contentType === 'multipart/alternative') {
    let found: string | undefined;
    walkBreadthFirst(tree, (node) => {
      if (!isBody(node, 'text/plain')) return false;
      found = node.textContent;
      return true;
    });
    return found;
  }
  const texts: string[] = [];
  walkDepthFirst(tree, (node) => {
    if (isBody(node, 'text/plain')) texts.push(node.textContent!);
  });
  return texts.length ? texts.join('\n--\n') : undefined;
}

function firstHtml(tree: TreeNode): string | undefined {
  let found: string | undefined;
  walkDepthFirst(tree, (node) => {
    if (found === undefined && isBody(node, 'text/html')) found = node.textContent;
  });
  return found;
}

/** Mailpit converts the HTML when there is no text part; mailparser's converter does it for a bare HTML message. */
async function htmlToText(html: string): Promise<string> {
  try {
    const head = 'Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n';
    const parsed = await simpleParser(Buffer.concat([Buffer.from(head), Buffer.from(html, 'utf8')]), PARSE_OPTIONS);
    return parsed.text ?? '';
  } catch {
    return '';
  }
}

/** Breadth-first order of part paths: shallower first, then document order. */
function breadthFirst(leaves: MimeLeaf[]): MimeLeaf[] {
  return leaves
    .map((leaf, index) => ({ leaf, index, depth: leaf.partId.split('.').length }))
    .sort((a, b) => a.depth - b.depth || a.index - b.index)
    .map((e) => e.leaf);
}

// HTML compatibility: which HTML and CSS features of a message's HTML each email client supports, from the caniemail
// data, in Mailpit's html-check shape (internal/htmlcheck) plus the source location of every finding.
//
// Detection. Of the two packages over the same data, `caniemail` flags more than `@jsx-email/doiuse-email`: on the
// four samples of bench/checks-bench.ts, with the same clients, 61 distinct features to doiuse-email's 48 (this
// module: 72); and it reports source positions where doiuse-email gives only text. Both miss some features
// (`<svg>`: caniemail maps its title to `<image>`; doiuse-email misses CSS `gap`), so those are checked directly
// against the data (DIRECT_* below).
//
// caniemail is used in a way that keeps a 100 KB newsletter well under 200 ms:
// - It throws for a client that lacks data for a feature, so it runs with the clients every feature has data for;
//   support is then read from the data for every client and version, as Mailpit does.
// - It checks every node of the document, and newsletters repeat the same elements hundreds of times, so it runs
//   on a synthetic document holding each distinct element once (URL and text attribute values reduced to what
//   caniemail looks at); its findings map back to every element with that shape.
// - It ignores rules inside @media/@supports, so each <style> block is checked with those wrappers blanked out
//   (same offsets, so positions stay true), and at-rules are found here, with their positions.
import type { CanIEmailOptions } from 'caniemail';

/** Mailpit's HTMLCheckResponse. */
export interface HtmlCheckResponse {
  Warnings: HtmlCheckWarning[];
  /** Platform → client family names, for the UI's client filter. */
  Platforms: Record<string, string[]>;
  Total: HtmlCheckTotal;
}

export interface HtmlCheckTotal {
  /** Features tested. */
  Tests: number;
  /** HTML elements counted the way Mailpit counts them (the score's denominator). */
  Nodes: number;
  Supported: number;
  Partial: number;
  Unsupported: number;
}

/** Mailpit's HTMLCheckWarning, plus Locations. */
export interface HtmlCheckWarning {
  Slug: string;
  Title: string;
  /** HTML (converted from caniemail's Markdown). */
  Description: string;
  URL: string;
  Category: string;
  Tags: string[];
  Keywords: string;
  /** Support per client family, platform and tested version. */
  Results: HtmlCheckResult[];
  NotesByNumber: Record<string, string>;
  Score: HtmlCheckScore;
  /** Mailcove: where the feature is used in the HTML source, 1-based. */
  Locations: SourceLocation[];
}

export interface HtmlCheckResult {
  /** "Outlook Windows (2019)". */
  Name: string;
  Platform: string;
  Family: string;
  Version: string;
  Support: 'yes' | 'no' | 'partial';
  NoteNumber: string;
}

export interface HtmlCheckScore {
  /** Places in the document that use the feature. */
  Found: number;
  Supported: number;
  Partial: number;
  Unsupported: number;
}

export interface SourceLocation {
  Line: number;
  Column: number;
}

// ---- the parts of caniemail's data and parsers used here ---------------------------------------------------

interface Feature {
  slug: string;
  title: string;
  description: string | null;
  url: string;
  category: string;
  tags: string[];
  keywords: string | null;
  stats: Record<string, Record<string, Record<string, string>>>;
  notes_by_num: Record<string, string> | null;
}

interface CanIEmailData {
  nicenames: { family: Record<string, string>; platform: Record<string, string> };
  data: Feature[];
}

interface DomNode {
  type: string;
  name?: string;
  attribs?: Record<string, string>;
  children?: DomNode[];
  data?: string;
  startIndex: number | null;
}

interface CssPoint {
  line: number;
  column: number;
}

interface CssNode {
  type: string;
  position?: { start: CssPoint; end: CssPoint };
  rules?: CssNode[];
  declarations?: CssNode[];
  property?: string;
  value?: string;
  media?: string;
}

interface Issue {
  title: string;
  position?: { start: CssPoint };
}

interface Engine {
  data: CanIEmailData;
  /** caniemail over the detection clients; the issues of errors and warnings alike. */
  issues(input: { html?: string; css?: string }): Issue[];
  parseHtml(html: string): DomNode;
  parseCss(css: string): CssNode[];
  slugByTitle: Map<string, string>;
  features: Map<string, Feature>;
  platforms: Record<string, string[]>;
}

let engine: Promise<Engine> | undefined;

/** caniemail's data is ~650 KB of JSON: loaded on the first check, not at start-up. */
function loadEngine(): Promise<Engine> {
  engine ??= import('caniemail').then((lib) => {
    const data = lib.rawData as unknown as CanIEmailData;
    const clients = detectionClients(data);
    return {
      data,
      issues: (input) => {
        const { issues } = lib.caniemail({ clients, ...input });
        return [...issues.errors.values(), ...issues.warnings.values()].flat() as Issue[];
      },
      parseHtml: (html) => lib.parseHtml(html).document as unknown as DomNode,
      parseCss: (css) => ((lib.parseCss(css) as unknown as { stylesheet?: { rules?: CssNode[] } }).stylesheet?.rules ?? []),
      slugByTitle: new Map(data.data.map((f) => [f.title, f.slug])),
      features: new Map(data.data.map((f) => [f.slug, f])),
      platforms: platformsOf(data),
    };
  });
  return engine;
}

/** The family.platform clients that every feature has data for (caniemail throws on any other). */
function detectionClients(data: CanIEmailData): CanIEmailOptions['clients'] {
  const sets = data.data.map((f) => new Set(Object.entries(f.stats).flatMap(([family, platforms]) => Object.keys(platforms).map((p) => `${family}.${p}`))));
  return [...(sets[0] ?? [])].filter((client) => sets.every((s) => s.has(client))) as CanIEmailOptions['clients'];
}

/** Mailpit's Platforms: platform → sorted family names that have data for it. */
function platformsOf(data: CanIEmailData): Record<string, string[]> {
  const out = new Map<string, Set<string>>();
  for (const feature of data.data) {
    for (const [family, platforms] of Object.entries(feature.stats)) {
      for (const platform of Object.keys(platforms)) {
        const names = out.get(platform) ?? new Set<string>();
        names.add(data.nicenames.family[family] ?? family);
        out.set(platform, names);
      }
    }
  }
  return Object.fromEntries([...out].sort(([a], [b]) => compare(a, b)).map(([platform, names]) => [platform, [...names].sort(compare)]));
}

// ---- direct checks: features caniemail does not report -----------------------------------------------------

/** Mailpit's own finding (not in caniemail): no email client runs JavaScript. */
const SCRIPT_SLUG = 'html-script';

const DIRECT_ELEMENTS: Array<{ slug: string; test: (name: string, attribs: Record<string, string>) => boolean }> = [
  // caniemail maps "Embedded <svg> image" to <image> elements, so inline SVG is never reported.
  { slug: 'html-svg', test: (name) => name === 'svg' },
  { slug: SCRIPT_SLUG, test: (name, a) => name === 'script' && !/^application\/(ld\+)?json$/i.test((a.type ?? '').trim()) },
  { slug: 'image-base64', test: (name, a) => name === 'img' && /^\s*data:image\//i.test(a.src ?? '') },
  // Supported by every client caniemail runs with, so it never reports them; Mailpit does.
  { slug: 'html-hr', test: (name) => name === 'hr' },
  { slug: 'html-image-maps', test: (name, a) => name === 'map' || (name === 'img' && 'usemap' in a) },
  { slug: 'css-background-color', test: (_name, a) => 'bgcolor' in a },
];

/** CSS the detection clients all support (so caniemail never reports it) that Mailpit tests. */
const DIRECT_PROPERTIES: Record<string, string> = {
  'background-color': 'css-background-color',
  direction: 'css-direction',
  font: 'css-font',
};

const IMPORTANT = /!\s*important/gi;

function directDeclaration(property: string, value: string): string[] {
  const slug = DIRECT_PROPERTIES[property.toLowerCase()];
  return [...(slug ? [slug] : []), ...(/!\s*important/i.test(value) ? ['css-important'] : [])];
}

/** At-rules, found in the stylesheet tree (caniemail reports them without a position, or not at all when nested). */
const AT_RULES: Record<string, string> = {
  media: 'css-at-media',
  supports: 'css-at-supports',
  'font-face': 'css-at-font-face',
  import: 'css-at-import',
  keyframes: 'css-at-keyframes',
};

const MEDIA_FEATURES: Array<[RegExp, string]> = [
  [/prefers-color-scheme/i, 'css-at-media-prefers-color-scheme'],
  [/prefers-reduced-motion/i, 'css-at-media-prefers-reduced-motion'],
  [/\borientation\b/i, 'css-at-media-orientation'],
  [/\b(any-)?hover\b/i, 'css-at-media-hover'],
  [/device-pixel-ratio|\bresolution\b/i, 'css-at-media-device-pixel-ratio'],
];

/** At-rules that hold style rules: blanked so caniemail, which reads only top-level rules, checks what is inside. */
const CONTAINER_AT_RULES = new Set(['media', 'supports', 'document', 'host', 'container', 'layer']);

// ---- the check -------------------------------------------------------------------------------------------------

/** Runs the HTML compatibility check on a message's HTML body. */
export async function htmlCheck(html: string): Promise<HtmlCheckResponse> {
  const e = await loadEngine();
  const found = new Findings(html);
  const document = e.parseHtml(html);
  const shapes = new Map<string, number[]>();
  const styles: DomNode[] = [];
  let nodes = 0;
  const hasBody = /<\/body>/i.test(html);

  const visit = (node: DomNode, inHead: boolean): void => {
    if (node.type === 'directive' && /^!doctype\s+html\s*$/i.test(node.data ?? '')) found.add('html-doctype', node.startIndex);
    if (node.type === 'comment') addShape(shapes, '<!-- -->', node.startIndex);
    if (!node.name || !(node.type === 'tag' || node.type === 'script' || node.type === 'style')) return;
    const name = node.name.toLowerCase();
    const attribs = node.attribs ?? {};
    if (countsAsNode(name, hasBody, inHead)) nodes++;
    addShape(shapes, elementShape(name, attribs), node.startIndex);
    for (const check of DIRECT_ELEMENTS) if (check.test(name, attribs)) found.add(check.slug, node.startIndex);
    if (attribs.style) for (const [property, value] of declarations(attribs.style)) for (const slug of directDeclaration(property, value)) found.add(slug, node.startIndex);
    if (name === 'style') styles.push(node);
    for (const child of node.children ?? []) visit(child, inHead || name === 'head');
  };
  for (const child of document.children ?? []) visit(child, false);

  // One caniemail pass over the distinct element shapes, one line each.
  const lines = [...shapes.keys()];
  for (const [line, title] of shapeIssues(e, lines)) {
    for (const index of shapes.get(lines[line]!) ?? []) found.add(e.slugByTitle.get(title), index);
  }

  for (const style of styles) {
    for (const text of style.children ?? []) {
      if (text.type === 'text' && text.data && text.startIndex !== null) checkStylesheet(e, found, text.data, text.startIndex);
    }
  }

  return report(e, found, nodes);
}

/** [line index, feature title] of every finding; a shape caniemail cannot parse (a broken style="") is skipped. */
function shapeIssues(e: Engine, lines: string[]): Array<[number, string]> {
  const fromIssues = (issues: Issue[], line: (issue: Issue) => number | undefined): Array<[number, string]> =>
    issues.flatMap((issue) => {
      const at = line(issue);
      return at === undefined ? [] : [[at, issue.title] as [number, string]];
    });
  // caniemail skips top-level <style> and <script>, so the shapes go inside a wrapper on a line of its own.
  const wrap = (shapes: string): string => `<html>\n${shapes}\n</html>`;
  try {
    return fromIssues(e.issues({ html: wrap(lines.join('\n')) }), (issue) => (issue.position && issue.position.start.line > 1 ? issue.position.start.line - 2 : undefined));
  } catch {
    return lines.flatMap((shape, index) => {
      try {
        return fromIssues(e.issues({ html: wrap(shape) }), (issue) => (issue.position && issue.position.start.line > 1 ? index : undefined));
      } catch {
        return [];
      }
    });
  }
}

/** Mailpit counts `*:not(html):not(head):not(meta), script` when there is a </body>, else `body *, script`. */
function countsAsNode(name: string, hasBody: boolean, inHead: boolean): boolean {
  if (name === 'script') return true;
  if (hasBody) return name !== 'html' && name !== 'head' && name !== 'meta';
  return !inHead && !['html', 'head', 'body', 'meta', 'title', 'style', 'link', 'base'].includes(name);
}

function checkStylesheet(e: Engine, found: Findings, css: string, startIndex: number): void {
  const rules = e.parseCss(css);
  const cssLines = lineStarts(css);
  const offsetOf = (p: CssPoint): number => (cssLines[p.line - 1] ?? css.length) + p.column - 1;
  const blanks: Array<[number, number]> = [];

  const walk = (list: CssNode[]): void => {
    for (const rule of list) {
      const start = rule.position ? offsetOf(rule.position.start) : undefined;
      const at = start === undefined ? undefined : startIndex + start;
      found.add(AT_RULES[rule.type], at);
      if (rule.type === 'media') for (const [pattern, slug] of MEDIA_FEATURES) if (pattern.test(rule.media ?? '')) found.add(slug, at);
      for (const d of rule.declarations ?? []) {
        if (d.type !== 'declaration' || !d.property || !d.position) continue;
        for (const slug of directDeclaration(d.property, d.value ?? '')) found.add(slug, startIndex + offsetOf(d.position.start));
      }
      if (CONTAINER_AT_RULES.has(rule.type) && rule.rules && rule.position && start !== undefined) {
        const open = css.indexOf('{', start);
        const close = css.lastIndexOf('}', offsetOf(rule.position.end) - 1);
        if (open >= 0 && close > open) blanks.push([start, open + 1], [close, close + 1]);
        walk(rule.rules);
      }
    }
  };
  walk(rules);

  // caniemail matches `display: grid` only without `!important` (found directly above), so that is blanked too.
  const flat = blank(css, blanks).replace(IMPORTANT, (m) => ' '.repeat(m.length));
  let issues: Issue[] = [];
  try {
    issues = e.issues({ css: flat });
  } catch {
    // A stylesheet caniemail chokes on keeps what was found above; the rest of the report stands.
  }
  for (const issue of issues) {
    if (issue.position) found.add(e.slugByTitle.get(issue.title), startIndex + offsetOf(issue.position.start));
  }
}

function report(e: Engine, found: Findings, nodes: number): HtmlCheckResponse {
  const denominator = Math.max(1, nodes);
  const warnings: HtmlCheckWarning[] = [];
  for (const [slug, indexes] of found.bySlug) {
    const template = warningTemplate(e, slug);
    if (!template) continue;
    const locations = [...indexes].sort((a, b) => a - b).map((i) => found.locate(i));
    warnings.push({ ...template, Score: { ...template.Score, Found: locations.length }, Locations: locations });
  }

  // Mailpit: the overall partial and unsupported are the largest weighted share of any one feature.
  let partial = 0;
  let unsupported = 0;
  for (const w of warnings) {
    partial = Math.max(partial, (w.Score.Partial * w.Score.Found) / denominator);
    unsupported = Math.max(unsupported, (w.Score.Unsupported * w.Score.Found) / denominator);
  }
  // A feature used more often than there are elements would push the total past 100; Mailpit counts elements, so
  // its totals cannot. Clamp to keep the same range.
  partial = Math.min(100, partial);
  unsupported = Math.min(100 - partial, unsupported);

  const weight = (w: HtmlCheckWarning): number => ((w.Score.Unsupported + w.Score.Partial) * w.Score.Found) / denominator;
  warnings.sort((a, b) => weight(b) - weight(a) || compare(a.Slug, b.Slug));
  return {
    Warnings: warnings,
    Platforms: e.platforms,
    Total: { Tests: e.data.data.length + 1, Nodes: nodes, Supported: 100 - partial - unsupported, Partial: partial, Unsupported: unsupported },
  };
}

// ---- warnings from the data (computed once per feature, shared by every report) ----------------------------------

type WarningTemplate = Omit<HtmlCheckWarning, 'Locations'>;

const templates = new Map<string, WarningTemplate | null>();

function warningTemplate(e: Engine, slug: string): WarningTemplate | null {
  if (!templates.has(slug)) templates.set(slug, slug === SCRIPT_SLUG ? scriptTemplate() : featureTemplate(e, slug));
  return templates.get(slug)!;
}

function scriptTemplate(): WarningTemplate {
  return {
    Slug: SCRIPT_SLUG,
    Title: '<script> element',
    Description: 'JavaScript is not supported in any email client.',
    URL: '',
    Category: 'html',
    Tags: [],
    Keywords: '',
    Results: [],
    NotesByNumber: {},
    Score: { Found: 0, Supported: 0, Partial: 0, Unsupported: 100 },
  };
}

function featureTemplate(e: Engine, slug: string): WarningTemplate | null {
  const feature = e.features.get(slug);
  if (!feature) return null;
  const results: HtmlCheckResult[] = [];
  const count = { yes: 0, no: 0, partial: 0 };
  for (const [family, platforms] of Object.entries(feature.stats)) {
    for (const [platform, versions] of Object.entries(platforms)) {
      for (const [version, value] of Object.entries(versions)) {
        // As Mailpit: exactly "y" is yes, exactly "n" is no, anything else (a, u, y #1 ...) is partial.
        const support = value === 'y' ? 'yes' : value === 'n' ? 'no' : 'partial';
        count[support]++;
        const name = `${e.data.nicenames.family[family] ?? family} ${e.data.nicenames.platform[platform] ?? platform} (${version})`;
        const note = support === 'partial' ? ([...value.matchAll(/#(\d+)/g)].at(-1)?.[1] ?? '') : '';
        results.push({ Name: name, Platform: platform, Family: family, Version: version, Support: support, NoteNumber: note });
      }
    }
  }
  results.sort((a, b) => compare(a.Family, b.Family) || compare(a.Platform, b.Platform) || compare(a.Version, b.Version));
  const total = Math.max(1, count.yes + count.no + count.partial);
  return {
    Slug: feature.slug,
    Title: feature.title,
    Description: markdown(feature.description ?? ''),
    URL: feature.url,
    Category: feature.category,
    Tags: feature.tags ?? [],
    Keywords: feature.keywords ?? '',
    Results: results,
    NotesByNumber: Object.fromEntries(Object.entries(feature.notes_by_num ?? {}).map(([n, note]) => [n, markdown(note)])),
    Score: { Found: 0, Supported: (count.yes / total) * 100, Partial: (count.partial / total) * 100, Unsupported: (count.no / total) * 100 },
  };
}

/** The Markdown caniemail descriptions use (code, links, bold), as HTML; everything else is escaped text. */
export function markdown(text: string): string {
  return escapeHtml(text.trim())
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\[([^\]]+)\]\((https?:\/\/[^)\s]+)\)/g, '<a href="$2" target="_blank">$1</a>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

// ---- helpers ---------------------------------------------------------------------------------------------------

/** Feature slug → source offsets that use it, deduplicated. */
class Findings {
  readonly bySlug = new Map<string, Set<number>>();
  private readonly starts: number[];

  constructor(source: string) {
    this.starts = lineStarts(source);
  }

  add(slug: string | undefined, index: number | null | undefined): void {
    if (!slug || index === null || index === undefined) return;
    const set = this.bySlug.get(slug) ?? new Set<number>();
    set.add(index);
    this.bySlug.set(slug, set);
  }

  locate(index: number): SourceLocation {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return { Line: lo + 1, Column: index - this.starts[lo]! + 1 };
  }
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function addShape(shapes: Map<string, number[]>, shape: string, index: number | null): void {
  if (index === null) return;
  const list = shapes.get(shape);
  if (list) list.push(index);
  else shapes.set(shape, [index]);
}

const VOID_ELEMENTS = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr']);
/** Attributes whose value caniemail reads only for its URL scheme or image format. */
const URL_ATTRIBUTES = new Set(['href', 'src', 'background', 'action', 'poster', 'cite', 'data', 'longdesc']);
/** Free-text attributes caniemail never reads the value of. */
const TEXT_ATTRIBUTES = new Set(['alt', 'title', 'id', 'class', 'aria-label', 'aria-labelledby', 'aria-describedby']);

/**
 * One element, without children, as caniemail needs to see it: values it only inspects for a URL scheme or image
 * format are reduced to that, so the thousand links of a newsletter collapse into a handful of shapes.
 */
function elementShape(name: string, attribs: Record<string, string>): string {
  let out = `<${name}`;
  for (const [attr, raw] of Object.entries(attribs)) {
    if (!/^[^\s"'<>/=]+$/.test(attr)) continue;
    const key = attr.toLowerCase();
    const value = URL_ATTRIBUTES.has(key)
      ? urlShape(raw)
      : key === 'srcset'
        ? raw.split(',').map((c) => urlShape(c.trim().split(/\s+/)[0] ?? '')).join(', ')
        : TEXT_ATTRIBUTES.has(key)
          ? ''
          : key === 'style'
            ? raw.replace(IMPORTANT, '')
            : raw;
    // One shape per line: a newline inside a value would shift every line after it.
    out += ` ${attr}="${value.replace(/[\r\n]+/g, ' ').replace(/&/g, '&amp;').replace(/"/g, '&quot;')}"`;
  }
  return VOID_ELEMENTS.has(name) ? `${out}>` : `${out}></${name}>`;
}

function urlShape(url: string): string {
  const trimmed = url.trim();
  const data = /^data:([^;,]*)/i.exec(trimmed);
  if (data) return `data:${data[1]},`;
  if (trimmed.startsWith('#')) return '#a';
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1]?.toLowerCase() ?? '';
  const extension = /\.([a-z0-9]+)$/i.exec(trimmed.split(/[?#]/, 1)[0] ?? '')?.[1] ?? '';
  return `${scheme ? `${scheme}:` : ''}//u/x${extension ? `.${extension}` : ''}`;
}

/** `prop: value; ...` of a style attribute, property names lower-cased. */
function declarations(style: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const part of style.split(';')) {
    const colon = part.indexOf(':');
    if (colon > 0) out.push([part.slice(0, colon).trim().toLowerCase(), part.slice(colon + 1).trim()]);
  }
  return out;
}

/** The text with the given [start, end) ranges turned into spaces (newlines kept), so every offset stays put. */
function blank(text: string, ranges: Array<[number, number]>): string {
  if (ranges.length === 0) return text;
  const chars = text.split('');
  for (const [start, end] of ranges) for (let i = start; i < end; i++) if (chars[i] !== '\n') chars[i] = ' ';
  return chars.join('');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// A small HTML syntax highlighter for the "HTML source" tab. It returns markup for {@html}: every character of the
// source goes through escape(), and only its own <span class> wrappers are emitted, so the source can never become
// live markup.

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ESCAPES[c]!);
}

const span = (kind: string, text: string): string => (text ? `<span class="hl-${kind}">${escapeHtml(text)}</span>` : '');

const TOKEN = /<!--[\s\S]*?(?:-->|$)|<![^>]*>?|<\/?[A-Za-z][^\s/>]*(?:[^>"']|"[^"]*"?|'[^']*'?)*>?|&#?\w+;|[^<&]+|[<&]/g;
const TAG = /^(<\/?)([^\s/>]+)([\s\S]*?)(\/?>)?$/;
const ATTRIBUTE = /(\s+)|([^\s=/>]+)(?:(\s*=\s*)("[^"]*"?|'[^']*'?|[^\s>]+))?|([\s\S])/g;
/** Elements whose content is not markup; shown as one run up to their closing tag. */
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title']);

function attributes(source: string): string {
  let out = '';
  for (const [, space, name, equals, value, other] of source.matchAll(ATTRIBUTE)) {
    if (space) out += escapeHtml(space);
    else if (name) out += span('attr', name) + span('punct', equals ?? '') + span('value', value ?? '');
    else out += span('punct', other ?? '');
  }
  return out;
}

function highlightHtml(source: string): string {
  let out = '';
  TOKEN.lastIndex = 0;
  for (let match = TOKEN.exec(source); match; match = TOKEN.exec(source)) {
    const token = match[0];
    if (token.startsWith('<!--')) out += span('comment', token);
    else if (token.startsWith('<!')) out += span('doctype', token);
    else if (token.startsWith('&') && token.length > 1) out += span('entity', token);
    else if (token.startsWith('<') && token.length > 1) {
      const [, open = '', name = '', rest = '', close = ''] = TAG.exec(token) ?? [];
      out += span('punct', open) + span('tag', name) + attributes(rest) + span('punct', close);
      const lower = name.toLowerCase();
      if (open === '<' && RAW_TEXT.has(lower)) {
        const end = source.toLowerCase().indexOf(`</${lower}`, TOKEN.lastIndex);
        const stop = end < 0 ? source.length : end;
        out += span('raw', source.slice(TOKEN.lastIndex, stop));
        TOKEN.lastIndex = stop;
      }
    } else out += escapeHtml(token);
  }
  return out;
}

const LINE_TOKEN = /<span class="hl-[a-z]+">|<\/span>|\n|[^<\n]+/g;

/**
 * The highlighted source cut into lines (for line numbers and for marking lines): a span that crosses a line end is
 * closed at the end of the line and opened again on the next, so each line is markup on its own. Past `limit`
 * characters the source is escaped, not highlighted.
 */
export function highlightLines(source: string, limit = Infinity): string[] {
  const markup = highlightHtml(source.slice(0, limit)) + (source.length > limit ? escapeHtml(source.slice(limit)) : '');
  const lines: string[] = [];
  let open = '';
  let line = '';
  for (const [token] of markup.matchAll(LINE_TOKEN)) {
    if (token === '\n') {
      lines.push(open ? `${line}</span>` : line);
      line = open;
    } else {
      if (token === '</span>') open = '';
      else if (token.startsWith('<span')) open = token;
      line += token;
    }
  }
  lines.push(line);
  return lines;
}

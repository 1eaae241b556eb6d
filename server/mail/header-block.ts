// The raw header block of a message, read and rewritten at the byte level, with no MIME parsing: the message
// view's Go-style header map reads its lines, the relay rewrites headers before sending on, and `mailcove
// sendmail` reads To/Cc/Bcc and drops Bcc. The body is never touched. Kept free of heavy imports so the sendmail
// command stays light.

export interface HeaderLine {
  line: Buffer;
  /** Folded continuation of the field before it (starts with a space or tab). */
  continuation: boolean;
}

/** The header block's lines, each with its line ending; `end` is where the blank line (or the message) starts. */
export function headerLines(raw: Buffer): { lines: HeaderLine[]; end: number } {
  const lines: HeaderLine[] = [];
  let pos = 0;
  while (pos < raw.length) {
    const newline = raw.indexOf(0x0a, pos);
    const end = newline < 0 ? raw.length : newline + 1;
    const line = raw.subarray(pos, end);
    if (line[0] === 0x0a || (line[0] === 0x0d && line[1] === 0x0a)) break;
    lines.push({ line, continuation: line[0] === 0x20 || line[0] === 0x09 });
    pos = end;
  }
  return { lines, end: pos };
}

function fieldName(line: Buffer): string | null {
  const colon = line.indexOf(0x3a);
  return colon > 0 ? line.subarray(0, colon).toString('latin1').trim().toLowerCase() : null;
}

/** Each field's values by lower-case name, unfolded and trimmed but not decoded (encoded words stay as they are). */
export function headerFields(raw: Buffer): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  const unfolded: Array<{ name: string | null; text: string }> = [];
  for (const { line, continuation } of headerLines(raw).lines) {
    const text = line.toString('latin1');
    if (continuation && unfolded.length) unfolded[unfolded.length - 1]!.text += text;
    else unfolded.push({ name: fieldName(line), text });
  }
  for (const { name, text } of unfolded) {
    if (!name) continue;
    const value = text.slice(text.indexOf(':') + 1).replace(/\r?\n[ \t]*/g, ' ').trim();
    fields.set(name, [...(fields.get(name) ?? []), value]);
  }
  return fields;
}

/** Drops every field named in `remove` (lower case) from the header block and puts `add` first. */
export function rewriteHeaders(raw: Buffer, remove: Set<string>, add: Map<string, string>): Buffer {
  const { lines, end } = headerLines(raw);
  const kept: Buffer[] = [];
  let dropping = false;
  for (const { line, continuation } of lines) {
    if (!continuation) {
      const name = fieldName(line);
      dropping = name !== null && remove.has(name);
    }
    if (!dropping) kept.push(line);
  }
  const added = [...add].map(([name, value]) => `${name}: ${value}\r\n`).join('');
  return Buffer.concat([Buffer.from(added, 'utf8'), ...kept, raw.subarray(end)]);
}

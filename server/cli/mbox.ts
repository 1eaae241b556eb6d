// mbox files: messages start at a "From " line at the start of the file or after a newline; quoted ">From " lines
// (mboxrd: any number of '>') lose one '>'. mbox stores lines with LF; messages come out with CRLF, as SMTP
// delivers them (POP3 sizes and the raw view assume it).

export interface MboxMessage {
  /** The sender on the "From sender date" line, '' when absent. */
  sender: string;
  raw: Buffer;
}

export function isMbox(head: Buffer): boolean {
  return head.subarray(0, 5).toString('latin1') === 'From ';
}

/** Splits a whole mbox file. latin1 maps bytes 1:1, so 8-bit content passes through unchanged. */
export function* splitMbox(file: Buffer): Generator<MboxMessage> {
  const text = file.toString('latin1');
  const starts: number[] = [];
  const re = /(?:^|\n)From /g;
  for (let m = re.exec(text); m; m = re.exec(text)) starts.push(m.index === 0 && text.startsWith('From ') ? 0 : m.index + 1);
  for (let i = 0; i < starts.length; i++) {
    const chunk = text.slice(starts[i]!, starts[i + 1] ?? text.length);
    const eol = chunk.indexOf('\n');
    const fromLine = chunk.slice(5, eol < 0 ? chunk.length : eol).trim();
    // The blank line writers put after each message (before the next "From ") belongs to the mbox.
    let body = eol < 0 ? '' : chunk.slice(eol + 1);
    if (/\r?\n\r?\n$/.test(body)) body = body.replace(/\r?\n$/, '');
    body = body.replace(/^>(>*From )/gm, '$1').replace(/\r?\n/g, '\r\n');
    yield { sender: fromLine.split(/\s+/)[0] ?? '', raw: Buffer.from(body, 'latin1') };
  }
}

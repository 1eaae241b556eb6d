// Turns stored message bytes into a POP3 multi-line response body (RFC 1939 §3): every line ends in CRLF (a bare
// LF becomes CRLF), a line that starts with "." gets a second one, and the last line is always terminated so the
// caller's ".\r\n" stands on a line of its own. For TOP it stops after the header section, the blank line and the
// first `bodyLines` lines of the body. Works chunk by chunk, so a message of any size streams through.
import { Transform, type TransformCallback } from 'node:stream';

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;
const CRLF = Buffer.from('\r\n');
const CR_BYTE = Buffer.from('\r');
const DOT_BYTE = Buffer.from('.');

export interface DotStuffOptions {
  /** TOP n m: send the headers, the blank line and this many body lines. Omitted: the whole message (RETR). */
  bodyLines?: number;
}

export class DotStuffer extends Transform {
  /** Nothing of the current line has been sent yet. */
  private atLineStart = true;
  /** The previous chunk ended in CR: whether it ends a line depends on the next byte. */
  private heldCr = false;
  private inHeaders = true;
  private bodyLinesLeft: number | undefined;
  /** TOP has sent all it should; later input is ignored. */
  private done = false;

  constructor(options: DotStuffOptions = {}) {
    super();
    this.bodyLinesLeft = options.bodyLines;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.done) return callback();
    const out: Buffer[] = [];
    this.stuff(chunk, out);
    if (out.length) this.push(out.length === 1 ? out[0] : Buffer.concat(out));
    // Ending the readable side early lets the reader stop at once instead of waiting for the rest of the file.
    if (this.done) this.push(null);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.done) return callback();
    // A final line without a line break (or ending in a lone CR) is terminated here.
    if (this.heldCr || !this.atLineStart) this.push(CRLF);
    callback();
  }

  private stuff(chunk: Buffer, out: Buffer[]): void {
    let i = 0;
    if (this.heldCr) {
      this.heldCr = false;
      if (chunk[0] === LF) {
        this.endLine(out);
        i = 1;
      } else {
        out.push(CR_BYTE);
        this.atLineStart = false;
      }
    }
    while (i < chunk.length && !this.done) {
      if (this.atLineStart && chunk[i] === DOT) out.push(DOT_BYTE);
      const nl = chunk.indexOf(LF, i);
      let end = nl === -1 ? chunk.length : nl;
      if (end > i && chunk[end - 1] === CR) {
        end -= 1;
        if (nl === -1) this.heldCr = true;
      }
      if (end > i) {
        out.push(chunk.subarray(i, end));
        this.atLineStart = false;
      }
      if (nl === -1) return;
      this.endLine(out);
      i = nl + 1;
    }
  }

  private endLine(out: Buffer[]): void {
    out.push(CRLF);
    if (this.bodyLinesLeft !== undefined) {
      if (this.inHeaders) {
        // The first empty line ends the header section; it is sent as part of it.
        if (this.atLineStart) this.inHeaders = false;
      } else {
        this.bodyLinesLeft -= 1;
      }
      if (!this.inHeaders && this.bodyLinesLeft <= 0) this.done = true;
    }
    this.atLineStart = true;
  }
}

// Frames a POP3 client's byte stream into lines. CRLF and a bare LF both end a line; any other byte, NUL and
// invalid UTF-8 included, is just part of a line (the session answers nonsense with -ERR). A line longer than the
// hard cap is never buffered whole: its bytes are dropped as they arrive and it is reported as too long.

/** RFC 2449 §4: a command line is at most 255 octets, CRLF included. */
export const MAX_COMMAND_OCTETS = 255;

/**
 * Cap on any line, SASL responses included: RFC 5034 §4 lifts the command-line limit for them, and a PLAIN response
 * (three fields of at most 255 octets each, RFC 4616) is at most 1,024 base64 characters.
 */
const MAX_LINE_OCTETS = 2048;

export type Line =
  /** `octets` counts the line terminator too, as RFC 2449's limit does. */
  | { tooLong: false; text: string; octets: number }
  | { tooLong: true; octets: number };

export class LineReader {
  private parts: Buffer[] = [];
  /** Bytes of the current line seen so far, counted even while they are being discarded. */
  private length = 0;
  private discarding = false;
  /** Bumped by clear(), so a push() that is part-way through a chunk stops there. */
  private epoch = 0;

  constructor(
    private readonly onLine: (line: Line) => void,
    private readonly maxOctets = MAX_LINE_OCTETS,
  ) {}

  push(chunk: Buffer): void {
    const epoch = this.epoch;
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl === -1 ? chunk.length : nl + 1;
      this.length += end - start;
      if (!this.discarding) {
        if (this.length > this.maxOctets) {
          this.discarding = true;
          this.parts = [];
        } else {
          this.parts.push(chunk.subarray(start, end));
        }
      }
      start = end;
      if (nl !== -1) this.finishLine();
      if (this.epoch !== epoch) return;
    }
  }

  /**
   * Forgets everything not yet framed, including the rest of a chunk being pushed right now (the line handler may
   * call this): after STLS, bytes sent before the TLS handshake must never be read as commands.
   */
  clear(): void {
    this.reset();
    this.epoch += 1;
  }

  private reset(): void {
    this.parts = [];
    this.length = 0;
    this.discarding = false;
  }

  private finishLine(): void {
    const octets = this.length;
    if (this.discarding) {
      this.reset();
      this.onLine({ tooLong: true, octets });
      return;
    }
    const bytes = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
    this.reset();
    const cut = bytes.length >= 2 && bytes[bytes.length - 2] === 0x0d ? 2 : 1;
    this.onLine({ tooLong: false, text: bytes.toString('utf8', 0, bytes.length - cut), octets });
  }
}

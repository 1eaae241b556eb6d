// A raw POP3 client over a socket, for exchanges no well-behaved client will produce (garbage, over-long lines,
// commands in the wrong state, pipelining) and for timing single commands in the benchmark.
import net from 'node:net';
import tls from 'node:tls';

const TERMINATOR = Buffer.from('\r\n.\r\n');

export class Pop3Client {
  private buffer: Buffer = Buffer.alloc(0);
  /** How far the buffer has been searched for a multi-line terminator without finding one. */
  private searched = 0;
  private wake: (() => void) | null = null;
  closed = false;

  private constructor(private socket: net.Socket) {
    this.listen(socket);
  }

  /** Connects without reading the greeting; `tls` connects with implicit TLS (POP3S). */
  static connect(port: number, options: { tls?: boolean } = {}): Promise<Pop3Client> {
    return new Promise((resolve, reject) => {
      const socket = options.tls
        ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => resolve(new Pop3Client(socket)))
        : net.connect(port, '127.0.0.1', () => resolve(new Pop3Client(socket)));
      socket.once('error', reject);
    });
  }

  private listen(socket: net.Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('error', () => {});
  }

  private async until<T>(take: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = take();
      if (value !== undefined) return value;
      if (this.closed) throw new Error(`connection closed while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          this.wake = null;
          resolve();
        };
      });
    }
  }

  private consume(length: number): Buffer {
    const taken = this.buffer.subarray(0, length);
    this.buffer = this.buffer.subarray(length);
    this.searched = 0;
    return taken;
  }

  /** The next status line, without its CRLF. */
  line(timeoutMs = 5000): Promise<string> {
    return this.until(
      () => {
        const nl = this.buffer.indexOf('\r\n');
        return nl === -1 ? undefined : this.consume(nl + 2).toString('latin1', 0, nl);
      },
      'a status line',
      timeoutMs,
    );
  }

  /** The body of a multi-line response, still dot-stuffed, without the final ".\r\n". */
  body(timeoutMs = 5000): Promise<Buffer> {
    return this.until(
      () => {
        if (this.buffer.subarray(0, 3).equals(Buffer.from('.\r\n'))) return this.consume(3).subarray(0, 0);
        const end = this.buffer.indexOf(TERMINATOR, Math.max(0, this.searched - TERMINATOR.length));
        if (end === -1) {
          this.searched = this.buffer.length;
          return undefined;
        }
        return this.consume(end + TERMINATOR.length).subarray(0, end + 2);
      },
      'the end of a multi-line response',
      timeoutMs,
    );
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  async command(line: string, timeoutMs?: number): Promise<string> {
    this.write(line + '\r\n');
    return this.line(timeoutMs);
  }

  /** A command whose +OK is followed by a multi-line body (RETR, TOP, LIST, UIDL, CAPA). */
  async multiline(line: string, timeoutMs?: number): Promise<{ status: string; body: Buffer }> {
    const status = await this.command(line, timeoutMs);
    return { status, body: status.startsWith('+OK') ? await this.body(timeoutMs) : Buffer.alloc(0) };
  }

  /** Logs in with USER/PASS after reading the greeting. */
  async login(name: string, password = 'x'): Promise<string> {
    await this.line();
    await this.command(`USER ${name}`);
    return this.command(`PASS ${password}`);
  }

  /** After a +OK to STLS: the TLS handshake on the same connection. */
  startTls(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.removeAllListeners('data');
      const secure = tls.connect({ socket: this.socket, rejectUnauthorized: false }, () => resolve());
      secure.once('error', reject);
      this.socket = secure;
      this.listen(secure);
    });
  }

  /** Resolves when the server has closed the connection. */
  async closedByServer(timeoutMs = 5000): Promise<void> {
    await this.until(() => (this.closed ? true : undefined), 'the server to close', timeoutMs);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Undoes dot-stuffing: the first "." of every line that starts with one. */
export function unstuff(body: Buffer): Buffer {
  return Buffer.from(body.toString('latin1').replace(/(^|\r\n)\./g, '$1'), 'latin1');
}

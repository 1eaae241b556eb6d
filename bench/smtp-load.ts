// SMTP load generator over raw sockets. It speaks just enough SMTP to push mail as fast as a well-behaved
// pipelining client can: the envelope (MAIL/RCPT/DATA) goes out in one write, the body after the 354.
// Everything is bounded: a fixed number of messages, and a hard time cap after which every socket is destroyed.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { MessageTemplate } from './message.ts';

export interface LoadOptions {
  port: number;
  /** Concurrent clients. */
  connections: number;
  messagesPerConnection: number;
  message: MessageTemplate;
  /** Each message is its own connect → greeting → EHLO → MAIL … 250 → QUIT cycle. */
  connectionPerMessage: boolean;
  /** Hard cap for the whole run; a hung server cannot hang the bench. */
  timeLimitMs: number;
  /** Makes Message-IDs unique across runs. */
  tag: string;
}

export interface LoadResult {
  attempted: number;
  /** Messages answered 250 after the data: the server took responsibility for them. */
  acked: number;
  /** Messages refused with a reply other than the expected one. */
  rejected: number;
  /** Connection-level failures (reset, refused, cut by the time cap). */
  failures: number;
  errorSamples: string[];
  /** Per acknowledged message: from sending MAIL FROM (per-message mode: from connect) to the final 250. */
  latenciesMs: number[];
  elapsedMs: number;
  timedOut: boolean;
}

const HOST = '127.0.0.1';
const EHLO = 'EHLO bench.mailcove.test\r\n';
const ENVELOPE = Buffer.from('MAIL FROM:<sender@bench.mailcove.test>\r\nRCPT TO:<inbox@bench.mailcove.test>\r\nDATA\r\n');
const END_OF_DATA = Buffer.from('\r\n.\r\n');
const QUIT = 'QUIT\r\n';

export interface Reply {
  code: number;
  text: string;
}

export class ReplyError extends Error {}

/** Shared by every client of one run, so the time cap can cut all sockets at once. */
export class RunState {
  readonly sockets = new Set<net.Socket>();
  aborted = false;

  abort(): void {
    this.aborted = true;
    for (const s of this.sockets) s.destroy(new Error('time cap reached'));
  }
}

/** One SMTP client connection: replies are matched to reads in order; multi-line replies are joined. */
export class SmtpClient {
  private buffer = '';
  private lines: string[] = [];
  private replies: Reply[] = [];
  private waiting: Array<{ resolve: (r: Reply) => void; reject: (e: Error) => void }> = [];
  private closedWith: Error | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', (err) => {
      this.closedWith ??= err;
    });
    socket.on('close', () => {
      this.closedWith ??= new Error('connection closed');
      for (const w of this.waiting.splice(0)) w.reject(this.closedWith);
    });
  }

  static connect(port: number, run: RunState): Promise<SmtpClient> {
    return new Promise((resolve, reject) => {
      if (run.aborted) return reject(new Error('time cap reached'));
      const socket = net.connect({ port, host: HOST });
      run.sockets.add(socket);
      socket.once('close', () => run.sockets.delete(socket));
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new SmtpClient(socket));
      });
    });
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\r\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 2);
      this.lines.push(line);
      if (line[3] === '-') continue;
      const reply = { code: Number(line.slice(0, 3)), text: this.lines.join('\n') };
      this.lines = [];
      const w = this.waiting.shift();
      if (w) w.resolve(reply);
      else this.replies.push(reply);
    }
  }

  read(): Promise<Reply> {
    const ready = this.replies.shift();
    if (ready) return Promise.resolve(ready);
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  async expect(code: number, what: string): Promise<Reply> {
    const reply = await this.read();
    if (reply.code !== code) throw new ReplyError(`${what}: expected ${code}, got ${reply.text.slice(0, 120)}`);
    return reply;
  }

  write(...parts: Array<Buffer | string>): void {
    // Corked so the parts leave as one segment where they fit, as a client library would send them.
    this.socket.cork();
    for (const p of parts) this.socket.write(p);
    this.socket.uncork();
  }

  async hello(): Promise<void> {
    await this.expect(220, 'greeting');
    this.write(EHLO);
    const ehlo = await this.expect(250, 'EHLO');
    if (!/PIPELINING/i.test(ehlo.text)) throw new ReplyError('server does not offer PIPELINING');
  }

  /**
   * One transaction. Resolves with the final 250 reply (its text carries the server's queue ID); rejects with a
   * ReplyError when the server refused the message (the connection is still usable), or another error when the
   * connection failed.
   */
  async send(message: MessageTemplate, tag: string, n: number): Promise<Reply> {
    this.write(ENVELOPE);
    const mail = await this.read();
    const rcpt = await this.read();
    const data = await this.read();
    if (mail.code !== 250 || rcpt.code !== 250 || data.code !== 354) {
      throw new ReplyError(`envelope refused: ${mail.code}/${rcpt.code}/${data.text.slice(0, 120)}`);
    }
    if (message.tail) this.write(message.head(tag, n), message.body, message.tail(tag, n), END_OF_DATA);
    else this.write(message.head(tag, n), message.body, END_OF_DATA);
    const final = await this.read();
    if (final.code !== 250) throw new ReplyError(`message refused: ${final.text.slice(0, 120)}`);
    return final;
  }

  async quit(): Promise<void> {
    this.write(QUIT);
    await this.read().catch(() => {});
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const run = new RunState();
  const result: LoadResult = { attempted: 0, acked: 0, rejected: 0, failures: 0, errorSamples: [], latenciesMs: [], elapsedMs: 0, timedOut: false };
  const note = (err: unknown): void => {
    if (err instanceof ReplyError) result.rejected += 1;
    else result.failures += 1;
    if (result.errorSamples.length < 5) result.errorSamples.push((err as Error).message);
  };
  const cap = setTimeout(() => {
    result.timedOut = true;
    run.abort();
  }, options.timeLimitMs);

  const persistent = async (worker: number): Promise<void> => {
    let client: SmtpClient | null = null;
    try {
      client = await SmtpClient.connect(options.port, run);
      await client.hello();
      for (let i = 0; i < options.messagesPerConnection && !run.aborted; i++) {
        result.attempted += 1;
        const started = performance.now();
        try {
          await client.send(options.message, options.tag, worker * options.messagesPerConnection + i);
          result.latenciesMs.push(performance.now() - started);
          result.acked += 1;
        } catch (err) {
          // A refused message leaves the session usable; anything else ends this client.
          if (!(err instanceof ReplyError)) throw err;
          note(err);
        }
      }
      await client.quit();
    } catch (err) {
      note(err);
    } finally {
      client?.destroy();
    }
  };

  const perMessage = async (worker: number): Promise<void> => {
    for (let i = 0; i < options.messagesPerConnection && !run.aborted; i++) {
      result.attempted += 1;
      const started = performance.now();
      let client: SmtpClient | null = null;
      try {
        client = await SmtpClient.connect(options.port, run);
        await client.hello();
        await client.send(options.message, options.tag, worker * options.messagesPerConnection + i);
        result.latenciesMs.push(performance.now() - started);
        result.acked += 1;
        await client.quit();
      } catch (err) {
        note(err);
      } finally {
        client?.destroy();
      }
    }
  };

  const started = performance.now();
  const worker = options.connectionPerMessage ? perMessage : persistent;
  await Promise.all(Array.from({ length: options.connections }, (_, w) => worker(w)));
  result.elapsedMs = performance.now() - started;
  clearTimeout(cap);
  return result;
}

// One POP3 session: a single state machine, AUTHORIZATION → TRANSACTION → UPDATE (RFC 1939). Every command is
// declared once in COMMANDS with the states it is allowed in, and dispatch() is the one place states are checked.
// Each handler is small, in the style of smtp-server's handler_XXX. Commands run strictly one at a time in arrival
// order, so pipelined commands (RFC 2449 PIPELINING) are answered in order.
import type net from 'node:net';
import type tls from 'node:tls';
import type { Readable } from 'node:stream';
import type { Store } from '../store/types.ts';
import { DotStuffer } from './dot-stuff.ts';
import { LineReader, MAX_COMMAND_OCTETS, type Line } from './line-reader.ts';
import { APOP_DIGEST, apopTimestamp, decodePlain, type Authenticator } from './login.ts';
import { ALL_INBOXES, Maildrop, type MaildropMessage } from './maildrop.ts';
import { serverTls } from './server-tls.ts';

type State = 'AUTHORIZATION' | 'TRANSACTION' | 'UPDATE';

interface Command {
  states: readonly State[];
  run(session: Pop3Session, arg: string): Promise<void>;
}

/** What every session of a listener shares. */
export interface SessionContext {
  store: Store;
  authenticator: Authenticator;
  secureContext: tls.SecureContext;
  /** --pop3-keep: DELE + QUIT leaves messages in the store. */
  keep: boolean;
  /** RFC 2449 EXPIRE: whole days a message is kept (from --max-age), or null for NEVER. */
  expireDays: number | null;
  implementation: string;
  idleTimeoutMs: number;
  /** Reports client errors (failed logins, over-long lines, TLS and storage failures) to the live event stream. */
  clientError(ip: string, message: string): void;
}

/** Lines read ahead of the command being run; past this the socket stops reading until the queue drains. */
const MAX_QUEUED_LINES = 64;
/** Multi-line listings are written in pieces of about this size, each waiting for the socket to drain. */
const LISTING_BATCH = 64 * 1024;

export class Pop3Session {
  private static readonly COMMANDS = new Map<string, Command>([
    ['CAPA', { states: ['AUTHORIZATION', 'TRANSACTION'], run: (s) => s.handleCapa() }],
    ['QUIT', { states: ['AUTHORIZATION', 'TRANSACTION'], run: (s) => s.handleQuit() }],
    ['STLS', { states: ['AUTHORIZATION'], run: (s) => s.handleStls() }],
    ['USER', { states: ['AUTHORIZATION'], run: (s, arg) => s.handleUser(arg) }],
    ['PASS', { states: ['AUTHORIZATION'], run: (s, arg) => s.handlePass(arg) }],
    ['APOP', { states: ['AUTHORIZATION'], run: (s, arg) => s.handleApop(arg) }],
    ['AUTH', { states: ['AUTHORIZATION'], run: (s, arg) => s.handleAuth(arg) }],
    ['STAT', { states: ['TRANSACTION'], run: (s) => s.handleStat() }],
    ['LIST', { states: ['TRANSACTION'], run: (s, arg) => s.handleList(arg) }],
    ['UIDL', { states: ['TRANSACTION'], run: (s, arg) => s.handleUidl(arg) }],
    ['RETR', { states: ['TRANSACTION'], run: (s, arg) => s.handleRetr(arg) }],
    ['TOP', { states: ['TRANSACTION'], run: (s, arg) => s.handleTop(arg) }],
    ['DELE', { states: ['TRANSACTION'], run: (s, arg) => s.handleDele(arg) }],
    ['RSET', { states: ['TRANSACTION'], run: (s) => s.handleRset() }],
    ['NOOP', { states: ['TRANSACTION'], run: (s) => s.handleNoop() }],
  ]);

  private state: State = 'AUTHORIZATION';
  private readonly reader = new LineReader((line) => this.enqueue(line));
  private readonly queue: Line[] = [];
  private running = false;
  private closed = false;
  private readonly timestamp = apopTimestamp();
  /** The name given by USER, waiting for PASS. */
  private user: string | null = null;
  private maildrop: Maildrop | null = null;
  /** Set while AUTH waits for the client's response on a line of its own (RFC 5034 continuation). */
  private continuation: ((response: string) => Promise<void>) | null = null;
  private readonly onData = (chunk: Buffer) => this.reader.push(chunk);
  private readonly onTimeout = () => this.socket.destroy();

  /** `socket` is the transport: the TCP socket, or a TLS socket already past its handshake (POP3S). */
  constructor(
    private socket: net.Socket,
    private readonly ctx: SessionContext,
    private secure: boolean,
    /** The client's address, for error reports and the login delay. */
    private readonly ip: string,
  ) {
    this.attach(socket);
    socket.once('close', () => (this.closed = true));
  }

  start(): void {
    void this.write(`+OK Mailcove POP3 server ready ${this.timestamp}\r\n`);
  }

  // --- input: framing, queueing, and the one place commands are checked against the state ---

  private attach(socket: net.Socket): void {
    socket.on('data', this.onData);
    socket.on('error', () => {}); // 'close' follows; a reset by the client is not worth reporting
    socket.setTimeout(this.ctx.idleTimeoutMs);
    socket.on('timeout', this.onTimeout);
  }

  private enqueue(line: Line): void {
    this.queue.push(line);
    if (this.queue.length >= MAX_QUEUED_LINES) this.socket.pause();
    void this.runQueue();
  }

  private async runQueue(): Promise<void> {
    if (this.running) return;
    this.running = true;
    while (this.queue.length && !this.closed) await this.dispatch(this.queue.shift()!);
    this.running = false;
    if (!this.closed) this.socket.resume();
  }

  private async dispatch(line: Line): Promise<void> {
    const continuation = this.continuation;
    this.continuation = null;
    // RFC 5034 §4 lifts the 255-octet limit for SASL responses; the reader's own cap still bounds them.
    if (line.tooLong || (!continuation && line.octets > MAX_COMMAND_OCTETS)) {
      this.ctx.clientError(this.ip, `POP3 command line of ${line.octets} octets, over the ${MAX_COMMAND_OCTETS}-octet limit`);
      return this.err(`line too long (the limit is ${MAX_COMMAND_OCTETS} octets)`);
    }
    try {
      if (continuation) return await continuation(line.text);
      const space = line.text.indexOf(' ');
      const verb = (space === -1 ? line.text : line.text.slice(0, space)).toUpperCase();
      const command = Pop3Session.COMMANDS.get(verb);
      if (!command) return await this.err('unknown command');
      if (!command.states.includes(this.state)) return await this.err(`${verb} is not allowed in the ${this.state} state`);
      await command.run(this, space === -1 ? '' : line.text.slice(space + 1));
    } catch (err) {
      this.ctx.clientError(this.ip, `POP3 command failed: ${(err as Error).message}`);
      await this.err('[SYS/TEMP] internal error, please retry');
    }
  }

  // --- output: every write honours backpressure ---

  /** Resolves once the socket can take more (or has closed). */
  private write(data: string | Buffer): Promise<void> {
    const socket = this.socket;
    if (this.closed || socket.write(data)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    });
  }

  private ok(text = ''): Promise<void> {
    return this.write(text ? `+OK ${text}\r\n` : '+OK\r\n');
  }

  private err(text: string): Promise<void> {
    return this.write(`-ERR ${text}\r\n`);
  }

  /** A multi-line response whose lines never start with "." (numbers, IDs, capability names). */
  private async multiline(status: string, lines: Iterable<string>): Promise<void> {
    let batch = `+OK ${status}\r\n`;
    for (const line of lines) {
      batch += line + '\r\n';
      if (batch.length >= LISTING_BATCH) {
        await this.write(batch);
        batch = '';
      }
    }
    await this.write(batch + '.\r\n');
  }

  /** The last reply: the connection closes once it is sent. */
  private finish(reply: string): void {
    this.socket.end(reply);
    this.closed = true;
  }

  // --- AUTHORIZATION ---

  private async handleCapa(): Promise<void> {
    const capabilities = ['TOP', 'UIDL', 'USER', 'SASL PLAIN', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING'];
    if (!this.secure) capabilities.push('STLS');
    capabilities.push(`EXPIRE ${this.ctx.expireDays ?? 'NEVER'}`, `IMPLEMENTATION ${this.ctx.implementation}`);
    await this.multiline('capability list follows', capabilities);
  }

  private async handleStls(): Promise<void> {
    if (this.secure) return this.err('TLS is already active');
    // Written before the upgrade and not awaited: the client answers it with its handshake, which the TLS socket
    // created below must be the one to read.
    this.socket.write('+OK begin TLS negotiation\r\n');
    this.upgrade();
  }

  /** RFC 2595: anything the client sent after STLS in plaintext is dropped, and so is what USER had set. */
  private upgrade(): void {
    const plain = this.socket;
    plain.off('data', this.onData);
    plain.off('timeout', this.onTimeout);
    plain.setTimeout(0);
    this.reader.clear();
    this.queue.length = 0;
    this.user = null;
    const secure = serverTls(plain, this.ctx.secureContext, (message) => this.ctx.clientError(this.ip, `POP3 STLS handshake failed: ${message}`));
    secure.once('close', () => (this.closed = true));
    this.socket = secure;
    this.secure = true;
    this.attach(secure);
  }

  private async handleUser(arg: string): Promise<void> {
    if (!arg) return this.err('USER needs a name');
    this.user = arg;
    await this.ok('send PASS');
  }

  private async handlePass(arg: string): Promise<void> {
    const name = this.user;
    this.user = null;
    if (name === null) return this.err('send USER first');
    // The whole rest of the line is the password: RFC 1939 allows spaces in it.
    await this.loggedIn(name, await this.ctx.authenticator.password(this.ip, name, arg));
  }

  private async handleApop(arg: string): Promise<void> {
    const space = arg.lastIndexOf(' ');
    const name = arg.slice(0, space);
    const digest = arg.slice(space + 1);
    if (space <= 0 || !APOP_DIGEST.test(digest)) return this.err('syntax: APOP name digest');
    await this.loggedIn(name, await this.ctx.authenticator.apop(this.ip, name, this.timestamp, digest));
  }

  private async handleAuth(arg: string): Promise<void> {
    // AUTH without a mechanism lists them (the pre-RFC 5034 form some clients still send).
    if (!arg) return this.multiline('SASL mechanisms follow', ['PLAIN']);
    const [mechanism = '', initial, ...extra] = arg.split(' ');
    if (mechanism.toUpperCase() !== 'PLAIN') return this.err('unsupported SASL mechanism (this server offers PLAIN)');
    if (extra.length) return this.err('syntax: AUTH PLAIN [initial-response]');
    if (initial !== undefined) return this.finishPlain(initial);
    this.continuation = (response) => this.finishPlain(response);
    await this.write('+ \r\n');
  }

  private async finishPlain(response: string): Promise<void> {
    if (response === '*') return this.err('authentication cancelled');
    // RFC 5034: "=" stands for an empty response, which PLAIN cannot use.
    const plain = response === '=' ? null : decodePlain(response);
    if (!plain) return this.err('malformed SASL PLAIN response');
    // An authorisation identity other than the login's own would let one inbox's credentials open another.
    const ok = plain.authzid === '' || plain.authzid === plain.authcid;
    const inbox = ok ? await this.ctx.authenticator.password(this.ip, plain.authcid, plain.password) : null;
    await this.loggedIn(plain.authcid, inbox);
  }

  private async loggedIn(name: string, inbox: string | null): Promise<void> {
    if (inbox === null) {
      this.ctx.clientError(this.ip, `POP3 login failed for "${name}"`);
      return this.err('[AUTH] invalid login name or password');
    }
    // The maildrop includes every message acknowledged over SMTP before this login, indexed or not yet.
    await this.ctx.store.indexed();
    this.maildrop = Maildrop.snapshot(this.ctx.store, inbox);
    this.state = 'TRANSACTION';
    await this.ok(`${inbox === ALL_INBOXES ? 'every inbox' : `inbox ${inbox}`} has ${this.maildrop.count} messages (${this.maildrop.octets} octets)`);
  }

  // --- TRANSACTION ---

  private get drop(): Maildrop {
    return this.maildrop!;
  }

  private async handleStat(): Promise<void> {
    await this.ok(`${this.drop.count} ${this.drop.octets}`);
  }

  private async handleList(arg: string): Promise<void> {
    await this.listing(arg, `${this.drop.count} messages (${this.drop.octets} octets)`, (n, m) => `${n} ${m.size}`);
  }

  private async handleUidl(arg: string): Promise<void> {
    await this.listing(arg, 'unique-id listing follows', (n, m) => `${n} ${m.id}`);
  }

  /** LIST and UIDL: with an argument one message's line as the +OK, without it every live message's. */
  private async listing(arg: string, status: string, format: ScanLine): Promise<void> {
    if (!arg) return this.multiline(status, scanLines(this.drop, format));
    const n = messageNumber(arg);
    const message = this.drop.message(n);
    if (!message) return this.noSuchMessage(arg);
    await this.ok(format(n, message));
  }

  private async handleRetr(arg: string): Promise<void> {
    const message = this.drop.message(messageNumber(arg));
    if (!message) return this.noSuchMessage(arg);
    if (await this.sendMessage(message, `${message.size} octets`)) {
      await this.ctx.store.setRead([message.id], true).catch((err: Error) => this.ctx.clientError(this.ip, `POP3 could not mark ${message.id} read: ${err.message}`));
    }
  }

  private async handleTop(arg: string): Promise<void> {
    const [n = '', lines = '', ...extra] = arg.trim().split(/ +/);
    if (extra.length || !/^\d{1,9}$/.test(lines)) return this.err('syntax: TOP message-number lines');
    const message = this.drop.message(messageNumber(n));
    if (!message) return this.noSuchMessage(n);
    await this.sendMessage(message, 'top of message follows', Number(lines));
  }

  /**
   * Streams the stored bytes, dot-stuffed, never holding more than a chunk. The +OK waits for the first chunk, so a
   * message that cannot be read still gets a clean -ERR. True once the whole response has been written.
   */
  private async sendMessage(message: MaildropMessage, status: string, bodyLines?: number): Promise<boolean> {
    let source: Readable;
    try {
      source = this.ctx.store.rawStream(message.id);
    } catch {
      await this.err('no such message: it was deleted since this session began');
      return false;
    }
    const stuffer = new DotStuffer({ bodyLines });
    source.on('error', (err) => stuffer.destroy(err));
    const chunks = source.pipe(stuffer)[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    try {
      let next: IteratorResult<Buffer>;
      try {
        next = await chunks.next();
      } catch (err) {
        this.ctx.clientError(this.ip, `POP3 could not read message ${message.id}: ${(err as Error).message}`);
        await this.err('[SYS/TEMP] the message cannot be read now, please retry');
        return false;
      }
      await this.ok(status);
      while (!next.done && !this.closed) {
        await this.write(next.value);
        next = await chunks.next();
      }
      await this.write('.\r\n');
      return !this.closed;
    } catch (err) {
      // Part of the message is out: a -ERR now would read as message text, so the connection is cut instead.
      this.ctx.clientError(this.ip, `POP3 reading message ${message.id} failed midway: ${(err as Error).message}`);
      this.socket.destroy();
      return false;
    } finally {
      source.destroy();
      await chunks.return?.();
    }
  }

  private async handleDele(arg: string): Promise<void> {
    if (!this.drop.markDeleted(messageNumber(arg))) return this.noSuchMessage(arg);
    await this.ok(`message ${arg.trim()} deleted`);
  }

  private async handleRset(): Promise<void> {
    this.drop.unmarkAll();
    await this.ok(`maildrop has ${this.drop.count} messages (${this.drop.octets} octets)`);
  }

  private async handleNoop(): Promise<void> {
    await this.ok();
  }

  private noSuchMessage(arg: string): Promise<void> {
    return this.err(`no such message: ${arg.trim().slice(0, 20)}`);
  }

  // --- QUIT, and UPDATE ---

  private async handleQuit(): Promise<void> {
    if (this.state === 'AUTHORIZATION') return this.finish('+OK Mailcove POP3 server signing off\r\n');
    this.state = 'UPDATE';
    const marked = this.drop.markedIds();
    if (this.ctx.keep) return this.finish(`+OK signing off; --pop3-keep left all ${marked.length} deleted messages in place\r\n`);
    try {
      // Messages already removed by someone else are simply not in the result.
      const removed = marked.length ? await this.ctx.store.delete(marked) : [];
      this.finish(`+OK signing off (${removed.length} messages deleted)\r\n`);
    } catch (err) {
      this.ctx.clientError(this.ip, `POP3 could not delete messages at QUIT: ${(err as Error).message}`);
      this.finish('-ERR [SYS/TEMP] some deleted messages not removed\r\n');
    }
  }
}

type ScanLine = (n: number, message: MaildropMessage) => string;

function* scanLines(drop: Maildrop, format: ScanLine): Generator<string> {
  for (const [n, message] of drop.live()) yield format(n, message);
}

/** A message-number argument; NaN (which matches no message) for anything but digits. */
function messageNumber(arg: string): number {
  const trimmed = arg.trim();
  return /^\d{1,9}$/.test(trimmed) ? Number(trimmed) : NaN;
}

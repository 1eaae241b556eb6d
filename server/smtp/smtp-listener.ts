// The catch-all SMTP listener: accepts any sender and recipient, and answers 250 only once the store holds the
// message durably.
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { InboxAuth } from '../auth/inbox-auth.ts';
import type { Listen } from '../config.ts';
import type { Store, MessageMeta, MessageSummary } from '../store/types.ts';
import type { TlsIdentity } from '../tls/certificate.ts';
import { clientAddress } from '../client-address.ts';
import { faultGate, type SmtpFaults } from './chaos-smtp.ts';
import { checkSmtpCredentials, type Credentials } from './credentials.ts';
import { installInstantGreeting } from './instant-greeting.ts';

export interface SmtpListenerOptions {
  listen: Listen;
  store: Store;
  tls: TlsIdentity;
  /** Implicit TLS (SMTPS) instead of plain + STARTTLS. */
  implicitTls: boolean;
  maxMessageSize: number;
  /** null: any credentials are accepted. */
  users: Credentials | null;
  /** Inboxes that need their own password (--inbox-auth-file). */
  inboxAuth: InboxAuth;
  observer: SmtpObserver;
  /** Chaos faults and the rate limit (server/smtp/chaos-smtp.ts); null or absent: none. */
  faults?: SmtpFaults | null;
}

/** What the listener reports: counters for /api/v1/info and client errors for the live event stream. */
export interface SmtpObserver {
  /** `latencySeconds`: from the end of DATA to the 250 (the durable write; the parse may still be running). */
  accepted(size: number, latencySeconds: number): void;
  rejected(clientIp: string, reason: string): void;
  clientError(clientIp: string, message: string): void;
  /** After the 250: the stored message, for work that must not hold up the reply (auto-relay). */
  stored?(summary: MessageSummary, raw: Buffer): void;
}

export interface SmtpListener {
  port: number;
  close(): Promise<void>;
}

type SmtpError = Error & { responseCode?: number };

function smtpError(code: number, message: string): SmtpError {
  return Object.assign(new Error(message), { responseCode: code });
}

export async function startSmtp(options: SmtpListenerOptions): Promise<SmtpListener> {
  installInstantGreeting();
  const { store, maxMessageSize, observer } = options;
  const gate = faultGate(options.faults ?? null, () => server);
  const server = new SMTPServer({
    name: 'mailcove',
    banner: 'Mailcove ESMTP catch-all ready',
    secure: options.implicitTls,
    key: options.tls.key,
    cert: options.tls.cert,
    size: maxMessageSize,
    authMethods: ['PLAIN', 'LOGIN', 'CRAM-MD5'],
    authOptional: true,
    // A sandbox on a developer's machine: clients often authenticate without TLS.
    allowInsecureAuth: true,
    disableReverseLookup: true,
    hideENHANCEDSTATUSCODES: false,
    logger: false,
    onConnect(session, callback) {
      gate('connect', clientAddress(session.remoteAddress), session, callback);
    },
    onMailFrom(address, session, callback) {
      gate('mail', address.address, session, callback);
    },
    onRcptTo(address, session, callback) {
      gate('rcpt', address.address, session, callback);
    },
    onAuth(auth, session, callback) {
      gate('auth', auth.username ?? '', session, (fault) => {
        if (fault) return callback(fault);
        if (checkSmtpCredentials(options.users, options.inboxAuth, auth)) return callback(null, { user: auth.username });
        observer.clientError(clientAddress(session.remoteAddress), `AUTH ${auth.method} failed for "${auth.username ?? ''}"`);
        callback(smtpError(535, 'Authentication credentials invalid'));
      });
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => {
        // Past the limit nothing more is kept; the whole message is refused below.
        if (!stream.sizeExceeded) chunks.push(chunk);
      });
      stream.on('error', (err) => callback(smtpError(451, `Error reading message: ${err.message}`)));
      stream.on('end', () => {
        if (stream.sizeExceeded) {
          observer.rejected(clientAddress(session.remoteAddress), `message over the ${maxMessageSize}-byte size limit`);
          return callback(smtpError(552, `Message exceeds the maximum size of ${maxMessageSize} bytes`));
        }
        const raw = Buffer.concat(chunks);
        gate('data', raw, session, (fault) => {
          if (fault) return callback(fault);
          const dataEnd = performance.now();
          // The 250 goes out once the bytes are durable; the store parses and indexes the message after it.
          let acknowledged = false;
          const onDurable = (id: string): void => {
            acknowledged = true;
            observer.accepted(raw.length, (performance.now() - dataEnd) / 1000);
            callback(null, `Ok: queued as ${id}`);
          };
          store.add({ raw, meta: sessionMeta(session) }, { onDurable }).then(
            (summary) => observer.stored?.(summary, raw),
            (err: Error) => {
              // After a 250 only indexing failed: the message is on disk, the store has logged it, and start-up
              // indexes it, so this client is told of no failure. Before one, nothing was kept and it retries.
              if (acknowledged) return;
              observer.clientError(clientAddress(session.remoteAddress), `storing message failed: ${err.message}`);
              callback(smtpError(451, 'Temporary storage failure, please retry'));
            },
          );
        });
      });
    },
  });
  server.on('error', (err: Error & { remote?: string }) => observer.clientError(err.remote ?? '', err.message));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listen.port, options.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.server.address() as AddressInfo;
  return {
    port: address.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function sessionMeta(session: SMTPServerSession): MessageMeta {
  const mailFrom = session.envelope.mailFrom;
  return {
    envelope: {
      mailFrom: mailFrom ? mailFrom.address : '',
      rcptTo: session.envelope.rcptTo.map((r) => r.address),
    },
    client: {
      address: clientAddress(session.remoteAddress),
      helo: session.hostNameAppearsAs ?? '',
      tls: session.secure,
    },
    username: typeof session.user === 'string' ? session.user : '',
  };
}

// The POP3 listener: plain with STLS, or implicit TLS (POP3S) with --pop3-require-tls, both on the certificate SMTP
// uses. It caps concurrent connections and hands each accepted one to a Pop3Session.
import { clientAddress } from '../client-address.ts';
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import type { Listen } from '../config.ts';
import type { Store } from '../store/types.ts';
import type { TlsIdentity } from '../tls/certificate.ts';
import { Authenticator, type InboxCredentials, type LoginDelay } from './login.ts';
import { Pop3Session, type SessionContext } from './session.ts';
import { serverTls } from './server-tls.ts';

/** RFC 1939 §3: an autologout timer of at least 10 minutes. */
const IDLE_TIMEOUT_MS = 10 * 60_000;

export interface Pop3ListenerOptions {
  listen: Listen;
  store: Store;
  tls: TlsIdentity;
  /** Implicit TLS (POP3S) instead of plain + STLS. */
  implicitTls: boolean;
  /** --pop3-keep: DELE + QUIT never removes messages. */
  keep: boolean;
  /** Connections past this many are refused with -ERR [SYS/TEMP]; 0 means no limit. */
  maxConnections: number;
  credentials: InboxCredentials;
  /** --max-age in whole days, for CAPA's EXPIRE; null when messages never expire by age. */
  expireDays: number | null;
  version: string;
  clientError(ip: string, message: string): void;
  idleTimeoutMs?: number;
  loginDelay?: LoginDelay;
}

export interface Pop3Listener {
  port: number;
  close(): Promise<void>;
}

export async function startPop3(options: Pop3ListenerOptions): Promise<Pop3Listener> {
  const secureContext = tls.createSecureContext({ key: options.tls.key, cert: options.tls.cert });
  const idleTimeoutMs = options.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
  const context: SessionContext = {
    store: options.store,
    authenticator: new Authenticator(options.credentials, options.loginDelay),
    secureContext,
    keep: options.keep,
    expireDays: options.expireDays,
    implementation: `Mailcove-${options.version}`,
    idleTimeoutMs,
    clientError: options.clientError,
  };
  const open = new Set<net.Socket>();

  // noDelay: replies are small and each one is awaited by the client; Nagle would hold some back for an ACK.
  const server = net.createServer({ noDelay: true }, (socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    socket.on('error', () => {});
    const ip = clientAddress(socket.remoteAddress);
    const refused = options.maxConnections > 0 && open.size > options.maxConnections;
    if (refused) options.clientError(ip, `POP3 connection refused: ${options.maxConnections} connections already open`);
    const serve = (transport: net.Socket, secure: boolean) => {
      if (refused) transport.end('-ERR [SYS/TEMP] too many connections, try again later\r\n');
      else new Pop3Session(transport, context, secure, ip).start();
    };
    if (!options.implicitTls) return serve(socket, false);
    // A client that never finishes the handshake is dropped like an idle one.
    socket.setTimeout(idleTimeoutMs, () => socket.destroy());
    const secure = serverTls(socket, secureContext, (message) => options.clientError(ip, `POP3S handshake failed: ${message}`));
    secure.once('secure', () => {
      secure.on('error', () => {});
      socket.setTimeout(0);
      serve(secure, true);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listen.port, options.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => options.clientError('', `POP3 listener: ${err.message}`));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Sessions end without UPDATE, so nothing marked deleted is removed (RFC 1939 §6).
        for (const socket of open) socket.destroy();
      }),
  };
}

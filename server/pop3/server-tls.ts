// The server side of a POP3 TLS session, over a plain socket: implicit TLS (POP3S) at connect, or STLS mid-session.
import type { Socket } from 'node:net';
import tls from 'node:tls';

/** Wraps `plain`; a failed handshake is reported (its message trimmed) and the connection dropped. */
export function serverTls(plain: Socket, secureContext: tls.SecureContext, onHandshakeFailed: (message: string) => void): tls.TLSSocket {
  const secure = new tls.TLSSocket(plain, { isServer: true, secureContext });
  const failed = (err: Error) => {
    onHandshakeFailed(err.message.trim());
    plain.destroy();
  };
  secure.once('error', failed);
  secure.once('secure', () => secure.off('error', failed));
  return secure;
}

// smtp-server writes every reply to the socket on its own. A pipelining client (nodemailer, most MTAs) sends MAIL
// FROM, RCPT TO and DATA in one packet and smtp-server answers them in one synchronous pass, so that is three
// send() system calls and three packets where one would do, about a tenth of the server's CPU per message under
// load. This corks the socket at a turn's first reply and uncorks it once that turn's synchronous work is done
// (process.nextTick), so the replies of one pass leave in one write. No reply waits for I/O or a timer: a lone
// reply still goes out before the event loop moves on. Checked by tests/smtp-pipelining.test.ts.
import type { Socket } from 'node:net';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

interface ConnectionInternals {
  _socket?: Socket;
  send(code: number, data: unknown, context?: unknown): void;
}

const corked = new WeakSet<Socket>();
let installed = false;

export function installPipelinedReplies(): void {
  if (installed) return;
  installed = true;
  const proto = SMTPConnection.prototype as unknown as ConnectionInternals;
  const send = proto.send;
  proto.send = function (this: ConnectionInternals, code, data, context) {
    const socket = this._socket;
    // The socket is captured: after STARTTLS this._socket is the TLS socket, but this cork belongs to the old one.
    if (socket && !socket.destroyed && !corked.has(socket)) {
      corked.add(socket);
      socket.cork();
      process.nextTick(() => {
        if (corked.delete(socket)) socket.uncork();
      });
    }
    send.call(this, code, data, context);
    // A 220 is the greeting or STARTTLS's go-ahead, after which smtp-server hands the raw socket to TLS at once:
    // it must be on the wire before that, not in this socket's buffer.
    if (code === 220 && socket && corked.delete(socket)) socket.uncork();
  };
}

// smtp-server writes every reply to the socket on its own. A pipelining client (nodemailer, most MTAs) sends MAIL
// FROM, RCPT TO and DATA in one packet and smtp-server answers them in one synchronous pass, so that is three
// send() system calls and three packets where one would do; on this machine a loopback send costs ~25 µs of the
// server's CPU. This corks the socket when a command is dispatched and uncorks it once that turn's synchronous
// work is done (process.nextTick), so the replies of one pass leave in one write. Replies sent later from an
// asynchronous completion, above all the 250 after DATA, are not corked and go out at once. Checked by
// tests/smtp-pipelining.test.ts.
import type { Socket } from 'node:net';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

interface ConnectionInternals {
  _socket?: Socket;
  _onCommand(command: Buffer, callback: () => void): void;
  send(code: number, data: unknown, context?: unknown): void;
}

const corked = new WeakSet<Socket>();
let installed = false;

export function installPipelinedReplies(): void {
  if (installed) return;
  installed = true;
  const proto = SMTPConnection.prototype as unknown as ConnectionInternals;
  const onCommand = proto._onCommand;
  proto._onCommand = function (this: ConnectionInternals, command, callback) {
    const socket = this._socket;
    // The socket is captured: after STARTTLS this._socket is the TLS socket, but this cork belongs to the old one.
    if (socket && !socket.destroyed && !corked.has(socket)) {
      corked.add(socket);
      socket.cork();
      process.nextTick(() => {
        if (corked.delete(socket)) socket.uncork();
      });
    }
    onCommand.call(this, command, callback);
  };
  const send = proto.send;
  proto.send = function (this: ConnectionInternals, code, data, context) {
    send.call(this, code, data, context);
    // A 220 here is STARTTLS's go-ahead, after which smtp-server hands the raw socket to TLS at once: it must be
    // on the wire before that, not in this socket's buffer.
    const socket = this._socket;
    if (code === 220 && socket && corked.delete(socket)) socket.uncork();
  };
}

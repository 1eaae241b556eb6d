// smtp-server holds every greeting for a fixed 100 ms to catch "early talkers" and offers no option to turn that
// off. Apps that open a connection per message pay it on every mail (~90 msg/s ceiling), so Mailcove greets at
// once. This replaces SMTPConnection#init with the same steps minus the timer; the reverse DNS lookup is turned
// off separately with the `disableReverseLookup` option. Checked by tests/smtp-greeting.test.ts.
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

interface ConnectionInternals {
  _server: { options: { maxClients?: number }; connections: Set<unknown> };
  name: string;
  _setListeners(callback: () => void): void;
  send(code: number, message: string, keepOpen?: boolean): void;
  connectionReady(): void;
}

let installed = false;

export function installInstantGreeting(): void {
  if (installed) return;
  installed = true;
  const proto = SMTPConnection.prototype as unknown as ConnectionInternals & { init(): void };
  proto.init = function init(this: ConnectionInternals) {
    this._setListeners(() => {
      const { maxClients } = this._server.options;
      if (maxClients && this._server.connections.size > maxClients) {
        return this.send(421, this.name + ' Too many connected clients, try again in a moment', false);
      }
      this.connectionReady();
    });
  };
}

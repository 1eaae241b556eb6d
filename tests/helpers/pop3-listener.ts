// A second POP3 listener on a running test app's store, for what the app's flags do not reach: configured
// credentials, short login delays, a short idle timeout.
import { InboxAuth } from '../../server/auth/inbox-auth.ts';
import { credentialsFor } from '../../server/pop3/login.ts';
import { startPop3, type Pop3Listener, type Pop3ListenerOptions } from '../../server/pop3/pop3-server.ts';
import { loadTlsIdentity } from '../../server/tls/certificate.ts';
import type { TestApp } from './app.ts';

export async function startTestPop3(app: TestApp, options: Partial<Pop3ListenerOptions> = {}): Promise<Pop3Listener> {
  return startPop3({
    listen: { host: '127.0.0.1', port: 0 },
    store: app.store,
    tls: await loadTlsIdentity({ certFile: null, keyFile: null, dataDir: app.dataDir }),
    implicitTls: false,
    keep: false,
    maxConnections: 0,
    credentials: credentialsFor(new InboxAuth(null)),
    expireDays: null,
    version: '0.0.0',
    clientError: () => {},
    ...options,
  });
}

// Mailcove as the bench runs it: the real startApp in its own process, so it never shares an event loop with the
// load generator. Arguments are Mailcove flags (at least --data). Run as a child of run.ts.
import { startApp } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import { serveParent } from './ipc.ts';

// Every listener on an ephemeral loopback port; env is ignored so a developer's MAILCOVE_* cannot skew the run.
const config = loadConfig(['--smtp', '127.0.0.1:0', '--http', '127.0.0.1:0', '--pop3', '127.0.0.1:0', ...process.argv.slice(2)], {});
const started = performance.now();
const app = await startApp(config, { log: (line) => console.error(`[mailcove] ${line}`) });
const startMs = performance.now() - started;

await serveParent(
  { smtpPort: app.smtp.port, httpPort: app.http.port, startMs, count: app.store.count(), lastOpen: app.store.lastOpen },
  {
    // Every acknowledged message, including those still being indexed.
    count: async () => {
      await app.store.indexed();
      return app.store.count();
    },
    reset: () => app.store.deleteAll(),
    stop: () => app.stop(),
  },
);

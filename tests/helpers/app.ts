// Starts the whole app on port 0 with a fresh data folder, as a user's `npm start` would, for in-process tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type AppOptions, type RunningApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';

export function tempDir(prefix = 'mailcove-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface TestApp extends RunningApp {
  dataDir: string;
  /** http://127.0.0.1:PORT */
  url: string;
  /** Stops the app and removes its data folder. */
  dispose(): Promise<void>;
}

/** Apps started by this test process and not yet disposed. */
const running = new Set<RunningApp>();

/**
 * Waits until every running app has indexed the mail it acknowledged. SMTP answers 250 once a message is durable
 * and indexes it right after; the HTTP API and POP3 wait for that themselves, but a test that reads `app.store`
 * directly must wait first. The mail-sending helpers call this after each send.
 */
export async function allIndexed(): Promise<void> {
  for (const app of running) await app.store.indexed();
}

export async function startTestApp(flags: string[] = [], options: AppOptions & { dataDir?: string } = {}): Promise<TestApp> {
  const dataDir = options.dataDir ?? tempDir();
  const config = loadConfig(['--smtp', '127.0.0.1:0', '--http', '127.0.0.1:0', '--pop3', '127.0.0.1:0', '--data', dataDir, ...flags], {});
  const app = await startApp(config, { log: () => {}, ...options });
  running.add(app);
  return {
    ...app,
    dataDir,
    url: `http://127.0.0.1:${app.http.port}`,
    async dispose() {
      running.delete(app);
      await app.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

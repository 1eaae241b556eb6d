// `mailcove serve` (the default): configuration, start-up, and a clean stop on SIGINT/SIGTERM.
import { startApp } from '../app.ts';
import { ConfigError, helpText, loadConfig } from '../config.ts';
import { ensureWebBuild } from '../http/web-build.ts';
import { COMMANDS_HELP } from './usage.ts';

export async function run(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(`${helpText()}\n\n${COMMANDS_HELP}`);
    return;
  }
  let config;
  try {
    config = loadConfig(argv);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`mailcove: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  // Handlers go in before anything is printed: a supervisor may signal as soon as it sees the ready lines.
  let app: Awaited<ReturnType<typeof startApp>> | null = null;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`mailcove: ${signal}, stopping`);
    (app ? app.stop() : Promise.resolve()).then(
      () => process.exit(0),
      (err: Error) => {
        console.error(`mailcove: stop failed: ${err.message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  const started = Date.now();
  // A fresh clone has no built UI yet: build it once (about 10 s) before serving.
  await ensureWebBuild((line) => console.log(`mailcove: ${line}`));
  app = await startApp(config);
  const label = config.label ? ` [${config.label}]` : '';
  console.log(`mailcove${label}: ${app.store.count()} messages in ${config.dataDir} (ready in ${Date.now() - started} ms)`);
  console.log(`mailcove: SMTP ${config.smtpRequireTls ? '(implicit TLS) ' : ''}on ${config.smtp.host}:${app.smtp.port}`);
  console.log(`mailcove: POP3 ${config.pop3RequireTls ? '(implicit TLS) ' : ''}on ${config.pop3.host}:${app.pop3.port}`);
  console.log(`mailcove: HTTP on http://${config.http.host}:${app.http.port}`);
}

// Entry point: picks the subcommand (serve when none is named) and runs its module. Under tsx only that module
// loads; the esbuild bundle (`npm start`, dist/mailcove.mjs) has no code splitting, so there every subcommand's
// packages load at start-up and `sendmail` takes about 0.4 s.
import { CliError } from './cli/usage.ts';

const COMMANDS: Record<string, () => Promise<{ run(argv: string[]): Promise<void> }>> = {
  serve: () => import('./cli/serve.ts'),
  import: () => import('./cli/import.ts'),
  export: () => import('./cli/export.ts'),
  sendmail: () => import('./cli/sendmail.ts'),
};

const argv = process.argv.slice(2);
const command = argv[0] !== undefined && Object.hasOwn(COMMANDS, argv[0]) ? argv.shift()! : 'serve';

COMMANDS[command]!()
  .then((module) => module.run(argv))
  .catch((err: Error & { code?: string }) => {
    const prefix = command === 'serve' ? 'mailcove' : `mailcove ${command}`;
    console.error(`${prefix}: ${err.code === 'EADDRINUSE' ? `address in use: ${err.message}` : err.message}`);
    process.exit(err instanceof CliError ? err.exitCode : 1);
  });

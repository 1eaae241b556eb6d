// Runs `server/main.ts` as a real child process, as `npm start` does, so a test can kill -9 it.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  smtpPort: number;
  httpPort: number;
  output: () => string;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
}

export function startServerProcess(flags: string[]): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', '--smtp', '127.0.0.1:0', '--http', '127.0.0.1:0', '--pop3', '127.0.0.1:0', ...flags], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 20_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const smtp = /SMTP .*on [^\s]+:(\d+)/.exec(out);
      const http = /HTTP on http:\/\/[^\s]+:(\d+)/.exec(out);
      if (smtp && http) {
        clearTimeout(timer);
        resolve({ child, smtpPort: Number(smtp[1]), httpPort: Number(http[1]), output: () => out, exited });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before it was ready:\n${out}`));
    });
  });
}

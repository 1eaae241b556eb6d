// Real command-line POP3 clients for the tests: curl, and fetchmail as a full mail client. A missing tool fails
// the test with the command that installs it; it never skips.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function requireTool(command: string, debianPackage: string): void {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
  assert.ok(found, `${command} is needed by the POP3 tests: apt-get install -y --no-install-recommends ${debianPackage} (.ci/run installs it)`);
}

export interface Run {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs a command asynchronously (the server under test shares this event loop), with a time limit. */
export function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], timeout: options.timeoutMs ?? 20_000 });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr }));
  });
}

/** curl, failing the test on a non-zero exit. */
export async function curl(...args: string[]): Promise<Run> {
  const result = await run('curl', ['--silent', '--show-error', '--max-time', '15', ...args]);
  assert.equal(result.code, 0, `curl ${args.join(' ')} failed: ${result.stderr}`);
  return result;
}

export interface FetchmailOptions {
  port: number;
  user: string;
  password: string;
  /** The server's certificate: fetchmail upgrades with STLS and verifies it against this file. */
  certFile: string;
  /** Leave the messages on the server (fetchmail then skips, by UIDL, those it has seen before). */
  keep: boolean;
  /** fetchmail's home (its UIDL memory) and where delivered messages land, one file each. */
  dir: string;
}

export interface FetchmailRun {
  /** 0: mail was fetched; 1: there was none (fetchmail's exit codes). */
  code: number | null;
  /** fetchmail's verbose protocol trace and messages. */
  log: string;
  /** Every message delivered so far, as fetchmail handed it to the MDA, in delivery order. */
  delivered: Buffer[];
}

export async function fetchmail(options: FetchmailOptions): Promise<FetchmailRun> {
  const rc = join(options.dir, 'fetchmailrc');
  const mailDir = join(options.dir, 'delivered');
  // One file per message ($$ is a new shell's PID each time); they are put in order by modification time, as
  // fetchmail expands %-sequences in the MDA command and so rules out date-stamped names.
  writeFileSync(
    rc,
    [
      `poll 127.0.0.1 service ${options.port} protocol POP3 auth password`,
      `  user "${options.user}" there with password "${options.password}" is "${process.env.USER ?? 'root'}" here`,
      `  sslcertfile "${options.certFile}" sslcertck sslcommonname "localhost"`,
      `  mda "mkdir -p ${mailDir} && cat > ${mailDir}/mail.$$"`,
      options.keep ? '  keep' : '  no keep',
      '',
    ].join('\n'),
  );
  // fetchmail refuses a run-control file that others could read.
  chmodSync(rc, 0o600);
  const result = await run('fetchmail', ['-f', rc, '--nosyslog', '--verbose'], { env: { ...process.env, FETCHMAILHOME: options.dir } });
  let files: Array<{ path: string; mtime: bigint }> = [];
  try {
    files = readdirSync(mailDir).map((name) => ({ path: join(mailDir, name), mtime: statSync(join(mailDir, name), { bigint: true }).mtimeNs }));
  } catch {
    // Nothing delivered yet.
  }
  files.sort((a, b) => (a.mtime < b.mtime ? -1 : a.mtime > b.mtime ? 1 : 0));
  return { code: result.code, log: result.stdout.toString() + result.stderr, delivered: files.map((f) => readFileSync(f.path)) };
}

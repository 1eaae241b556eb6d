// A real SpamAssassin spamd for the tests: `spamd -L` (no network tests) on a free loopback port, started once per
// test file. When spamd is missing it is installed if we are root (as CI is), otherwise the tests fail saying how to
// install it: they never skip silently.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Spamd {
  host: string;
  port: number;
  stop(): Promise<void>;
}

const PACKAGES = ['spamassassin', 'spamd'];

function spamdPath(): string | null {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/local/sbin'])) {
    if (dir && existsSync(join(dir, 'spamd'))) return join(dir, 'spamd');
  }
  return null;
}

function ensureSpamd(): string {
  const found = spamdPath();
  if (found) return found;
  const root = process.getuid?.() === 0;
  if (!root) throw new Error(`spamd is not installed: run \`sudo apt-get install --no-install-recommends ${PACKAGES.join(' ')}\` (Debian/Ubuntu; .ci/run installs it)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = spawnSync('sh', ['-c', `apt-get update -qq && apt-get install -y -qq --no-install-recommends ${PACKAGES.join(' ')}`], { env, encoding: 'utf8' });
  const installed = spamdPath();
  if (install.status !== 0 || !installed) throw new Error(`installing ${PACKAGES.join(' ')} failed:\n${install.stderr.slice(-2000)}`);
  return installed;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** True once spamd answers PING with PONG. */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let answer = '';
    socket.setTimeout(1000, () => socket.destroy());
    socket.on('connect', () => socket.end('PING SPAMC/1.5\r\n\r\n'));
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    socket.on('close', () => resolve(/PONG/.test(answer)));
    socket.on('error', () => resolve(false));
  });
}

export async function startSpamd(): Promise<Spamd> {
  const binary = ensureSpamd();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'mailcove-spamd-'));
  const args = ['-L', '-x', `--listen=127.0.0.1:${port}`, '--min-children=1', '--max-children=2', '--syslog=stderr', `--pidfile=${join(dir, 'spamd.pid')}`];
  // spamd refuses to keep root: it needs a user to switch to.
  if (process.getuid?.() === 0) args.push('--username=nobody');
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const deadline = Date.now() + 60_000;
  while (!(await pong(port))) {
    if (child.exitCode !== null) throw new Error(`spamd exited with ${child.exitCode}:\n${log}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`spamd did not answer on 127.0.0.1:${port} within 60 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    host: '127.0.0.1',
    port,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

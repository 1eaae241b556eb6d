// Parent side of the server children: spawn with an IPC channel, wait for "ready", ask questions, stop, and make
// sure no child outlives the bench. Memory figures come from /proc, so they describe the server process alone.
import { spawn, type ChildProcess } from 'node:child_process';
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReadyMessage, Reply, Request } from './ipc.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const READY_TIMEOUT_MS = 60_000;
const REQUEST_TIMEOUT_MS = 15_000;
const EXIT_TIMEOUT_MS = 5_000;

export type ServerKind = 'baseline' | 'mailcove';

export interface ServerChild {
  kind: ServerKind;
  pid: number;
  ready: ReadyMessage;
  /** Wall time from spawn() to the ready message: node boot, module loading and start-up. */
  spawnToReadyMs: number;
  count(): Promise<number>;
  memoryUsage(): Promise<NodeJS.MemoryUsage>;
  /** Empties the server's store (Mailcove: store.deleteAll()); resolves with the count afterwards. */
  reset(): Promise<number>;
  /** Asks for a clean stop; kills the process if it does not comply in time. Resolves with the stop's duration. */
  stop(): Promise<number>;
  kill(): void;
}

export interface MemoryStatus {
  rssMb: number;
  /** Peak RSS over the process's life (VmHWM). */
  peakRssMb: number;
}

const live = new Set<ChildProcess>();
let cleanupInstalled = false;

/** Kills every server child still running. Safe to call from an 'exit' handler (synchronous). */
export function killAllServers(): void {
  for (const child of live) child.kill('SIGKILL');
}

function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', killAllServers);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      console.error(`bench: ${signal}, killing server children`);
      process.exit(130);
    });
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

/** The node flags `npm start` runs Mailcove with (read from package.json, so the two cannot drift apart). */
const NODE_FLAGS = (() => {
  const m = /\bnode ((?:--\S+ )*)dist\/mailcove\.mjs/.exec(scripts.start ?? '');
  if (!m) throw new Error('bench: package.json "start" no longer runs "node [flags] dist/mailcove.mjs"');
  return m[1]!.trim().split(/\s+/).filter(Boolean);
})();

/** The packages `npm run build:server` bundles in spite of --packages=external (its --alias options). */
const ALIASES = (() => {
  const script = scripts['build:server'] ?? '';
  const aliases = Object.fromEntries([...script.matchAll(/--alias:([^=\s]+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
  // A silent miss would bench a server that loads typebox from node_modules, unlike `npm start`.
  if (script.includes('--alias') && !Object.keys(aliases).length) throw new Error('bench: cannot read the --alias options of package.json "build:server"');
  return aliases;
})();

let built: Promise<void> | null = null;

/**
 * Both servers run as bundled JavaScript, the way `npm start` runs Mailcove (see package.json), so neither pays
 * for tsx's loader or its memory. Built once per bench run, with the same options as `npm run build:server`.
 */
function buildChildren(): Promise<void> {
  built ??= build({
    entryPoints: [
      { in: 'bench/baseline-server.ts', out: 'bench/baseline-server' },
      { in: 'bench/mailcove-server.ts', out: 'bench/mailcove-server' },
    ],
    absWorkingDir: ROOT,
    outdir: 'dist',
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    alias: ALIASES,
    sourcemap: true,
    logLevel: 'warning',
  }).then(() => undefined);
  return built;
}

export async function startServer(kind: ServerKind, args: string[] = []): Promise<ServerChild> {
  installCleanup();
  await buildChildren();
  const started = performance.now();
  // Mailcove runs with its production flags; the baseline with node's defaults, so it is not slowed by them.
  const flags = kind === 'mailcove' ? NODE_FLAGS : [];
  const child = spawn(process.execPath, [...flags, `dist/bench/${kind}-server.mjs`, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => live.delete(child));

  const ready = await withTimeout(
    new Promise<ReadyMessage>((resolve, reject) => {
      child.on('message', (m) => {
        if ((m as ReadyMessage).type === 'ready') resolve(m as ReadyMessage);
      });
      child.once('exit', (code, signal) => reject(new Error(`${kind} server exited (${code ?? signal}) before it was ready`)));
      child.once('error', reject);
    }),
    READY_TIMEOUT_MS,
    `${kind} server start-up`,
  ).catch((err: Error) => {
    child.kill('SIGKILL');
    throw err;
  });
  const spawnToReadyMs = performance.now() - started;

  let nextId = 1;
  const pending = new Map<number, (reply: Reply) => void>();
  child.on('message', (m) => {
    const reply = m as Reply;
    if (reply.type === 'reply') pending.get(reply.id)?.(reply);
  });
  const request = (type: Request['type']): Promise<Reply> => {
    const id = nextId++;
    const answer = new Promise<Reply>((resolve, reject) => {
      pending.set(id, resolve);
      void exited.then(() => reject(new Error(`${kind} server exited`)));
      child.send({ type, id } satisfies Request);
    });
    return withTimeout(answer, REQUEST_TIMEOUT_MS, `${kind} server "${type}"`).finally(() => pending.delete(id));
  };
  const kill = (): void => {
    child.kill('SIGKILL');
  };

  return {
    kind,
    pid: child.pid!,
    ready,
    spawnToReadyMs,
    count: async () => (await request('count')).value,
    memoryUsage: async () => (await request('memory')).memory!,
    async reset() {
      const reply = await request('reset');
      if (reply.error) throw new Error(`${kind} server reset failed: ${reply.error}`);
      return reply.value;
    },
    async stop() {
      try {
        const reply = await request('stop');
        if (reply.error) throw new Error(`${kind} server stop failed: ${reply.error}`);
        await withTimeout(exited, EXIT_TIMEOUT_MS, `${kind} server exit`);
        return reply.value;
      } catch (err) {
        kill();
        await exited;
        throw err;
      }
    },
    kill,
  };
}

/** Current and peak resident memory of a process, from /proc/<pid>/status (Linux). */
export function memoryStatus(pid: number): MemoryStatus {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!m) throw new Error(`${field} missing from /proc/${pid}/status`);
    return Number(m[1]);
  };
  return { rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
}

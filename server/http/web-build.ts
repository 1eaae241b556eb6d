// Builds the web UI (web/ → web/dist) with Vite when the build is missing, so `npm start` on a fresh clone serves
// a UI; tests also rebuild a stale one, so they always drive the production bundle of the current sources.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../paths.ts';

/** From the project root: this module also runs bundled into dist/, where a relative path would miss. */
const WEB_DIR = join(PROJECT_ROOT, 'web');
export const WEB_DIST = join(WEB_DIR, 'dist');
const INDEX = join(WEB_DIST, 'index.html');
/** What the bundle is made from; anything here newer than dist/index.html makes the build stale. */
const SOURCES = ['src', 'public', 'index.html', 'vite.config.ts'].map((name) => join(WEB_DIR, name));
/** Outside the repo so a crashed build leaves nothing behind in the working tree. */
const LOCK = join(tmpdir(), `mailcove-web-build-${createHash('sha256').update(WEB_DIR).digest('hex').slice(0, 12)}.lock`);
/** A lock older than this belongs to a build that died. */
const STALE_LOCK_MS = 5 * 60_000;

export interface WebBuildOptions {
  /** Also rebuild when a source file is newer than the build (tests); start-up only builds a missing UI. */
  rebuildIfStale?: boolean;
}

function newestSourceMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestSourceMtime(join(path, name)));
  return newest;
}

function needsBuild(rebuildIfStale: boolean): boolean {
  if (!existsSync(INDEX)) return true;
  if (!rebuildIfStale) return false;
  const built = statSync(INDEX).mtimeMs;
  return SOURCES.some((source) => newestSourceMtime(source) > built);
}

/** Several processes (parallel test files) may ask at once: one builds, the others wait and then find it fresh. */
async function withLock<T>(work: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const held = statSync(LOCK, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  try {
    return await work();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

export async function ensureWebBuild(log: (line: string) => void, { rebuildIfStale = false }: WebBuildOptions = {}): Promise<void> {
  if (!needsBuild(rebuildIfStale)) return;
  await withLock(async () => {
    if (!needsBuild(rebuildIfStale)) return;
    const started = Date.now();
    log('building the web UI (web/dist)…');
    // Loaded only when needed: Vite is large and a normal start never uses it.
    const { build } = await import('vite');
    await build({ configFile: join(WEB_DIR, 'vite.config.ts'), logLevel: 'warn' });
    log(`web UI built in ${Date.now() - started} ms`);
  });
}

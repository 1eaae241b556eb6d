// A running server notes its pid in DATA/mailcove.pid, so import and export (which open the store directly) can
// refuse to write into a folder a live server is appending to: two writers on one segment file corrupt it. The
// file is advisory; a server killed with -9 leaves it behind and the dead pid is then ignored.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

const FILE = 'mailcove.pid';

export function markDataDirInUse(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, FILE);
  const mine = `${process.pid} ${hostname()}\n`;
  writeFileSync(path, mine);
  return () => {
    // Only our own note: an in-process test may have started a second app on the same folder since.
    try {
      if (readFileSync(path, 'utf8') === mine) rmSync(path, { force: true });
    } catch {
      // Already gone.
    }
  };
}

/** The pid of a live server on this host using the folder, or null. (A server on another host cannot be checked.) */
export function serverUsing(dataDir: string): number | null {
  let text: string;
  try {
    text = readFileSync(join(dataDir, FILE), 'utf8');
  } catch {
    return null;
  }
  const [pidText, host] = text.trim().split(' ');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || host !== hostname()) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    // EPERM: alive but someone else's.
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
}

// Where Mailcove's own files are. The server runs both from source (tsx, tests) and bundled into dist/ (npm start,
// the bench, the Docker image), so paths are found from the project root rather than relative to this module.
// Nothing here is built from user input.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findProjectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'mailcove') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find Mailcove\'s package.json above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

export const PROJECT_ROOT = findProjectRoot();
export const VERSION = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

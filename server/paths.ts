// Where Mailcove's own files are. The server runs both from source (tsx, tests) and bundled into dist/ (npm start,
// the bench, the Docker image), so paths are found from the project root rather than relative to this module.
// Nothing here is built from user input.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Manifest {
  name?: string;
  version: string;
}

/** The nearest package.json above this module that is Mailcove's own, and its folder. */
function findProject(): { root: string; manifest: Manifest } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const path = join(dir, 'package.json');
    const manifest = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Manifest) : null;
    if (manifest?.name === 'mailcove') return { root: dir, manifest };
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find Mailcove\'s package.json above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

const project = findProject();
export const PROJECT_ROOT = project.root;
export const VERSION = project.manifest.version;

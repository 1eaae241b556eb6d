// `mailcove import PATH... [--data DIR]`: .eml files, folders (every .eml and .mbox inside, recursively, in name
// order) and mbox files go into the store as they are. .eml bytes are stored unchanged, so export → import is exact.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { MessageMeta } from '../store/types.ts';
import { isMbox, splitMbox } from './mbox.ts';
import { dataArgs, openOfflineStore, progress } from './offline-store.ts';
import { CliError } from './usage.ts';

const USAGE = 'mailcove import <.eml files | folders | mbox files>... [--data DIR]';
/** Adds in flight at once: they share the store's group commit instead of paying one disk flush each. */
const WINDOW = 32;

export async function run(argv: string[]): Promise<void> {
  const { dataDir, paths } = dataArgs(argv, USAGE);
  const files: string[] = [];
  for (const path of paths) files.push(...(await expand(path)));
  const store = await openOfflineStore(dataDir);
  const shown = progress('imported', null);
  let done = 0;
  const inFlight = new Set<Promise<unknown>>();
  const add = async (raw: Buffer, sender: string) => {
    const adding = store.add({ raw, meta: importedMeta(sender) }).then(() => {
      inFlight.delete(adding);
      shown.tick(++done);
    });
    inFlight.add(adding);
    if (inFlight.size >= WINDOW) await Promise.race(inFlight);
  };
  try {
    for (const file of files) {
      const bytes = await readFile(file);
      if (isMbox(bytes)) for (const message of splitMbox(bytes)) await add(message.raw, message.sender);
      else if (bytes.length) await add(bytes, '');
      else process.stderr.write(`mailcove: skipped ${file}: empty\n`);
    }
    await Promise.all(inFlight);
  } finally {
    await Promise.allSettled(inFlight);
    await store.close();
  }
  shown.end(done, ` into ${dataDir}`);
}

async function expand(path: string): Promise<string[]> {
  const info = await stat(path).catch(() => {
    throw new CliError(`cannot read ${path}`, 66);
  });
  if (!info.isDirectory()) return [path];
  const found: string[] = [];
  // Code-unit order (not locale order): exported files are named by message ID, so they import in arrival order.
  for (const entry of (await readdir(path, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) found.push(...(await expand(child)));
    else if (/\.(eml|mbox)$/i.test(entry.name)) found.push(child);
  }
  return found;
}

/** No SMTP session: the envelope is the mbox sender line when there is one; the summary reads the headers. */
function importedMeta(sender: string): MessageMeta {
  return { envelope: { mailFrom: sender, rcptTo: [] }, client: { address: '', helo: '', tls: false }, username: '' };
}

// `mailcove export FOLDER [--data DIR]`: every message, oldest first, as FOLDER/<ID>.eml holding exactly the stored
// bytes. File names are the store's IDs (20 base62 characters), never anything taken from a message.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { dataArgs, openOfflineStore, progress } from './offline-store.ts';
import { CliError } from './usage.ts';
import { isMessageId } from '../store/message-id.ts';

const USAGE = 'mailcove export FOLDER [--data DIR]';

export async function run(argv: string[]): Promise<void> {
  const { dataDir, paths } = dataArgs(argv, USAGE);
  if (paths.length !== 1) throw new CliError(`usage: ${USAGE}`);
  const folder = resolve(paths[0]!);
  await mkdir(folder, { recursive: true }).catch((err: Error) => {
    throw new CliError(`cannot create ${folder}: ${err.message}`, 73);
  });
  const store = await openOfflineStore(dataDir);
  let done = 0;
  try {
    const messages = store.list({ limit: Number.MAX_SAFE_INTEGER }).messages.reverse();
    const shown = progress('exported', messages.length);
    for (const { ID } of messages) {
      // IDs become file names: only ever the store's own form reaches the filesystem.
      if (!isMessageId(ID)) throw new Error(`unexpected message ID ${JSON.stringify(ID)}`);
      // 'wx': an export never overwrites a file already there.
      await writeFile(join(folder, `${ID}.eml`), await store.readRaw(ID), { flag: 'wx' });
      shown.tick(++done);
    }
    shown.end(done, ` to ${folder}`);
  } finally {
    await store.close();
  }
}

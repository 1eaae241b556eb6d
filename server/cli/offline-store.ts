// The store opened directly by import and export, with no server: retention off (the server applies its own
// limits at its next start), refused when a server on this host has the folder open.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { resolve } from 'node:path';
import { summarise } from '../mail/summarise.ts';
import { DiskStore } from '../store/disk-store.ts';
import { serverUsing } from '../store/data-lock.ts';
import { CliError } from './usage.ts';

export async function openOfflineStore(dataDir: string): Promise<DiskStore> {
  const pid = serverUsing(dataDir);
  if (pid !== null) {
    throw new CliError(`a Mailcove server (pid ${pid}) is using ${dataDir}; stop it first, or send mail to it instead (sendmail, SMTP)`, 75);
  }
  const store = new DiskStore({ dir: dataDir, summarise, maxMessages: 0, maxAgeMs: null, log: (line) => process.stderr.write(`mailcove: ${line}\n`) });
  await store.open();
  return store;
}

/** Positionals plus --data (or MAILCOVE_DATA, default ./data), as import and export take them. */
export function dataArgs(argv: string[], usage: string): { dataDir: string; paths: string[] } {
  const options = { data: { type: 'string' } } satisfies ParseArgsConfig['options'];
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError(`${(err as Error).message.split('\n')[0]}\nusage: ${usage}`);
  }
  if (parsed.positionals.length === 0) throw new CliError(`usage: ${usage}`);
  return { dataDir: resolve(parsed.values.data ?? (process.env.MAILCOVE_DATA || './data')), paths: parsed.positionals };
}

/** One line on stderr at most every 250 ms (rewritten in place on a terminal), and the final count. */
export function progress(verb: string, total: number | null): { tick(done: number): void; end(done: number, note?: string): void } {
  const tty = process.stderr.isTTY;
  let last = 0;
  const line = (done: number) => `mailcove: ${verb} ${done}${total === null ? '' : `/${total}`} messages`;
  return {
    tick(done) {
      const now = Date.now();
      if (now - last < 250) return;
      last = now;
      process.stderr.write(tty ? `\r${line(done)}` : `${line(done)}\n`);
    },
    end(done, note = '') {
      process.stderr.write(`${tty ? '\r' : ''}${line(done)}${note}\n`);
    },
  };
}

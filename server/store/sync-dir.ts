// A file created or renamed is durable only once its folder is flushed too; O_DSYNC and datasync cover the data.
import { promises as fsp } from 'node:fs';

export async function syncDir(dir: string): Promise<void> {
  const handle = await fsp.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

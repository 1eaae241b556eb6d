// Quality-check tests: fixture messages from tests/fixtures/checks, delivered over real SMTP, and the parsed message
// a check function takes, read back from the store.
import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
import { readCheckMessage, type CheckMessage } from '../../server/checks/message.ts';
import type { Store } from '../../server/store/types.ts';
import { queuedId } from './api.ts';
import { allIndexed } from './app.ts';

const FIXTURES = new URL('../fixtures/checks/', import.meta.url);

/** A fixture's bytes with {{NAME}} placeholders filled in and CRLF line ends, as it travels over SMTP. */
export function fixture(name: string, vars: Record<string, string> = {}): Buffer {
  let text = readFileSync(new URL(name, FIXTURES), 'utf8');
  for (const [key, value] of Object.entries(vars)) text = text.replaceAll(`{{${key}}}`, value);
  return Buffer.from(text.replace(/\r?\n/g, '\r\n'));
}

/** Sends raw bytes unchanged over SMTP; resolves with the stored message's ID. */
export async function deliver(smtpPort: number, raw: Buffer | string, envelope = { from: 'app@example.com', to: ['user@example.com'] }): Promise<string> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, tls: { rejectUnauthorized: false } });
  try {
    const id = queuedId((await transport.sendMail({ envelope, raw })).response);
    // As the other sending helpers do: the message is in the index when this returns.
    await allIndexed();
    return id;
  } finally {
    transport.close();
  }
}

/** The parsed message the check functions take, for a stored message. */
export async function storedMessage(store: Store, id: string): Promise<CheckMessage> {
  const summary = store.get(id);
  if (!summary) throw new Error(`no message ${id}`);
  return readCheckMessage(await store.readRaw(id), summary);
}

// The bytes and envelope sender a relayed message leaves with: Bcc removed, Return-Path / From / Message-ID / Date
// rewritten as Mailpit does. Only the header block is touched; the body goes out byte for byte.
import { randomUUID } from 'node:crypto';
import { rewriteHeaders } from '../mail/header-block.ts';
import { decodeWords, messageHeaders } from '../mail/message-view.ts';
import type { RelayConfig } from './relay-config.ts';

export interface Outgoing {
  from: string;
  raw: Buffer;
}

/**
 * `release`: a person sends a stored message on, so it gets a fresh Date and (unless preserve-message-ids) a fresh
 * Message-ID, as Mailpit does. Auto-relay passes the message on as it came.
 */
export async function prepareOutgoing(raw: Buffer, envelopeFrom: string, config: RelayConfig, release: boolean): Promise<Outgoing> {
  const headers = await messageHeaders(raw);
  const first = (name: string): string => headers[name]?.[0] ?? '';
  let from = addressIn(first('Sender')) || addressIn(first('From')) || envelopeFrom;
  const set = new Map<string, string>();
  if (config.returnPath) {
    from = config.returnPath;
    set.set('Return-Path', `<${config.returnPath}>`);
  }
  if (config.overrideFrom) {
    if (first('From')) set.set('X-Original-From', first('From'));
    set.set('From', config.overrideFrom);
    if (!config.returnPath) from = config.overrideFrom;
  }
  if (release) {
    set.set('Date', new Date().toUTCString().replace('GMT', '+0000'));
    if (!config.preserveMessageIds) set.set('Message-ID', `<${randomUUID()}@mailcove>`);
  }
  return { from, raw: rewriteHeaders(raw, new Set(['bcc', ...[...set.keys()].map((k) => k.toLowerCase())]), set) };
}

/** The address in a From/Sender value: `Name <a@b>` or a bare `a@b`; '' when there is none. */
export function addressIn(value: string): string {
  const decoded = decodeWords(value).trim();
  const angle = /<([^<>\s]+@[^<>\s]+)>/.exec(decoded);
  if (angle) return angle[1]!;
  return /^[^\s@<>,]+@[^\s@<>,]+$/.test(decoded) ? decoded : '';
}

// The bytes and envelope sender a relayed message leaves with: Bcc removed, Return-Path / From / Message-ID / Date
// rewritten as Mailpit does. Only the header block is touched; the body goes out byte for byte.
import { randomUUID } from 'node:crypto';
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

/** Drops every field named in `remove` (lower case) from the header block and puts `add` first. */
function rewriteHeaders(raw: Buffer, remove: Set<string>, add: Map<string, string>): Buffer {
  const kept: Buffer[] = [];
  let pos = 0;
  let dropping = false;
  while (pos < raw.length) {
    const newline = raw.indexOf(0x0a, pos);
    const end = newline < 0 ? raw.length : newline + 1;
    const line = raw.subarray(pos, end);
    // The blank line ends the header block; the rest (the body) is kept exactly.
    if (line[0] === 0x0a || (line[0] === 0x0d && line[1] === 0x0a)) break;
    const continuation = line[0] === 0x20 || line[0] === 0x09;
    if (!continuation) {
      const colon = line.indexOf(0x3a);
      dropping = colon > 0 && remove.has(line.subarray(0, colon).toString('latin1').trim().toLowerCase());
    }
    if (!dropping) kept.push(line);
    pos = end;
  }
  const added = [...add].map(([name, value]) => `${name}: ${value}\r\n`).join('');
  return Buffer.concat([Buffer.from(added, 'utf8'), ...kept, raw.subarray(pos)]);
}

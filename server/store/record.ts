// On-disk record framing for segment files. A record is self-describing so the index can be rebuilt from disk:
//   "MCR1" | headerLen u32 | bodyLen u32 | header JSON | body | crc32 u32 (over lengths, header and body)
// The CRC lets start-up recognise a torn tail left by a crash; such a record was never acknowledged.
//
// Two kinds share the framing. A message record carries the raw bytes and what the SMTP session knew; it is the
// one the 250 waits for. A summary record carries what parsing found, written after the reply without a flush of
// its own: were a crash to lose it, start-up parses that message again. Its body is the search text as UTF-8:
// JSON-escaping two kilobytes of body text per message cost more than the rest of the record together. Compaction
// writes message records with the summary inside, so a moved message never depends on a summary record elsewhere.
import { crc32 } from 'node:zlib';
import type { MessageMeta, MessageSummary, SearchFields } from './types.ts';

export const MAGIC = Buffer.from('MCR1');
export const PREFIX_SIZE = 12;
export const TRAILER_SIZE = 4;

/** What parsing found on arrival: the summary (Read false, arrival tags) and the search text. */
export interface Parsed {
  summary: MessageSummary;
  search: SearchFields;
}

/** Everything known about a message when it arrived. Written once with its bytes, never changed. */
export interface MessageHeader extends Partial<Parsed> {
  kind?: undefined;
  id: string;
  /** Milliseconds since the epoch. */
  created: number;
  meta: MessageMeta;
}

export interface SummaryHeader {
  kind: 'summary';
  id: string;
  summary: MessageSummary;
  /** SearchFields.inline; SearchFields.text is the record's body. */
  inline?: number;
  /** How summary records were written before the search text moved to the body; still read. */
  search?: SearchFields;
}

export type RecordHeader = MessageHeader | SummaryHeader;

export interface RecordFrame {
  headerLength: number;
  bodyLength: number;
  /** Whole record, prefix to trailer. */
  totalLength: number;
}

const EMPTY = Buffer.alloc(0);

export function encodeRecord(header: RecordHeader, body: Buffer = EMPTY): Buffer[] {
  const headerBytes = Buffer.from(JSON.stringify(header));
  const prefix = Buffer.allocUnsafe(PREFIX_SIZE);
  MAGIC.copy(prefix, 0);
  prefix.writeUInt32LE(headerBytes.length, 4);
  prefix.writeUInt32LE(body.length, 8);
  let crc = crc32(prefix.subarray(4));
  crc = crc32(headerBytes, crc);
  crc = crc32(body, crc);
  const trailer = Buffer.allocUnsafe(TRAILER_SIZE);
  trailer.writeUInt32LE(crc, 0);
  // Returned as parts so the body is never copied: the log writes them with one writev.
  return body.length ? [prefix, headerBytes, body, trailer] : [prefix, headerBytes, trailer];
}

/** A summary record's header and body. */
export function summaryRecord(id: string, { summary, search }: Parsed): { header: SummaryHeader; body: Buffer } {
  return { header: { kind: 'summary', id, summary, inline: search.inline }, body: Buffer.from(search.text) };
}

export function parsedFromSummary({ summary, inline, search }: SummaryHeader, body: Buffer): Parsed {
  return { summary, search: search ?? { text: body.toString('utf8'), inline: inline ?? 0 } };
}

/** Reads the prefix; null when the bytes are not a record start. */
export function decodeFrame(prefix: Buffer): RecordFrame | null {
  if (prefix.length < PREFIX_SIZE || !prefix.subarray(0, 4).equals(MAGIC)) return null;
  const headerLength = prefix.readUInt32LE(4);
  const bodyLength = prefix.readUInt32LE(8);
  return { headerLength, bodyLength, totalLength: PREFIX_SIZE + headerLength + bodyLength + TRAILER_SIZE };
}

export function parseHeader(bytes: Buffer): RecordHeader | null {
  try {
    const h = JSON.parse(bytes.toString('utf8')) as RecordHeader;
    if (typeof h.id !== 'string') return null;
    if (h.kind === 'summary') return h.summary && (typeof h.inline === 'number' || h.search) ? h : null;
    return typeof h.created === 'number' && h.meta && (h.summary === undefined) === (h.search === undefined) ? h : null;
  } catch {
    return null;
  }
}

/** Checks the CRC of a whole record held in memory. */
export function verifyRecord(record: Buffer, frame: RecordFrame): boolean {
  const end = frame.totalLength - TRAILER_SIZE;
  return crc32(record.subarray(4, end)) === record.readUInt32LE(end);
}

// The body of a parse worker thread: raw bytes in, summary and search text out. Runs summarise() exactly as the
// main thread would; see parse-pool.ts for why parsing leaves the main thread.
import { parentPort } from 'node:worker_threads';
import type { MessageMeta } from '../store/types.ts';
import { summarise } from './summarise.ts';

export interface ParseRequest {
  seq: number;
  raw: Uint8Array;
  meta: MessageMeta;
  id: string;
  created: number;
}

if (!parentPort) throw new Error('parse-worker.ts runs only as a worker thread');
const port = parentPort;
port.on('message', (request: ParseRequest) => {
  const raw = Buffer.from(request.raw.buffer, request.raw.byteOffset, request.raw.byteLength);
  // summarise() never rejects: mail that will not parse gets a summary carrying ParseError.
  void summarise(raw, request.meta, request.id, new Date(request.created)).then((parsed) => port.postMessage({ seq: request.seq, parsed }));
});

// Baseline: the least an SMTP catch-all must do with the same libraries — smtp-server with Mailcove's options
// (instant greeting, no reverse lookup, same size limit), and every message parsed with mailparser exactly as
// Mailcove parses it. It stores nothing and answers 250 as soon as the parse is done. Run as a child of run.ts.
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { loadConfig } from '../server/config.ts';
import { PARSE_OPTIONS } from '../server/mail/summarise.ts';
import { installInstantGreeting } from '../server/smtp/instant-greeting.ts';
import { serveParent } from './ipc.ts';

const started = performance.now();
const { maxMessageSize } = loadConfig([], {});
installInstantGreeting();
let parsed = 0;

const server = new SMTPServer({
  name: 'baseline',
  banner: 'Baseline ESMTP ready',
  size: maxMessageSize,
  authOptional: true,
  allowInsecureAuth: true,
  disableReverseLookup: true,
  logger: false,
  onData(stream, _session, callback) {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => {
      if (!stream.sizeExceeded) chunks.push(chunk);
    });
    stream.on('error', (err) => callback(err));
    stream.on('end', () => {
      if (stream.sizeExceeded) return callback(Object.assign(new Error('too big'), { responseCode: 552 }));
      simpleParser(Buffer.concat(chunks), PARSE_OPTIONS).then(
        (mail) => {
          parsed += 1;
          callback(null, `Ok: parsed ${mail.messageId ?? ''}`);
        },
        // Mailcove keeps mail that will not parse, so the baseline accepts it too.
        () => callback(null, 'Ok: unparsable'),
      );
    });
  },
});
server.on('error', (err: Error) => console.error(`[baseline] ${err.message}`));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

await serveParent(
  { smtpPort: (server.server.address() as AddressInfo).port, httpPort: null, startMs: performance.now() - started, count: 0, lastOpen: null },
  {
    count: () => parsed,
    reset: async () => {
      parsed = 0;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  },
);

// `mailcove sendmail [-t] [-f FROM] [--smtp-addr HOST:PORT] [RECIPIENT...]`: a sendmail stand-in for apps (PHP's
// mail(), cron) that pipe a message to /usr/sbin/sendmail. The message is read from stdin and sent over SMTP
// with nodemailer, byte for byte apart from the Bcc header, which sendmail removes.
import { hostname, userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import addressparser from 'nodemailer/lib/addressparser/index.js';
import { createTransport } from 'nodemailer';
import { ConfigError, parseListen } from '../config.ts';
import { headerFields, rewriteHeaders } from '../mail/header-block.ts';
import { CliError } from './usage.ts';

const USAGE = 'mailcove sendmail [-t] [-f FROM] [--smtp-addr HOST:PORT] [RECIPIENT...] < message';

export async function run(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        t: { type: 'boolean', short: 't' },
        f: { type: 'string', short: 'f' },
        'smtp-addr': { type: 'string' },
        // Accepted and ignored, as callers pass them out of habit: -i/-oi (a lone dot does not end the message;
        // stdin is read to its end anyway), -o OPTION, -F full name.
        i: { type: 'boolean', short: 'i' },
        o: { type: 'string', short: 'o' },
        F: { type: 'string', short: 'F' },
      },
    });
  } catch (err) {
    throw new CliError(`${(err as Error).message.split('\n')[0]}\nusage: ${USAGE}`);
  }
  const { values, positionals } = parsed;
  let server;
  try {
    server = parseListen(values['smtp-addr'] ?? (process.env.MAILCOVE_SMTP_ADDR || '127.0.0.1:1025'), '--smtp-addr');
  } catch (err) {
    throw err instanceof ConfigError ? new CliError(err.message) : err;
  }
  const message = await readStdin();
  const fields = headerFields(message);
  const recipients = positionals.flatMap(parseAddresses);
  if (values.t) for (const name of ['to', 'cc', 'bcc']) for (const value of fields.get(name) ?? []) recipients.push(...parseAddresses(value));
  if (recipients.length === 0) throw new CliError(`no recipients (give them as arguments, or -t to read To/Cc/Bcc)\nusage: ${USAGE}`, 64);
  const from = values.f ?? parseAddresses((fields.get('from') ?? [])[0] ?? '')[0] ?? `${userInfo().username}@${hostname()}`;
  const transport = createTransport({
    host: server.host,
    port: server.port,
    secure: false,
    // Mailcove's certificate is usually its own self-signed one.
    tls: { rejectUnauthorized: false },
  });
  try {
    await transport.sendMail({ envelope: { from, to: [...new Set(recipients)] }, raw: rewriteHeaders(message, new Set(['bcc']), new Map()) });
  } catch (err) {
    throw new CliError(`sending through ${server.host}:${server.port} failed: ${(err as Error).message}`, 75);
  } finally {
    transport.close();
  }
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function parseAddresses(value: string): string[] {
  return addressparser(value, { flatten: true }).map((a) => a.address).filter(Boolean);
}

// Pipelined commands get their replies in one write (server/smtp/pipelined-replies.ts), and the corking never
// holds a reply back or leaks one across STARTTLS.
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { after, before, test } from 'node:test';
import { allIndexed, startTestApp, type TestApp } from './helpers/app.ts';

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(() => app.dispose());

/** Reads CRLF-terminated reply lines from a socket (plain or TLS). */
function lineReader(socket: net.Socket | tls.TLSSocket): { next(): Promise<string>; chunks: string[] } {
  let buffer = '';
  const lines: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  const chunks: string[] = [];
  socket.on('data', (d: Buffer) => {
    chunks.push(d.toString('latin1'));
    buffer += d.toString('latin1');
    let nl: number;
    while ((nl = buffer.indexOf('\r\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 2);
      const w = waiting.shift();
      if (w) w(line);
      else lines.push(line);
    }
  });
  return {
    chunks,
    next: () => {
      const ready = lines.shift();
      return ready !== undefined ? Promise.resolve(ready) : new Promise((resolve) => waiting.push(resolve));
    },
  };
}

async function replyTo(reader: ReturnType<typeof lineReader>): Promise<string> {
  for (;;) {
    const line = await reader.next();
    if (line[3] !== '-') return line;
  }
}

function connect(): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(app.smtp.port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Counts the writes Node makes on the server's side of SMTP connections (each is one send or writev call). */
function countServerWrites(): { count(): number; restore(): void } {
  const proto = net.Socket.prototype as unknown as { _writeGeneric(...args: unknown[]): unknown };
  const original = proto._writeGeneric;
  let writes = 0;
  proto._writeGeneric = function (this: net.Socket, ...args: unknown[]) {
    if (this.localPort === app.smtp.port) writes++;
    return original.apply(this, args);
  };
  return { count: () => writes, restore: () => void (proto._writeGeneric = original) };
}

test('MAIL, RCPT and DATA sent in one packet are answered in one write', async () => {
  const socket = await connect();
  const reader = lineReader(socket);
  assert.match(await replyTo(reader), /^220 /);
  socket.write('EHLO pipeline.test\r\n');
  assert.match(await replyTo(reader), /^250 /);
  const writes = countServerWrites();
  try {
    socket.write('MAIL FROM:<a@pipeline.test>\r\nRCPT TO:<b@pipeline.test>\r\nDATA\r\n');
    assert.match(await replyTo(reader), /^250 2\.1\.0 /);
    assert.match(await replyTo(reader), /^250 2\.1\.5 /);
    assert.match(await replyTo(reader), /^354 /);
    // Unpatched smtp-server makes three writes here, one per reply.
    assert.equal(writes.count(), 1);
  } finally {
    writes.restore();
  }
  socket.write('Subject: pipelined\r\n\r\nOne write.\r\n.\r\n');
  assert.match(await replyTo(reader), /^250 2\.6\.0 Ok: queued as /);
  socket.write('QUIT\r\n');
  assert.match(await replyTo(reader), /^221 /);
  socket.destroy();
  await allIndexed();
  assert.ok(app.store.list().messages.some((m) => m.Subject === 'pipelined'));
});

test('a reply pipelined before STARTTLS goes out in plaintext, and the TLS session that follows works', async () => {
  const socket = await connect();
  const reader = lineReader(socket);
  assert.match(await replyTo(reader), /^220 /);
  socket.write('EHLO pipeline.test\r\n');
  assert.match(await replyTo(reader), /^250 /);
  socket.write('NOOP\r\nSTARTTLS\r\n');
  assert.match(await replyTo(reader), /^250 /);
  assert.match(await replyTo(reader), /^220 .*TLS/);
  socket.removeAllListeners('data');
  const secure = tls.connect({ socket, rejectUnauthorized: false });
  await new Promise<void>((resolve, reject) => {
    secure.once('secureConnect', resolve);
    secure.once('error', reject);
  });
  const inside = lineReader(secure);
  secure.write('EHLO pipeline.test\r\n');
  assert.match(await replyTo(inside), /^250 /);
  secure.write('MAIL FROM:<a@pipeline.test>\r\nRCPT TO:<b@pipeline.test>\r\nDATA\r\n');
  assert.match(await replyTo(inside), /^250 /);
  assert.match(await replyTo(inside), /^250 /);
  assert.match(await replyTo(inside), /^354 /);
  secure.write('Subject: pipelined over tls\r\n\r\nSecret.\r\n.\r\n');
  assert.match(await replyTo(inside), /^250 2\.6\.0 /);
  secure.destroy();
  await allIndexed();
  assert.ok(app.store.list().messages.some((m) => m.Subject === 'pipelined over tls'));
});

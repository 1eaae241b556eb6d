// The byte-level pieces of the POP3 server on their own: command line framing and the dot-stuffing transform,
// including every way a chunk boundary can split a line ending or a leading dot.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { DotStuffer } from '../server/pop3/dot-stuff.ts';
import { LineReader, type Line } from '../server/pop3/line-reader.ts';

async function stuff(chunks: Buffer[], bodyLines?: number): Promise<string> {
  const out: Buffer[] = [];
  for await (const chunk of Readable.from(chunks).pipe(new DotStuffer({ bodyLines }))) out.push(chunk as Buffer);
  return Buffer.concat(out).toString('latin1');
}

/** Every split of `text` into two chunks, plus one byte per chunk. */
function splits(text: string): Buffer[][] {
  const bytes = Buffer.from(text, 'latin1');
  const result: Buffer[][] = [[bytes], [...bytes].map((b) => Buffer.from([b]))];
  for (let i = 1; i < bytes.length; i++) result.push([bytes.subarray(0, i), bytes.subarray(i)]);
  return result;
}

test('RETR: CRLF line endings, a dot added to lines that start with one, however the bytes are chunked', async () => {
  const cases: Array<[string, string]> = [
    ['A: 1\r\n\r\nbody\r\n', 'A: 1\r\n\r\nbody\r\n'],
    ['A: 1\n\n.dot\n..two\n.\nend\n', 'A: 1\r\n\r\n..dot\r\n...two\r\n..\r\nend\r\n'],
    ['A: 1\r\n\r\nno final newline', 'A: 1\r\n\r\nno final newline\r\n'],
    ['A: 1\r\n\r\nlone\rcr\r\n.x\rends in cr\r', 'A: 1\r\n\r\nlone\rcr\r\n..x\rends in cr\r\n'],
    ['.starts\r\n', '..starts\r\n'],
    ['', ''],
  ];
  for (const [input, expected] of cases) {
    for (const chunks of splits(input)) {
      assert.equal(await stuff(chunks), expected, `${JSON.stringify(input)} in chunks ${JSON.stringify(chunks.map((c) => c.toString('latin1')))}`);
    }
  }
});

test('TOP n m: headers, the blank line, then m body lines, whatever the chunking', async () => {
  const message = 'A: 1\r\nB: 2\r\n\r\none\r\n.two\r\nthree\r\n';
  const expected = ['A: 1\r\nB: 2\r\n\r\n', 'A: 1\r\nB: 2\r\n\r\none\r\n', 'A: 1\r\nB: 2\r\n\r\none\r\n..two\r\n'];
  for (const [m, want] of expected.entries()) {
    for (const chunks of splits(message)) assert.equal(await stuff(chunks, m), want, `TOP m=${m}`);
  }
  assert.equal(await stuff([Buffer.from(message)], 99), 'A: 1\r\nB: 2\r\n\r\none\r\n..two\r\nthree\r\n');
  assert.equal(await stuff([Buffer.from('A: 1\nB: 2\n')], 0), 'A: 1\r\nB: 2\r\n', 'a message with no body is all header');
});

test('TOP stops reading its source once it has what it needs', async () => {
  let pulled = 0;
  // Asynchronous, as a file stream is.
  const endless = new Readable({
    read() {
      pulled += 1;
      setImmediate(() => this.push(pulled === 1 ? 'A: 1\r\n\r\n' : 'more body\r\n'.repeat(1000)));
    },
  });
  const out: Buffer[] = [];
  for await (const chunk of endless.pipe(new DotStuffer({ bodyLines: 2 }))) out.push(chunk as Buffer);
  endless.destroy();
  assert.equal(Buffer.concat(out).toString(), 'A: 1\r\n\r\nmore body\r\nmore body\r\n');
  assert.ok(pulled < 10, `pulled ${pulled} chunks`);
});

test('the line reader frames CRLF and LF lines across chunks, and reports over-long lines without keeping them', () => {
  const lines: Line[] = [];
  const reader = new LineReader((line) => lines.push(line), 20);
  for (const chunk of ['US', 'ER a\r', '\nPASS b c\nNOOP\r\n', 'x'.repeat(15), 'y'.repeat(15), '\r\nSTAT\r\n']) reader.push(Buffer.from(chunk));
  assert.deepEqual(lines, [
    { tooLong: false, text: 'USER a', octets: 8 },
    { tooLong: false, text: 'PASS b c', octets: 9 },
    { tooLong: false, text: 'NOOP', octets: 6 },
    { tooLong: true, octets: 32 },
    { tooLong: false, text: 'STAT', octets: 6 },
  ]);
});

test('clear() from inside the line handler drops the rest of the chunk (no command smuggled behind STLS)', () => {
  const seen: string[] = [];
  const reader = new LineReader((line) => {
    if (line.tooLong) return;
    seen.push(line.text);
    if (line.text === 'STLS') reader.clear();
  });
  reader.push(Buffer.from('CAPA\r\nSTLS\r\nUSER evil\r\nPAS'));
  reader.push(Buffer.from('S x\r\n'));
  assert.deepEqual(seen, ['CAPA', 'STLS', 'S x']);
});

// The message detail module: Mailpit's Message JSON, headers, parts, /view bodies, thumbnails, List-Unsubscribe.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import sharp from 'sharp';
import { listUnsubscribe, parseListUnsubscribe } from '../server/mail/list-unsubscribe.ts';
import { buildMessageView, decodeWords, formatMailDate, messageHeaders, messageHtml, messageText, type AttachmentInfo, type MessageView } from '../server/mail/message-view.ts';
import { findPart } from '../server/mail/parts.ts';
import { thumbnail } from '../server/mail/thumbnail.ts';
import type { MessageSummary } from '../server/store/types.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'message-view');

/** A fixture file with CRLF line endings, as it would arrive over SMTP. */
function fixture(name: string): Buffer {
  return crlf(readFileSync(join(FIXTURES, name), 'utf8'));
}

function crlf(text: string): Buffer {
  return Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'utf8');
}

function compose(options: ConstructorParameters<typeof MailComposer>[0]): Promise<Buffer> {
  return new MailComposer(options).compile().build();
}

function summaryOf(raw: Buffer, overrides: Partial<MessageSummary> = {}): MessageSummary {
  return {
    ID: 'Msg0001',
    MessageID: '',
    Inbox: 'default',
    Read: false,
    From: null,
    To: [],
    Cc: [],
    Bcc: [],
    ReplyTo: [],
    Subject: '',
    Created: '2024-06-01T12:00:00.123Z',
    Tags: [],
    Size: raw.length,
    Attachments: 0,
    Snippet: '',
    Username: '',
    Envelope: { MailFrom: '', RcptTo: [] },
    Client: { Address: '127.0.0.1', Helo: 'client.test', TLS: false },
    ...overrides,
  };
}

function digests(content: Buffer): AttachmentInfo['Checksums'] {
  const hex = (algorithm: string): string => createHash(algorithm).update(content).digest('hex');
  return { MD5: hex('md5'), SHA1: hex('sha1'), SHA256: hex('sha256') };
}

function byName(parts: AttachmentInfo[], fileName: string): AttachmentInfo {
  const part = parts.find((p) => p.FileName === fileName);
  assert.ok(part, `no part named ${fileName} in ${JSON.stringify(parts.map((p) => p.FileName))}`);
  return part;
}

function solidPng(width: number, height: number, rgb: { r: number; g: number; b: number }): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: rgb } }).png().toBuffer();
}

const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

describe('buildMessageView', () => {
  test('multipart/alternative: text and HTML bodies, no parts, Mailpit field order', async () => {
    const raw = await compose({
      from: 'Sender <sender@example.com>',
      to: 'Rcpt <rcpt@example.com>',
      subject: 'Alternative',
      text: 'The plain version',
      html: '<p>The <b>HTML</b> version</p>',
    });
    const view = await buildMessageView(raw, summaryOf(raw, { Tags: ['alpha'], Username: 'smtp-user', Inbox: 'team' }));

    assert.deepEqual(Object.keys(view), [
      'ID', 'MessageID', 'From', 'To', 'Cc', 'Bcc', 'ReplyTo', 'ReturnPath', 'Subject', 'ListUnsubscribe', 'Date', 'Tags',
      'Username', 'Text', 'HTML', 'Size', 'Inline', 'Attachments', 'Inbox', 'Envelope', 'Client', 'Links', 'Codes',
    ]);
    assert.equal(view.ID, 'Msg0001');
    assert.deepEqual(view.From, { Name: 'Sender', Address: 'sender@example.com' });
    assert.deepEqual(view.To, [{ Name: 'Rcpt', Address: 'rcpt@example.com' }]);
    assert.equal(view.Subject, 'Alternative');
    assert.equal(view.Text, 'The plain version');
    assert.equal(view.HTML, '<p>The <b>HTML</b> version</p>');
    assert.deepEqual(view.Inline, []);
    assert.deepEqual(view.Attachments, []);
    assert.deepEqual(view.Tags, ['alpha']);
    assert.equal(view.Username, 'smtp-user');
    assert.equal(view.Inbox, 'team');
    assert.equal(view.Size, raw.length);
    assert.match(view.MessageID, /^[^<>]+@example\.com$/);
    assert.ok(raw.includes(`<${view.MessageID}>`), 'MessageID is the Message-ID header without brackets');
    assert.deepEqual(view.ListUnsubscribe, { Header: '', Links: [], Errors: '', HeaderPost: '' });
    assert.equal('ParseError' in view, false);
    assert.equal(await messageText(raw), 'The plain version');
    assert.equal(await messageHtml(raw, (id) => `/part/${id}`), '<p>The <b>HTML</b> version</p>');
  });

  test('multipart/related: inline cid image and PDF attachment with PartIDs, sizes and checksums', async () => {
    const png = await solidPng(4, 3, { r: 255, g: 0, b: 0 });
    const raw = await compose({
      from: 'sender@example.com',
      to: 'rcpt@example.com',
      subject: 'Related',
      html: '<p>Logo: <img src="cid:logo@mailcove.test" alt="logo"> <img src=\'CID:logo@mailcove.test\'/></p>',
      attachments: [
        { filename: 'logo.png', content: png, cid: 'logo@mailcove.test' },
        { filename: 'report.pdf', content: PDF, contentType: 'application/pdf' },
      ],
    });
    const view = await buildMessageView(raw, summaryOf(raw));

    assert.equal(view.Inline.length, 1);
    assert.equal(view.Attachments.length, 1);
    const logo = view.Inline[0]!;
    const report = view.Attachments[0]!;
    // multipart/mixed { multipart/related { text/html, image/png }, application/pdf }
    assert.deepEqual(logo, { PartID: '1.2', FileName: 'logo.png', ContentType: 'image/png', ContentID: 'logo@mailcove.test', Size: png.length, Checksums: digests(png) });
    assert.deepEqual(report, { PartID: '2', FileName: 'report.pdf', ContentType: 'application/pdf', ContentID: '', Size: PDF.length, Checksums: digests(PDF) });

    const logoPart = await findPart(raw, logo.PartID);
    assert.ok(logoPart);
    assert.ok(logoPart.content.equals(png), 'the inline PartID resolves to the PNG bytes');
    assert.equal(logoPart.contentType, 'image/png');
    assert.equal(logoPart.fileName, 'logo.png');
    const reportPart = await findPart(raw, report.PartID);
    assert.ok(reportPart);
    assert.ok(reportPart.content.equals(PDF), 'the attachment PartID resolves to the PDF bytes');
    assert.equal(reportPart.contentType, 'application/pdf');

    const html = await messageHtml(raw, (id) => `/api/v1/message/Msg0001/part/${id}`);
    assert.equal(html, `<p>Logo: <img src="/api/v1/message/Msg0001/part/${logo.PartID}" alt="logo"> <img src='/api/v1/message/Msg0001/part/${logo.PartID}'/></p>`);
    assert.equal(view.HTML.includes('cid:logo@mailcove.test'), true, 'the Message JSON keeps the HTML as sent');
  });

  test('nested multipart/mixed inside multipart/alternative, QP and base64 UTF-8 bodies, RFC 2047 names', async () => {
    const raw = fixture('nested-alternative.eml');
    const view = await buildMessageView(raw, summaryOf(raw));
    const text = 'Grüße aus Köln — café €5, eine sehr lange Zeile';
    const html = '<p>Grüße aus <b>Köln</b> — café €5</p>';
    // The source holds only the encoded forms, so these can only pass through decoding.
    assert.equal(raw.includes('Grüße'), false);
    assert.equal(raw.includes('Rechnung März'), false);
    assert.equal(view.Text, text);
    assert.equal(view.HTML, html);
    assert.equal(await messageText(raw), text);
    assert.equal(await messageHtml(raw, () => 'unused'), html);

    assert.equal(view.Subject, 'Überprüfung der Rechnung €');
    assert.deepEqual(view.From, { Name: 'Renée François', Address: 'renee@example.com' });
    assert.deepEqual(view.To, [{ Name: 'Team', Address: 'team@example.com' }, { Name: '', Address: 'other@example.com' }]);
    assert.deepEqual(view.Cc, [{ Name: '', Address: 'cc@example.com' }]);
    assert.deepEqual(view.ReplyTo, [{ Name: '', Address: 'replies@example.com' }]);
    assert.equal(view.MessageID, 'nested-1@example.com');
    assert.equal(view.ReturnPath, 'bounce@example.com');
    assert.equal(view.Date, '2023-03-14T15:09:26+01:00');

    assert.deepEqual(view.Inline, []);
    assert.deepEqual(view.Attachments, [
      { PartID: '2.2', FileName: 'Rechnung März.pdf', ContentType: 'application/pdf', ContentID: '', Size: PDF.length, Checksums: digests(PDF) },
    ]);
    const part = await findPart(raw, '2.2');
    assert.ok(part);
    assert.ok(part.content.equals(PDF));
    assert.equal(part.fileName, 'Rechnung März.pdf');
  });

  test('quoted-printable and base64 bodies from nodemailer decode to the same UTF-8 text', async () => {
    const text = 'Grüße, Jürgen — 50 € ✓ 日本語\n';
    const html = '<p>Ünïcödé ✓ 日本語</p>';
    for (const textEncoding of ['quoted-printable', 'base64'] as const) {
      const raw = await compose({ from: 'a@example.com', to: 'b@example.com', subject: textEncoding, text, html, textEncoding });
      assert.equal(raw.includes('日本語'), false, `${textEncoding}: the source is encoded`);
      const view = await buildMessageView(raw, summaryOf(raw));
      assert.equal(view.Text, text, textEncoding);
      assert.equal(view.HTML, html, textEncoding);
    }
  });

  test('RFC 2047 subject and RFC 2231 / RFC 2047 attachment file names', async () => {
    const files = [
      { filename: 'Résumé – 2024 ✓.pdf', content: Buffer.from('first') },
      { filename: '日本語のファイル.txt', content: Buffer.from('second'), contentType: 'text/plain' },
    ];
    const raw = await compose({ from: 'a@example.com', to: 'b@example.com', subject: 'Ünïcödé ✓ subject 日本', text: 'x', attachments: files });
    assert.equal(raw.includes('Ünïcödé'), false);
    assert.equal(raw.includes('Résumé'), false);
    const view = await buildMessageView(raw, summaryOf(raw));
    assert.equal(view.Subject, 'Ünïcödé ✓ subject 日本');
    assert.deepEqual(view.Attachments.map((a) => a.FileName), files.map((f) => f.filename));
    for (const file of files) {
      const info = byName(view.Attachments, file.filename);
      const part = await findPart(raw, info.PartID);
      assert.ok(part);
      assert.ok(part.content.equals(file.content));
      assert.equal(part.fileName, file.filename);
    }
    assert.equal((await findPart(raw, byName(view.Attachments, files[1]!.filename).PartID))?.contentType, 'text/plain');
  });

  test('List-Unsubscribe with mailto, https and a malformed entry: Mailpit reports too many links', async () => {
    const raw = fixture('list-unsubscribe.eml');
    const view = await buildMessageView(raw, summaryOf(raw));
    const header = '<mailto:unsubscribe@example.com?subject=unsubscribe>, <https://example.com/unsubscribe?id=123>, <ftp://example.com/unsubscribe>';
    assert.deepEqual(view.ListUnsubscribe, {
      Header: header,
      Links: [],
      Errors: `"${header}" should include a maximum of one email and one HTTP link`,
      HeaderPost: 'List-Unsubscribe=One-Click',
    });
    assert.equal(view.Date, '2024-01-01T09:30:00-05:00');
    assert.equal(view.ReturnPath, 'news@example.com', 'no Return-Path header and no envelope sender: the From address');
  });

  test('List-Unsubscribe with one good and one malformed link keeps the good one', async () => {
    const raw = await compose({
      from: 'a@example.com',
      to: 'b@example.com',
      text: 'x',
      headers: { 'List-Unsubscribe': '<https://example.com/u?id=1>, <ftp://example.com/u>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    });
    const view = await buildMessageView(raw, summaryOf(raw));
    assert.deepEqual(view.ListUnsubscribe, {
      Header: '<https://example.com/u?id=1>, <ftp://example.com/u>',
      Links: ['https://example.com/u?id=1'],
      Errors: '"ftp://example.com/u" should start with either http(s):// or mailto:',
      HeaderPost: 'List-Unsubscribe=One-Click',
    });
  });

  test('Date: the header with its offset, else the time received; envelope sender is the Return-Path', async () => {
    const dated = crlf('From: a@example.com\nDate: Wed, 5 Jul 2023 23:59:01 +0530\nSubject: dated\n\nbody\n');
    const undated = crlf('From: a@example.com\nSubject: undated\n\nbody\n');
    const garbled = crlf('From: a@example.com\nDate: sometime last week\nSubject: garbled\n\nbody\n');
    assert.equal((await buildMessageView(dated, summaryOf(dated))).Date, '2023-07-05T23:59:01+05:30');
    assert.equal((await buildMessageView(undated, summaryOf(undated))).Date, '2024-06-01T12:00:00.123Z');
    assert.equal((await buildMessageView(garbled, summaryOf(garbled))).Date, '2024-06-01T12:00:00.123Z');
    const view = await buildMessageView(dated, summaryOf(dated, { Envelope: { MailFrom: 'bounce@env.example', RcptTo: ['x@example.com'] } }));
    assert.equal(view.ReturnPath, 'bounce@env.example');
    assert.deepEqual(view.Envelope, { MailFrom: 'bounce@env.example', RcptTo: ['x@example.com'] });
  });

  test('Bcc comes from the summary, which adds the envelope recipients no header names', async () => {
    const raw = crlf('From: a@example.com\nTo: b@example.com\nSubject: bcc\n\nbody\n');
    const bcc = [{ Name: '', Address: 'hidden@example.com' }];
    const view = await buildMessageView(raw, summaryOf(raw, { Bcc: bcc }));
    assert.deepEqual(view.Bcc, bcc);
    assert.deepEqual(view.To, [{ Name: '', Address: 'b@example.com' }]);
  });

  test('a message without HTML: messageHtml is null, messageText is the text', async () => {
    const raw = fixture('list-unsubscribe.eml');
    assert.equal(await messageHtml(raw, (id) => `/part/${id}`), null);
    assert.equal(await messageText(raw), 'Plain text only.\n');
    assert.equal((await buildMessageView(raw, summaryOf(raw))).HTML, '');
  });

  test('an HTML-only message gets its Text from the HTML, as Mailpit does', async () => {
    const raw = await compose({ from: 'a@example.com', to: 'b@example.com', html: '<p>Hello <b>World</b><br>second line</p>' });
    const view = await buildMessageView(raw, summaryOf(raw));
    // the whole body is the HTML part, so its final line break is part of it
    assert.equal(view.HTML, '<p>Hello <b>World</b><br>second line</p>\n');
    assert.equal(view.Text, 'Hello World\nsecond line');
    assert.equal(await messageText(raw), 'Hello World\nsecond line');
  });

  test('a message that is a single PDF: part "0" is the attachment, no text and no HTML', async () => {
    const raw = crlf(`From: a@example.com\nSubject: just a file\nContent-Type: application/pdf; name="only.pdf"\nContent-Transfer-Encoding: base64\n\n${PDF.toString('base64')}\n`);
    const view = await buildMessageView(raw, summaryOf(raw));
    assert.deepEqual(view.Attachments, [{ PartID: '0', FileName: 'only.pdf', ContentType: 'application/pdf', ContentID: '', Size: PDF.length, Checksums: digests(PDF) }]);
    assert.deepEqual(view.Inline, []);
    assert.equal(await messageText(raw), null);
    assert.equal(await messageHtml(raw, (id) => id), null);
    assert.ok((await findPart(raw, '0'))?.content.equals(PDF));
  });

  test("Mailpit's split: disposition, octet-stream, nameless parts, Text joined across a mixed message", async () => {
    const raw = fixture('mailpit-split.eml');
    const view = await buildMessageView(raw, summaryOf(raw));
    const gif = Buffer.from('R0lGODlhAQABAAAAACw=', 'base64');
    const snippet = Buffer.from('<p>inline <img src="cid:pixel+one%40example.com"> html</p>');

    // multipart/mixed: every text/plain body, depth first, joined as enmime joins them; the first text/html
    assert.equal(view.Text, 'Body text\n--\nFooter text');
    assert.equal(view.HTML, snippet.toString());
    // Attachments: Content-Disposition attachment, or application/octet-stream (even when disposed inline)
    assert.deepEqual(view.Attachments.map((a) => [a.PartID, a.FileName, a.ContentType]), [
      ['2', 'notes.txt', 'text/plain'],
      ['3', 'blob.bin', 'application/octet-stream'],
    ]);
    // Inline: disposed inline (the named text/html part), then undisposed non-text parts; a part with neither a
    // file name nor a Content-ID (part 5) is not listed. FileName falls back to the Content-ID.
    assert.deepEqual(view.Inline, [
      { PartID: '6', FileName: 'snippet.html', ContentType: 'text/html', ContentID: '', Size: snippet.length, Checksums: digests(snippet) },
      { PartID: '4', FileName: 'pixel+one@example.com', ContentType: 'image/gif', ContentID: 'pixel+one@example.com', Size: gif.length, Checksums: digests(gif) },
    ]);
    assert.ok((await findPart(raw, '3'))?.content.equals(Buffer.from([0, 1, 2, 3])));
    // a text/* part is served with its charset so its bytes read right
    assert.deepEqual(await findPart(raw, '2'), { contentType: 'text/plain; charset=utf-8', fileName: 'notes.txt', content: Buffer.from('attached notes') });
    assert.ok((await findPart(raw, '5'))?.content.equals(gif), 'unlisted parts can still be fetched, as in Mailpit');
    assert.equal(await findPart(raw, '1'), null, 'a plain text body is not a part');
    // The Content-ID is matched as written in the HTML (%-encoded) as well as decoded.
    assert.equal(await messageHtml(raw, (id) => `/p/${id}`), '<p>inline <img src="/p/4"> html</p>');
  });

  test('3,000 nested multipart/mixed levels: a view with ParseError, never a throw', async () => {
    let raw = 'From: Deep <deep@example.com>\nTo: rcpt@example.com\nSubject: =?UTF-8?Q?Tr=C3=A8s_profond?=\nDate: Fri, 2 Feb 2024 10:00:00 +0000\nMessage-ID: <deep@example.com>\nList-Unsubscribe: <mailto:u@example.com>\nMIME-Version: 1.0\n';
    let closing = '';
    for (let i = 0; i < 3000; i++) {
      raw += `Content-Type: multipart/mixed; boundary="level${i}"\n\n--level${i}\n`;
      closing = `--level${i}--\n` + closing;
    }
    const message = crlf(raw + 'Content-Type: text/plain\n\nthe bottom\n' + closing);
    const summary = summaryOf(message, { From: { Name: 'Deep', Address: 'deep@example.com' }, To: [{ Name: '', Address: 'rcpt@example.com' }] });

    const view: MessageView = await buildMessageView(message, summary);
    assert.match(view.ParseError ?? '', /Max allowed child nodes exceeded/);
    assert.equal(view.Text, '');
    assert.equal(view.HTML, '');
    assert.deepEqual(view.Inline, []);
    assert.deepEqual(view.Attachments, []);
    // what the header block says is still there
    assert.equal(view.Subject, 'Très profond');
    assert.equal(view.MessageID, 'deep@example.com');
    assert.equal(view.Date, '2024-02-02T10:00:00Z');
    assert.deepEqual(view.ListUnsubscribe.Links, ['mailto:u@example.com']);
    assert.deepEqual(view.From, { Name: 'Deep', Address: 'deep@example.com' });
    assert.deepEqual(view.To, [{ Name: '', Address: 'rcpt@example.com' }]);
    assert.equal(view.Size, message.length);

    // the summary's own ParseError wins when it has one
    assert.equal((await buildMessageView(message, { ...summary, ParseError: 'from the summary' })).ParseError, 'from the summary');
    assert.equal(await messageText(message), null);
    assert.equal(await messageHtml(message, (id) => id), null);
    assert.equal(await findPart(message, '1'), null);
    assert.deepEqual((await messageHeaders(message)).Subject, ['=?UTF-8?Q?Tr=C3=A8s_profond?=']);
  });
});

describe('messageHeaders', () => {
  test("Go's net/mail shape: canonical names sorted, values unfolded and still encoded, repeats in order", async () => {
    const headers = await messageHeaders(fixture('nested-alternative.eml'));
    assert.deepEqual(Object.keys(headers), [
      'Cc', 'Content-Type', 'Date', 'From', 'Message-Id', 'Mime-Version', 'Received', 'Reply-To', 'Return-Path', 'Subject',
      'To', 'X-Long-Header', 'X-Mailer',
    ]);
    assert.deepEqual(headers.Received, [
      'from mx1.example.com by mx2.example.com; Tue, 14 Mar 2023 15:09:26 +0100',
      'from client.example.com by mx1.example.com; Tue, 14 Mar 2023 15:09:25 +0100',
    ]);
    assert.deepEqual(headers['X-Long-Header'], ['first part second part third part']);
    assert.deepEqual(headers.Subject, ['=?UTF-8?B?w5xiZXJwcsO8ZnVuZyBkZXIgUmVjaG51bmcg4oKs?=']);
    assert.deepEqual(headers.From, ['=?UTF-8?Q?Ren=C3=A9e_Fran=C3=A7ois?= <renee@example.com>']);
    assert.deepEqual(headers['Content-Type'], ['multipart/alternative; boundary="alt-boundary"']);
    assert.equal('Content-Transfer-Encoding' in headers, false, 'only the top-level header block');
    assert.equal(JSON.stringify(headers).startsWith('{"Cc":["cc@example.com"],"Content-Type"'), true);
  });

  test('name canonicalisation, trailing whitespace, a message that is only headers, malformed lines skipped', async () => {
    const raw = crlf('x-custom-HEADER:   padded value   \nDKIM-Signature: v=1;\n\ta=rsa-sha256\nnot a header line\nX-Empty:\nmessage-id: <a@b>\nX-Custom-Header: second');
    assert.deepEqual(await messageHeaders(raw), {
      'Dkim-Signature': ['v=1; a=rsa-sha256'],
      'Message-Id': ['<a@b>'],
      'X-Custom-Header': ['padded value', 'second'],
      'X-Empty': [''],
    });
  });
});

describe('findPart', () => {
  test('rejects PartIDs that are not dotted numbers, and unknown ones', async () => {
    const raw = fixture('nested-alternative.eml');
    assert.ok(await findPart(raw, '2.2'), 'the valid ID resolves');
    for (const bad of ['', '2.', '.2', '2..2', '../2', '2.2/..', 'a', '2.2 ', '-1']) assert.equal(await findPart(raw, bad), null, JSON.stringify(bad));
    assert.equal(await findPart(raw, '9'), null);
    assert.equal(await findPart(raw, '2.9'), null);
  });
});

describe('thumbnail', () => {
  async function pixels(jpeg: Buffer): Promise<{ at(x: number, y: number): [number, number, number] }> {
    const meta = await sharp(jpeg).metadata();
    assert.equal(meta.format, 'jpeg');
    assert.equal(meta.width, 180);
    assert.equal(meta.height, 120);
    assert.deepEqual([...jpeg.subarray(0, 2)], [0xff, 0xd8]);
    const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
    return {
      at: (x, y) => {
        const i = (y * info.width + x) * info.channels;
        return [data[i]!, data[i + 1]!, data[i + 2]!];
      },
    };
  }
  const isWhite = ([r, g, b]: [number, number, number]): boolean => r > 245 && g > 245 && b > 245;
  const isRed = ([r, g, b]: [number, number, number]): boolean => r > 200 && g < 60 && b < 60;
  const isBlue = ([r, g, b]: [number, number, number]): boolean => r < 60 && g < 60 && b > 200;

  async function assertBlank(jpeg: Buffer): Promise<void> {
    await pixels(jpeg);
    const stats = await sharp(jpeg).stats();
    for (const channel of stats.channels) assert.ok(channel.min > 245, `blank thumbnail is white (min ${channel.min})`);
  }

  test('a PNG smaller than 180x120 is centred on white, not enlarged', async () => {
    const image = await pixels(await thumbnail({ contentType: 'image/png', content: await solidPng(60, 40, { r: 255, g: 0, b: 0 }) }));
    assert.ok(isRed(image.at(90, 60)), 'centre is the image');
    assert.ok(isRed(image.at(65, 45)), 'image spans 60x40 around the centre');
    assert.ok(isWhite(image.at(0, 0)), 'corner is padding');
    assert.ok(isWhite(image.at(130, 60)), 'beyond 60px wide is padding: not enlarged');
    assert.ok(isWhite(image.at(90, 90)), 'beyond 40px high is padding: not enlarged');
  });

  test('a larger PNG covers the box and is centre-cropped', async () => {
    // 360x360: red left half, blue right half, green bands 50px high at top and bottom. Scaled to 180x180 and
    // cropped 30px top and bottom, the (25px) bands are gone; stretching or fitting would keep them.
    const content = await sharp(await solidPng(360, 360, { r: 0, g: 0, b: 255 }))
      .composite([
        { input: await solidPng(180, 360, { r: 255, g: 0, b: 0 }), left: 0, top: 0 },
        { input: await solidPng(360, 50, { r: 0, g: 255, b: 0 }), left: 0, top: 0 },
        { input: await solidPng(360, 50, { r: 0, g: 255, b: 0 }), left: 0, top: 310 },
      ])
      .png()
      .toBuffer();
    const image = await pixels(await thumbnail({ contentType: 'image/png', content }));
    assert.ok(isRed(image.at(10, 1)) && isRed(image.at(80, 118)), 'left half red edge to edge');
    assert.ok(isBlue(image.at(100, 1)) && isBlue(image.at(178, 118)), 'right half blue edge to edge');
  });

  test('transparency is flattened onto white', async () => {
    const content = await sharp({ create: { width: 300, height: 200, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
    await assertBlank(await thumbnail({ contentType: 'image/png', content }));
  });

  test('a non-image part gets a blank 180x120 JPEG', async () => {
    await assertBlank(await thumbnail({ contentType: 'application/pdf', content: PDF }));
  });

  test('an image type whose bytes are not an image, or are truncated, gets a blank JPEG', async () => {
    await assertBlank(await thumbnail({ contentType: 'image/jpeg', content: randomBytes(256) }));
    const png = await sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 255, g: 0, b: 0 } } }).png({ compressionLevel: 0 }).toBuffer();
    await assertBlank(await thumbnail({ contentType: 'image/png', content: png.subarray(0, Math.floor(png.length / 2)) }));
    await assertBlank(await thumbnail({ contentType: 'image/png', content: Buffer.alloc(0) }));
  });

  test('SVG is not rendered', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200"><rect width="300" height="200" fill="red"/></svg>');
    await assertBlank(await thumbnail({ contentType: 'image/svg+xml', content: svg }));
  });
});

describe('List-Unsubscribe parser', () => {
  const cases: Array<[string, string[], string]> = [
    ['<mailto:leave@example.com>, <https://example.com/leave>', ['mailto:leave@example.com', 'https://example.com/leave'], ''],
    ['<https://example.com/leave>,<mailto:leave@example.com>', ['https://example.com/leave', 'mailto:leave@example.com'], ''],
    ['(Click to leave) <https://example.com/leave>', ['https://example.com/leave'], ''],
    ['https://example.com/leave', [], '"https://example.com/leave" no valid unsubscribe links found'],
    ['<https://example.com/leave> please', [], '"<https://example.com/leave> please" should be enclosed in <>'],
    ['<https://example.com/a> <mailto:x@example.com>', [], '"<https://example.com/a> <mailto:x@example.com>" <> should be split with a comma and optional spaces'],
    ['<mailto:a@example.com>, <mailto:b@example.com>', ['mailto:a@example.com'], '"mailto:b@example.com" should only contain one mailto:'],
    ['<https://a.example.com>, <http://b.example.com>', ['https://a.example.com'], '"http://b.example.com" should only contain one HTTP link'],
    ['<https://example.com/a b>', [], '"https://example.com/a b" should not contain spaces'],
    ['<https://example.com/%zz>', [], 'parse "https://example.com/%zz": invalid URL escape "%zz"'],
    ['<https://example.com:http/u>', [], 'parse "https://example.com:http/u": invalid port ":http" after host'],
  ];
  for (const [header, links, errors] of cases) {
    test(header, () => {
      assert.deepEqual(parseListUnsubscribe(header), { links, errors });
    });
  }

  test('List-Unsubscribe-Post is only reported alongside List-Unsubscribe', () => {
    assert.deepEqual(listUnsubscribe('', 'List-Unsubscribe=One-Click'), { Header: '', Links: [], Errors: '', HeaderPost: '' });
    assert.deepEqual(listUnsubscribe('<https://example.com/u>', 'List-Unsubscribe=One-Click'), {
      Header: '<https://example.com/u>',
      Links: ['https://example.com/u'],
      Errors: '',
      HeaderPost: 'List-Unsubscribe=One-Click',
    });
  });
});

describe('header helpers', () => {
  test('RFC 2047 words: adjacent ones joined across a split character, unknown charsets left alone', () => {
    // "€" is E2 82 AC, split over two encoded words
    assert.equal(decodeWords('=?UTF-8?Q?Preis_=E2=82?= =?UTF-8?Q?=AC_5?= netto'), 'Preis € 5 netto');
    assert.equal(decodeWords('=?iso-8859-1?q?caf=E9?= and =?UTF-8?B?4pyT?='), 'café and ✓');
    assert.equal(decodeWords('=?x-unknown?Q?abc?='), '=?x-unknown?Q?abc?=');
    assert.equal(decodeWords('no words here'), 'no words here');
  });

  test('RFC 5322 dates to RFC 3339 in their own offset', () => {
    assert.equal(formatMailDate('Tue, 14 Mar 2023 15:09:26 +0100'), '2023-03-14T15:09:26+01:00');
    assert.equal(formatMailDate('1 Jan 2024 09:30 EST'), '2024-01-01T09:30:00-05:00');
    assert.equal(formatMailDate('Mon, 1 Jan 2024 09:30:00 +0000 (UTC)'), '2024-01-01T09:30:00Z');
    assert.equal(formatMailDate('Mon, 1 Jan 99 09:30:00 -0130'), '1999-01-01T09:30:00-01:30');
    assert.equal(formatMailDate('31 Feb 2024 10:00:00 +0000'), null);
    assert.equal(formatMailDate('2024-01-01T09:30:00Z'), null);
  });
});

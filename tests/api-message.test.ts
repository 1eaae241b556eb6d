// /api/v1/message/{ID} and friends, /view, and /api/v1/send, /api/v1/tags: every endpoint and its error cases.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { api, mailer, queuedId } from './helpers/api.ts';

describe('message API', () => {
  let app: TestApp;
  let http: ReturnType<typeof api>;
  let send: ReturnType<typeof mailer>;
  let png: Buffer;
  let pdf: Buffer;
  before(async () => {
    app = await startTestApp();
    http = api(app.url);
    send = mailer(app.smtp.port);
    png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#3366cc' } }).png().toBuffer();
    pdf = Buffer.from('%PDF-1.4\n% fake but fine\n');
  });
  after(() => app.dispose());

  async function rich(subject = 'rich message'): Promise<string> {
    const info = await send({
      subject,
      from: 'Shop <shop@example.com>',
      to: 'Customer <customer@example.com>',
      replyTo: 'support@example.com',
      text: 'Your order shipped. Track: https://example.com/track',
      html: '<p>Your order <b>shipped</b>.</p><img src="cid:logo@shop">',
      headers: { 'List-Unsubscribe': '<mailto:unsub@example.com>, <https://example.com/unsub>', 'X-Tags': 'orders' },
      attachments: [
        { filename: 'logo.png', content: png, cid: 'logo@shop' },
        { filename: 'invoice.pdf', content: pdf, contentType: 'application/pdf' },
      ],
    });
    return queuedId(info.response);
  }

  test('GET /api/v1/message/{ID} returns the parsed message and marks it read', async () => {
    const id = await rich();
    assert.equal(app.store.get(id)?.Read, false);
    const res = await http.get(`/api/v1/message/${id}`);
    assert.equal(res.status, 200);
    const m = res.body;
    assert.equal(m.ID, id);
    assert.equal(m.Subject, 'rich message');
    assert.deepEqual(m.From, { Name: 'Shop', Address: 'shop@example.com' });
    assert.deepEqual(m.ReplyTo, [{ Name: '', Address: 'support@example.com' }]);
    assert.match(m.Text, /Your order shipped/);
    assert.match(m.HTML, /<b>shipped<\/b>/);
    assert.deepEqual(m.Tags, ['orders']);
    assert.ok(m.Size > 0);
    assert.match(m.Date, /^\d{4}-\d\d-\d\dT/);
    assert.equal(m.ReturnPath ?? '', m.ReturnPath ?? '');
    assert.deepEqual(m.ListUnsubscribe.Links, ['mailto:unsub@example.com', 'https://example.com/unsub']);
    assert.equal(m.Attachments.length, 1);
    assert.equal(m.Inline.length, 1);
    const invoice = m.Attachments[0];
    assert.equal(invoice.FileName, 'invoice.pdf');
    assert.equal(invoice.ContentType, 'application/pdf');
    assert.equal(invoice.Checksums.SHA256, createHash('sha256').update(pdf).digest('hex'));
    assert.equal(m.Inline[0].ContentID, 'logo@shop');
    assert.equal(app.store.get(id)?.Read, true);
  });

  test('"latest" and "latest" with a query', async () => {
    await rich('first of two');
    const second = await rich('second of two');
    assert.equal((await http.get('/api/v1/message/latest')).body.ID, second);
    const older = await http.get('/api/v1/message/latest?query=' + encodeURIComponent('subject:"first of two"'));
    assert.equal(older.body.Subject, 'first of two');
    assert.equal((await http.get('/api/v1/message/latest?query=' + encodeURIComponent('subject:nothing-like-this'))).status, 404);
  });

  test('"latest?query=" picks the same message on every route that takes an ID', async () => {
    await send({ subject: 'query everywhere one', text: 'text of one', attachments: [{ filename: 'a.txt', content: 'attachment one' }] });
    await send({ subject: 'query everywhere two', text: 'text of two', attachments: [{ filename: 'a.txt', content: 'attachment two' }] });
    const one = '?query=' + encodeURIComponent('subject:"query everywhere one"');
    assert.equal((await http.get('/view/latest.txt' + one)).text.trim(), 'text of one');
    assert.equal((await http.get('/view/latest.txt')).text.trim(), 'text of two');
    const partId = (await http.get('/api/v1/message/latest' + one)).body.Attachments[0].PartID;
    assert.equal((await http.get(`/api/v1/message/latest/part/${partId}${one}`)).text, 'attachment one');
    assert.equal((await http.get(`/api/v1/message/latest/part/${partId}`)).text, 'attachment two');
    assert.equal((await http.get(`/api/v1/message/latest/part/${partId}/thumb${one}`)).status, 200);
    assert.equal((await http.get(`/api/v1/message/latest/part/${partId}?query=` + encodeURIComponent('subject:nothing-like-this'))).status, 404);
  });

  test('unknown IDs are 404 with a JSON message on every message endpoint', async () => {
    for (const path of ['/api/v1/message/AAAAAAAAAAAAAAAAAAAA', '/api/v1/message/nope/headers', '/api/v1/message/nope/raw', '/api/v1/message/nope/part/1', '/api/v1/message/nope/part/1/thumb', '/view/nope.html', '/view/nope.txt']) {
      const res = await http.get(path);
      assert.equal(res.status, 404, path);
      assert.equal(typeof res.body.Error, 'string', path);
    }
    const id = await rich();
    assert.equal((await http.get(`/api/v1/message/${id}/part/99`)).status, 404);
    assert.equal((await http.get(`/api/v1/message/${id}/part/..%2f..%2fetc`)).status, 400);
    assert.equal((await http.get(`/view/${id}.exe`)).status, 400);
  });

  test('headers, raw (and ?dl=1), parts and thumbnails', async () => {
    const id = await rich('parts');
    const headers = (await http.get(`/api/v1/message/${id}/headers`)).body;
    assert.deepEqual(headers.Subject, ['parts']);
    const names = Object.keys(headers);
    assert.deepEqual(names, [...names].sort((a, b) => a.localeCompare(b)));

    const raw = await http.raw(`/api/v1/message/${id}/raw`);
    assert.deepEqual(raw.bytes, await app.store.readRaw(id));
    assert.match(raw.headers.get('content-type') ?? '', /^text\/plain/);
    const dl = await http.raw(`/api/v1/message/${id}/raw?dl=1`);
    assert.match(dl.headers.get('content-disposition') ?? '', new RegExp(`attachment; filename="${id}.eml"`));

    const view = (await http.get(`/api/v1/message/${id}`)).body;
    const invoice = view.Attachments[0];
    const part = await http.raw(`/api/v1/message/${id}/part/${invoice.PartID}`);
    assert.equal(part.status, 200);
    assert.deepEqual(part.bytes, pdf);
    assert.equal(part.headers.get('content-type'), 'application/pdf');
    assert.match(part.headers.get('content-security-policy') ?? '', /sandbox/);
    assert.equal(part.headers.get('x-content-type-options'), 'nosniff');

    const thumb = await http.raw(`/api/v1/message/${id}/part/${view.Inline[0].PartID}/thumb`);
    assert.equal(thumb.headers.get('content-type'), 'image/jpeg');
    const meta = await sharp(thumb.bytes).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 180, 120]);
  });

  test('/view/{ID}.html rewrites cid: images and is served sandboxed; /view/{ID}.txt is the text', async () => {
    const id = await rich('view');
    const view = (await http.get(`/api/v1/message/${id}`)).body;
    const html = await http.get(`/view/${id}.html`);
    assert.equal(html.status, 200);
    assert.match(html.headers.get('content-type') ?? '', /^text\/html/);
    assert.ok(html.text.includes(`/api/v1/message/${id}/part/${view.Inline[0].PartID}`), html.text);
    assert.ok(!html.text.includes('cid:logo@shop'));
    const csp = html.headers.get('content-security-policy') ?? '';
    assert.match(csp, /(^|; )sandbox(;|$)/);
    assert.doesNotMatch(csp, /allow-scripts|allow-same-origin/);
    assert.match(csp, /default-src 'none'/);
    const text = await http.get(`/view/${id}.txt`);
    assert.match(text.text, /Your order shipped/);
    const textOnly = queuedId((await send({ subject: 'no html', text: 'plain only' })).response);
    assert.equal((await http.get(`/view/${textOnly}.html`)).status, 404);
    assert.equal((await http.get('/view/latest.txt')).text.trim(), 'plain only');
  });

  test('POST /api/v1/send stores the message as if it came over SMTP', async () => {
    const res = await http.post('/api/v1/send', {
      From: { Email: 'sender@example.com', Name: 'Sender' },
      To: [{ Email: 'to@example.com', Name: 'To' }],
      Cc: [{ Email: 'cc@example.com' }],
      Bcc: ['hidden@example.com'],
      ReplyTo: [{ Email: 'reply@example.com' }],
      Subject: 'Sent over HTTP',
      Text: 'plain body',
      HTML: '<p>html body <img src="cid:pixel"></p>',
      Attachments: [
        { Content: png.toString('base64'), Filename: 'pixel.png', ContentID: 'pixel' },
        { Content: Buffer.from('hello file').toString('base64'), Filename: 'note.txt' },
      ],
      Headers: { 'X-Mailcove-Inbox': 'http-tests', 'X-Custom': 'yes' },
      Tags: ['api', 'Sent'],
    });
    assert.equal(res.status, 200, res.text);
    const summary = app.store.get(res.body.ID);
    assert.ok(summary);
    assert.equal(summary.Subject, 'Sent over HTTP');
    assert.equal(summary.Inbox, 'http-tests');
    assert.deepEqual(summary.Bcc, [{ Name: '', Address: 'hidden@example.com' }]);
    assert.deepEqual(summary.Envelope, { MailFrom: 'sender@example.com', RcptTo: ['to@example.com', 'cc@example.com', 'hidden@example.com'] });
    assert.deepEqual(summary.Tags, ['api', 'Sent']);
    assert.equal(summary.Attachments, 1);
    const headers = (await http.get(`/api/v1/message/${res.body.ID}/headers`)).body;
    assert.deepEqual(headers['X-Custom'], ['yes']);
  });

  test('POST /api/v1/send rejects bad requests with 400 and stores nothing', async () => {
    const before = app.store.count();
    const bad = [
      {},
      { From: { Email: 'not-an-address' }, To: [{ Email: 'b@example.com' }] },
      { From: { Email: 'a@example.com' } },
      { From: { Email: 'a@example.com' }, To: [{ Email: 'b@example.com' }], Attachments: [{ Content: '%%%', Filename: 'x' }] },
      { From: { Email: 'a@example.com' }, To: [{ Email: 'b@example.com' }], Headers: { 'Bad Header': 'x' } },
      { From: { Email: 'a@example.com' }, To: 'b@example.com' },
    ];
    for (const body of bad) {
      const res = await http.post('/api/v1/send', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(typeof res.body.Error, 'string');
    }
    assert.equal(app.store.count(), before);
  });

  test('tags: X-Tags and plus-addresses on arrival; set, rename and delete through the API', async () => {
    const a = queuedId((await send({ subject: 'tag a', text: 'x', to: 'user+Signup@example.com', headers: { 'X-Tags': 'Beta, alpha' } })).response);
    const b = queuedId((await send({ subject: 'tag b', text: 'x' })).response);
    assert.deepEqual(app.store.get(a)?.Tags, ['alpha', 'Beta', 'Signup']);
    assert.equal((await http.put('/api/v1/tags', { IDs: [b], Tags: ['gamma', 'alpha'] })).text, 'ok');
    assert.deepEqual(app.store.get(b)?.Tags, ['alpha', 'gamma']);
    const all = (await http.get('/api/v1/tags')).body;
    for (const tag of ['alpha', 'Beta', 'gamma', 'Signup']) assert.ok(all.includes(tag), `${tag} missing from ${all}`);
    assert.equal((await http.put('/api/v1/tags/alpha', { Name: 'first' })).text, 'ok');
    assert.deepEqual(app.store.get(a)?.Tags, ['Beta', 'first', 'Signup']);
    assert.deepEqual(app.store.get(b)?.Tags, ['first', 'gamma']);
    assert.equal((await http.delete('/api/v1/tags/first')).text, 'ok');
    assert.deepEqual(app.store.get(b)?.Tags, ['gamma']);
    assert.equal((await http.put('/api/v1/tags', { IDs: [b], Tags: [] })).text, 'ok');
    assert.deepEqual(app.store.get(b)?.Tags, []);
    assert.equal((await http.put('/api/v1/tags', { IDs: [b] })).status, 400);
    assert.equal((await http.put('/api/v1/tags/x', { Name: '' })).status, 400);
    assert.equal((await http.put('/api/v1/tags/x', { Name: '%%%' })).status, 400);
  });
});

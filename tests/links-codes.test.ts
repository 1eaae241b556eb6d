// Links and one-time codes, as a CI job reads them from GET /api/v1/message/{ID}. The fixtures are modelled on real
// OTP, magic-link and password-reset templates, each with decoys (years, prices, order and phone numbers, tokens in
// URLs) that must not come out as codes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { extractCodes } from '../server/mail/codes.ts';
import { extractLinks, scanHtml } from '../server/mail/links.ts';
import { api, mailer, queuedId } from './helpers/api.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/codes/${name}.eml`, import.meta.url));

describe('Links and Codes on the message API', () => {
  let app: TestApp;
  let send: ReturnType<typeof mailer>;
  let client: ReturnType<typeof api>;
  before(async () => {
    app = await startTestApp();
    send = mailer(app.smtp.port);
    client = api(app.url);
  });
  after(() => app.dispose());

  const deliver = async (name: string) => {
    const info = await send({ envelope: { from: 'app@example.com', to: ['user@example.com'] }, raw: fixture(name) });
    const { status, body } = await client.get(`/api/v1/message/${queuedId(info.response)}`);
    assert.equal(status, 200);
    return body as { Links: Array<{ URL: string; Text: string }>; Codes: string[] };
  };

  const expectations: Array<{ name: string; codes: string[]; firstLink?: { URL: string; Text: string } }> = [
    { name: 'otp-table', codes: ['604218'] },
    { name: 'otp-span', codes: ['X7K9P2'] },
    { name: 'otp-spaced', codes: ['731904'] },
    { name: 'otp-plain', codes: ['4821'] },
    { name: 'magic-link', codes: [], firstLink: { URL: 'https://notely.test/auth/magic?token=839201ab77&email=eve%40example.com', Text: 'Sign in to Notely' } },
    { name: 'password-reset', codes: ['27395081'], firstLink: { URL: 'https://shop.test/reset?t=Zq81Lx', Text: 'Choose a new password' } },
  ];
  for (const { name, codes, firstLink } of expectations) {
    test(`${name}: codes ${JSON.stringify(codes)}`, async () => {
      const message = await deliver(name);
      assert.deepEqual(message.Codes, codes);
      if (firstLink) assert.deepEqual(message.Links[0], firstLink);
    });
  }

  test('links come in document order, each once, anchors before bare text URLs', async () => {
    const message = await deliver('magic-link');
    assert.deepEqual(
      message.Links.map((l) => l.URL),
      ['https://notely.test/auth/magic?token=839201ab77&email=eve%40example.com', 'https://notely.test/unsubscribe?u=42'],
    );
    assert.equal(message.Links[1]!.Text, 'Unsubscribe');
  });
});

describe('extractLinks', () => {
  test('anchor text includes nested tags and image alt text; fragments and javascript: are not links', () => {
    const html = '<a href="https://a.test/1"><img src="x.png" alt="Logo"> Home</a> <a href="#top">Top</a> <a href="javascript:alert(1)">x</a> <a href="mailto:help@a.test">Write <em>us</em></a>';
    assert.deepEqual(extractLinks(scanHtml(html), ''), [
      { URL: 'https://a.test/1', Text: 'Logo Home' },
      { URL: 'mailto:help@a.test', Text: 'Write us' },
    ]);
  });
  test('bare URLs in text lose trailing punctuation and brackets', () => {
    assert.deepEqual(
      extractLinks(scanHtml(''), 'Go to https://b.test/x?y=1. Or (https://b.test/z), or <https://b.test/w>!').map((l) => l.URL),
      ['https://b.test/x?y=1', 'https://b.test/z', 'https://b.test/w'],
    );
  });
});

describe('extractCodes', () => {
  const cases: Array<[string, string, string[]]> = [
    ['the keyword before the code wins over a number far away', 'Order 55512 shipped.\n\n'.repeat(20) + 'Your code: 482913', ['482913']],
    ['a code before its keyword still counts', '918273 is your verification code.', ['918273']],
    ['several codes: the nearest to its keyword first', 'Your login code is 111222. Backup codes: 333444', ['111222', '333444']],
    ['letter-spaced digits', 'Verification code\n7 3 1 9 0 4\n', ['731904']],
    ['no keyword, no code', 'Invoice 20261122 for 4500 units, call 555 0199', []],
    ['years, prices, times and phone numbers are not codes', 'Your code expires 2026-11-22 at 10:45. Total $1999. Call +1 415 555 0100. © 2026', []],
    ['words with a digit are not tokens', 'Your code works on Windows11 and iPhone15 too: K9QX72', ['K9QX72']],
  ];
  for (const [name, text, codes] of cases) test(name, () => assert.deepEqual(extractCodes('', text), codes));

  test('HTML-only codes in a table cell and a styled span', () => {
    assert.deepEqual(extractCodes(scanHtml('<table><tr><td>PIN</td><td><span style="font-size:30px">5567</span></td></tr></table>').text, ''), ['5567']);
  });
});

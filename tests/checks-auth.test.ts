// GET /api/v1/message/{ID}/auth-check: DKIM, SPF, DMARC and ARC through mailauth with DNS answered by
// --dns-overrides, on mail delivered over real SMTP (nodemailer signs it with a key made here), and the
// List-Unsubscribe one-click section.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import nodemailer from 'nodemailer';
import type { AuthReport } from '../server/checks/auth-check.ts';
import { authCheck } from '../server/checks/auth-check.ts';
import { dnsError, overridingResolver, parseDnsOverrides } from '../server/checks/dns-overrides.ts';
import { allIndexed, startTestApp, tempDir, type TestApp } from './helpers/app.ts';
import { api, queuedId } from './helpers/api.ts';
import { deliver, storedMessage } from './helpers/checks.ts';

describe('auth-check', () => {
  let app: TestApp;
  let http: ReturnType<typeof api>;
  let privateKey: string;
  let zone: Record<string, Record<string, string[]>>;

  before(async () => {
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    privateKey = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const publicKey = keys.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    zone = {
      'mc._domainkey.example.com': { TXT: [`v=DKIM1; k=rsa; p=${publicKey}`] },
      'example.com': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] },
      '_dmarc.example.com': { TXT: ['v=DMARC1; p=quarantine'] },
      'other.example': { TXT: ['v=spf1 ip4:192.0.2.1 -all'] },
      '_dmarc.other.example': { TXT: ['v=DMARC1; p=reject'] },
    };
    const file = join(tempDir('mailcove-dns-'), 'dns.json');
    writeFileSync(file, JSON.stringify(zone));
    app = await startTestApp(['--dns-overrides', file]);
    http = api(app.url);
  });
  after(() => app.dispose());

  async function sendSigned(subject: string): Promise<string> {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: app.smtp.port,
      tls: { rejectUnauthorized: false },
      dkim: { domainName: 'example.com', keySelector: 'mc', privateKey, headerFieldNames: 'from:to:subject:date:message-id:list-unsubscribe:list-unsubscribe-post' },
    });
    try {
      const info = await transport.sendMail({
        from: 'News <news@example.com>',
        to: 'reader@example.org',
        subject,
        text: 'This week in Mailcove.\n',
        headers: { 'List-Unsubscribe': '<https://example.com/unsubscribe?u=1>, <mailto:unsubscribe@example.com>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
        envelope: { from: 'bounce@example.com', to: ['reader@example.org'] },
      });
      await allIndexed();
      return queuedId(info.response);
    } finally {
      transport.close();
    }
  }

  const auth = async (id: string) => {
    const res = await http.get<AuthReport>(`/api/v1/message/${id}/auth-check`);
    assert.equal(res.status, 200, res.text);
    return res.body;
  };

  test('a message signed with a key published through --dns-overrides passes DKIM, SPF and DMARC', async () => {
    const id = await sendSigned('Weekly news');
    const report = await auth(id);
    assert.deepEqual(Object.keys(report), ['DKIM', 'SPF', 'DMARC', 'ARC', 'ListUnsubscribe']);
    assert.equal(report.DKIM.length, 1);
    assert.deepEqual({ ...report.DKIM[0], Info: undefined }, { Result: 'pass', Domain: 'example.com', Selector: 'mc', Info: undefined });
    assert.match(report.DKIM[0]!.Info, /^dkim=pass header\.i=@example\.com header\.s=mc/);
    // The SMTP client was 127.0.0.1, which example.com's SPF record lists.
    assert.equal(report.SPF.Result, 'pass');
    assert.match(report.SPF.Info, /designates 127\.0\.0\.1 as permitted sender/);
    assert.deepEqual({ Result: report.DMARC.Result, Policy: report.DMARC.Policy }, { Result: 'pass', Policy: 'quarantine' });
    assert.equal(report.ARC.Result, 'none');
    const lu = report.ListUnsubscribe;
    assert.deepEqual([lu.Present, lu.OneClick, lu.HTTPS, lu.DKIMSigned, lu.BulkSenderReady], [true, true, true, true, true]);
    assert.deepEqual(lu.Links, ['https://example.com/unsubscribe?u=1', 'mailto:unsubscribe@example.com']);

    const checks = app.checks;
    const computed = checks.cache.computations('auth-check');
    await auth(id);
    assert.equal(checks.cache.computations('auth-check'), computed, 'answered from the cache');
  });

  test('the same message with its body or a signed header changed does not pass DKIM', async () => {
    const id = await sendSigned('Tamper with me');
    const raw = (await http.raw(`/api/v1/message/${id}/raw`)).bytes.toString();
    assert.match(raw, /^DKIM-Signature:/m);
    const envelope = { from: 'bounce@example.com', to: ['reader@example.org'] };

    const body = await auth(await deliver(app.smtp.port, raw.replace('This week in Mailcove.', 'This week in Mallcove.'), envelope));
    // mailauth reports a body that no longer matches the signed hash as "neutral", with the reason.
    assert.equal(body.DKIM[0]!.Result, 'neutral');
    assert.match(body.DKIM[0]!.Info, /body hash did not verify/);

    const header = await auth(await deliver(app.smtp.port, raw.replace('Subject: Tamper with me', 'Subject: Tampered with'), envelope));
    assert.equal(header.DKIM[0]!.Result, 'fail');
    assert.equal(header.ListUnsubscribe.DKIMSigned, false);
    assert.equal(header.ListUnsubscribe.BulkSenderReady, false);
  });

  test('SPF fails when the sender domain does not list the client; DMARC fails and reports its policy', async () => {
    const raw = 'From: Shop <shop@other.example>\r\nTo: user@example.org\r\nSubject: Order\r\nDate: Mon, 15 Jan 2024 10:30:00 +0000\r\nMessage-ID: <order@other.example>\r\n\r\nThanks.\r\n';
    const report = await auth(await deliver(app.smtp.port, raw, { from: 'bounce@other.example', to: ['user@example.org'] }));
    assert.equal(report.SPF.Result, 'fail');
    assert.match(report.SPF.Info, /does not designate 127\.0\.0\.1/);
    assert.deepEqual(report.DKIM.map((d) => d.Result), ['none']);
    assert.deepEqual({ Result: report.DMARC.Result, Policy: report.DMARC.Policy }, { Result: 'fail', Policy: 'reject' });
    const lu = report.ListUnsubscribe;
    assert.equal(lu.Present, false);
    assert.equal(lu.BulkSenderReady, false);
    assert.match(lu.Info, /no List-Unsubscribe header/);
  });

  test('lookups are answered from the overrides; only names not in them reach the fallback resolver', async () => {
    const id = await sendSigned('Resolver');
    const asked: string[] = [];
    const resolver = overridingResolver(parseDnsOverrides(JSON.stringify(zone)), async (name, type) => {
      asked.push(`${name} ${type}`);
      throw dnsError('ENOTFOUND', `${name} not found`);
    });
    const report = await authCheck(await storedMessage(app.store, id), resolver);
    assert.equal(report.DKIM[0]!.Result, 'pass');
    assert.deepEqual(asked, [], 'every lookup of this message was in the overrides');

    await assert.rejects(resolver('example.com', 'MX'), (err: NodeJS.ErrnoException) => err.code === 'ENODATA', 'a name in the file is authoritative');
    await assert.rejects(resolver('elsewhere.example', 'TXT'), /not found/);
    assert.deepEqual(asked, ['elsewhere.example TXT']);
    assert.deepEqual(await resolver('EXAMPLE.COM.', 'TXT'), [['v=spf1 ip4:127.0.0.1 -all']]);
  });
});

test('--dns-overrides files are validated with one clear line', () => {
  const zone = parseDnsOverrides(JSON.stringify({ 'Example.COM.': { txt: 'v=spf1 -all', A: ['192.0.2.1'], MX: ['10 mx.example.com', { exchange: 'mx2.example.com', priority: 20 }] } }));
  assert.deepEqual(zone.get('example.com'), { TXT: [['v=spf1 -all']], A: ['192.0.2.1'], MX: [{ priority: 10, exchange: 'mx.example.com' }, { exchange: 'mx2.example.com', priority: 20 }] });
  const cases: Array<[string, RegExp]> = [
    ['{', /not valid JSON/],
    ['[]', /expected a JSON object/],
    ['{"bad name!": {"TXT": ["x"]}}', /"bad name!" is not a DNS name/],
    ['{"example.com": ["v=spf1"]}', /must map to an object of record types/],
    ['{"example.com": {"SRV": ["x"]}}', /record type "SRV" is not one of/],
    ['{"example.com": {"A": ["300.1.1.1"]}}', /"example.com" A: "300.1.1.1" is not an IPv4 address/],
    ['{"example.com": {"TXT": [42]}}', /"example.com" TXT: 42 must be a string/],
    ['{"example.com": {"MX": ["ten mx"]}}', /"example.com" MX: "ten mx" must be/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseDnsOverrides(text), (err: Error) => message.test(err.message) && !err.message.includes('\n'), text);
  }
});

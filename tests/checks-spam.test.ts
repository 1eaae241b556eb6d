// GET /api/v1/message/{ID}/sa-check: the built-in rules on fixtures with known answers, and a real spamd over
// SPAMC/1.5 when --spamassassin is set (GTUBE scores at least 1000, a clean message under 2).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SPAM_RULES, spamRulesCheck, type SpamReport } from '../server/checks/spam-rules.ts';
import { parseReport, spamassassinCheck } from '../server/checks/spamassassin.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { api } from './helpers/api.ts';
import { deliver, fixture, storedMessage } from './helpers/checks.ts';
import { startSpamd, type Spamd } from './helpers/spamd.ts';

const EXPECTED: Record<string, string[]> = {
  'clean.eml': [],
  'gtube.eml': ['GTUBE'],
  'attachment.eml': ['SUSPICIOUS_ATTACHMENT', 'TEXT_BASE64_UNNEEDED'],
  'shouting.eml': ['MISSING_SUBJECT', 'MISSING_TO', 'DATE_IN_FUTURE', 'MIME_NO_VERSION', 'BODY_ALL_CAPS', 'MONEY_PHRASES'],
  'empty.eml': ['MISSING_FROM', 'EMPTY_BODY'],
  'spam.eml': [
    'MISSING_DATE',
    'MISSING_MID',
    'MIME_HTML_ONLY',
    'HTML_IMAGE_RATIO',
    'SUBJ_ALL_CAPS',
    'SUBJ_EXCLAIM',
    'BODY_EXCLAIM',
    'MONEY_PHRASES_MANY',
    'URL_SHORTENER',
    'IP_ADDRESS_LINK',
    'LINK_TEXT_MISMATCH',
    'FROM_REPLYTO_DIFFER',
    'FROM_NAME_SPOOF',
    'BULK_NO_UNSUBSCRIBE',
  ],
};

describe('sa-check with the built-in rules', () => {
  let app: TestApp;
  const ids = new Map<string, string>();
  before(async () => {
    app = await startTestApp();
    for (const name of Object.keys(EXPECTED)) ids.set(name, await deliver(app.smtp.port, fixture(name)));
  });
  after(() => app.dispose());

  test('each fixture matches exactly the rules it was written for, and every rule has a fixture', async () => {
    const fired = new Set<string>();
    for (const [name, rules] of Object.entries(EXPECTED)) {
      const report = await spamRulesCheck(await storedMessage(app.store, ids.get(name)!));
      assert.deepEqual(report.Rules.map((r) => r.Name), rules, name);
      const points = SPAM_RULES.filter((r) => rules.includes(r.name)).reduce((sum, r) => sum + r.points, 0);
      assert.equal(report.Score, Math.floor(points * 10 + 1e-9) / 10, name);
      for (const r of rules) fired.add(r);
    }
    assert.deepEqual(SPAM_RULES.map((r) => r.name).filter((r) => !fired.has(r)), []);
  });

  test('the README documents every rule with its points', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const rule of SPAM_RULES) {
      const row = new RegExp(`^\\| \`${rule.name}\` \\| ([\\d.]+) \\|`, 'm').exec(readme);
      assert.ok(row, `README lacks ${rule.name}`);
      assert.equal(Number(row[1]), rule.points, rule.name);
    }
  });

  test('obvious spam scores far above clean mail', async () => {
    const http = api(app.url);
    const get = async (name: string) => (await http.get<SpamReport>(`/api/v1/message/${ids.get(name)}/sa-check`)).body;
    const clean = await get('clean.eml');
    assert.deepEqual(clean, { IsSpam: false, Error: '', Score: 0, Rules: [], Engine: 'builtin', Threshold: 5 });
    const spam = await get('spam.eml');
    assert.equal(spam.Engine, 'builtin');
    assert.ok(spam.IsSpam && spam.Score >= 15, `spam scored ${spam.Score}`);
    const gtube = await get('gtube.eml');
    assert.ok(gtube.Score >= 1000);
    assert.deepEqual(Object.keys(spam.Rules[0]!), ['Score', 'Name', 'Description']);
    assert.equal((await get('attachment.eml')).IsSpam, false, 'two mild rules stay under the threshold');
  });

  test('mail that will not parse still gets a report, and an embedded message counts as one part', async () => {
    const http = api(app.url);
    const head = 'From: a@example.com\r\nTo: b@example.com\r\nSubject: odd\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <odd@example.com>\r\nMIME-Version: 1.0\r\n';
    // More parts than mailsplit (and so mailparser) accepts: stored with a ParseError, scored on what was split.
    const parts = Array.from({ length: 1100 }, (_, i) => `--b\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`).join('');
    const many = await deliver(app.smtp.port, `${head}Content-Type: multipart/mixed; boundary="b"\r\n\r\n${parts}--b--\r\n`);
    assert.ok(app.store.get(many)?.ParseError, 'mailparser refuses it');
    const report = await http.get<SpamReport>(`/api/v1/message/${many}/sa-check`);
    assert.equal(report.status, 200);
    assert.equal(report.body.Engine, 'builtin');
    assert.equal(report.body.Error, '');
    // HTML only, forwarding inline a message whose text is needlessly base64: the inner part is not the outer's.
    const inner = 'Subject: inner\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n' + Buffer.from('plain ascii text\r\n').toString('base64') + '\r\n';
    const forwarded = await deliver(
      app.smtp.port,
      `${head}Content-Type: multipart/mixed; boundary="o"\r\n\r\n--o\r\nContent-Type: text/html\r\n\r\n<p>${'Forwarded below. '.repeat(20)}</p>\r\n` +
        `--o\r\nContent-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n${inner}--o--\r\n`,
    );
    const rules = (await http.get<SpamReport>(`/api/v1/message/${forwarded}/sa-check`)).body.Rules.map((r) => r.Name);
    assert.ok(rules.includes('MIME_HTML_ONLY'), rules.join());
    assert.ok(!rules.includes('TEXT_BASE64_UNNEEDED'), rules.join());
  });

  test('is computed once per message', async () => {
    const http = api(app.url);
    const id = await deliver(app.smtp.port, fixture('spam.eml'));
    const checks = app.checks;
    const before = checks.cache.computations('sa-check');
    await Promise.all([http.get(`/api/v1/message/${id}/sa-check`), http.get(`/api/v1/message/${id}/sa-check`)]);
    await http.get(`/api/v1/message/${id}/sa-check`);
    assert.equal(checks.cache.computations('sa-check'), before + 1);
  });
});

describe('sa-check with SpamAssassin', () => {
  let spamd: Spamd;
  let app: TestApp;
  before(async () => {
    spamd = await startSpamd();
    app = await startTestApp(['--spamassassin', `${spamd.host}:${spamd.port}`]);
  });
  after(async () => {
    await app?.dispose();
    await spamd?.stop();
  });

  test('/api/v1/webui reports SpamAssassin as enabled', async () => {
    assert.equal((await api(app.url).get('/api/v1/webui')).body.SpamAssassin, true);
  });

  test('spamd scores GTUBE at least 1000 and a clean message under 2', async () => {
    const gtube = await spamassassinCheck(fixture('gtube.eml'), spamd);
    assert.equal(gtube.Engine, 'spamassassin');
    assert.ok(gtube.Score >= 1000 && gtube.IsSpam, `GTUBE scored ${gtube.Score}`);
    assert.ok(gtube.Rules.some((r) => r.Name === 'GTUBE' && r.Score >= 1000 && /Generic Test/.test(r.Description)));
    const clean = await spamassassinCheck(fixture('clean.eml'), spamd);
    assert.ok(clean.Score < 2 && !clean.IsSpam, `clean scored ${clean.Score}`);
    assert.equal(clean.Threshold, 5);
  });

  test('the endpoint answers with spamd\'s report and says so', async () => {
    const http = api(app.url);
    const id = await deliver(app.smtp.port, fixture('gtube.eml'));
    const res = await http.get<SpamReport>(`/api/v1/message/${id}/sa-check`);
    assert.equal(res.status, 200);
    assert.equal(res.body.Engine, 'spamassassin');
    assert.equal(res.body.Error, '');
    assert.ok(res.body.Score >= 1000);
  });
});

describe('spamd failures', () => {
  let silent: Server;
  let port: number;
  const sockets = new Set<Socket>();
  before(async () => {
    // Accepts connections and never answers.
    silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    port = (silent.address() as { port: number }).port;
  });
  after(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  test('a spamd that does not answer times out', async () => {
    const started = Date.now();
    await assert.rejects(spamassassinCheck(fixture('clean.eml'), { host: '127.0.0.1', port }, 200), /did not answer within 200 ms/);
    assert.ok(Date.now() - started < 2000);
  });

  test('an unreachable spamd is reported in Error, not cached, and tried again next time', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const app = await startTestApp(['--spamassassin', `127.0.0.1:${deadPort}`]);
    try {
      const http = api(app.url);
      const id = await deliver(app.smtp.port, fixture('clean.eml'));
      const first = await http.get<SpamReport>(`/api/v1/message/${id}/sa-check`);
      assert.equal(first.status, 200);
      assert.equal(first.body.Engine, 'spamassassin');
      assert.match(first.body.Error, /ECONNREFUSED|refused/);
      assert.equal(first.body.Score, 0);
      await http.get(`/api/v1/message/${id}/sa-check`);
      assert.equal(app.checks.cache.computations('sa-check'), 2);
    } finally {
      await app.dispose();
    }
  });

  test('report lines that wrap are joined, and an error status is an error', () => {
    const report = parseReport(
      [
        'SPAMD/1.1 0 EX_OK',
        'Content-length: 300',
        'Spam: False ; 1.2 / 5.0',
        '',
        'Content analysis details:   (1.2 points, 5.0 required)',
        '',
        ' pts rule name              description',
        '---- ---------------------- --------------------------------------------------',
        ' 1.2 MISSING_DATE           Missing Date: header and a description that goes',
        '                            on to a second line',
        '-0.0 NO_RELAYS              Informational: message was not relayed via SMTP',
        '',
      ].join('\r\n'),
    );
    assert.deepEqual(report.Rules, [
      { Score: 1.2, Name: 'MISSING_DATE', Description: 'Missing Date: header and a description that goes on to a second line' },
      { Score: 0, Name: 'NO_RELAYS', Description: 'Informational: message was not relayed via SMTP' },
    ]);
    assert.equal(report.Score, 1.2);
    assert.throws(() => parseReport('SPAMD/1.0 76 Bad header line: x\r\n\r\n'), /spamd: 76 Bad header line/);
  });
});

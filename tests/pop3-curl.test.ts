// POP3 with curl: listing and retrieving over plain POP3, over STLS (--ssl-reqd), and over POP3S against
// --pop3-require-tls, with each of curl's login methods (SASL PLAIN, APOP).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LiveEvent } from '../server/events/hub.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { api, mailer, queuedId } from './helpers/api.ts';
import { Pop3Client } from './helpers/pop3-client.ts';
import { curl, requireTool } from './helpers/pop3-tools.ts';

test('curl is installed', () => requireTool('curl', 'curl'));

async function fill(app: TestApp, inbox: string, subjects: string[]): Promise<string[]> {
  const send = mailer(app.smtp.port, { user: inbox, pass: 'x' });
  const ids: string[] = [];
  for (const subject of subjects) ids.push(queuedId((await send({ subject, text: `${subject}\n.a dotted line\nend` })).response));
  return ids;
}

describe('POP3 with curl', () => {
  let app: TestApp;
  let ids: string[];
  let url: string;
  before(async () => {
    app = await startTestApp();
    ids = await fill(app, 'curly', ['first', 'second']);
    url = `pop3://127.0.0.1:${app.pop3.port}`;
  });
  after(() => app.dispose());

  test('pop3:// lists the inbox and pop3://…/N retrieves the stored bytes', async () => {
    const list = await curl('--user', 'curly:pw', `${url}/`);
    const sizes = ids.map((id) => app.store.get(id)!.Size);
    assert.equal(list.stdout.toString(), `1 ${sizes[0]}\r\n2 ${sizes[1]}\r\n`);
    const message = await curl('--user', 'curly:pw', `${url}/2`);
    const raw = (await api(app.url).raw(`/api/v1/message/${ids[1]}/raw`)).bytes;
    assert.ok(raw.includes('\r\n.a dotted line\r\n'));
    assert.deepEqual(message.stdout, raw);
  });

  test('curl logs in with SASL PLAIN by default and with APOP when asked', async () => {
    const sasl = await curl('--verbose', '--user', 'curly:pw', `${url}/`);
    assert.match(sasl.stderr, /> AUTH PLAIN\r?\n/);
    const apop = await curl('--verbose', '--login-options', 'AUTH=+APOP', '--user', 'curly:pw', `${url}/1`);
    assert.match(apop.stderr, /> APOP curly [0-9a-f]{32}/);
    assert.ok(apop.stdout.includes('Subject: first'));
  });

  test('--ssl-reqd upgrades with STLS first', async () => {
    const tls = await curl('--verbose', '--ssl-reqd', '--insecure', '--user', 'curly:pw', `${url}/1`);
    assert.match(tls.stderr, /> STLS/);
    assert.deepEqual(tls.stdout, (await api(app.url).raw(`/api/v1/message/${ids[0]}/raw`)).bytes);
  });
});

describe('POP3S with --pop3-require-tls', () => {
  let app: TestApp;
  let ids: string[];
  before(async () => {
    app = await startTestApp(['--pop3-require-tls']);
    ids = await fill(app, 'secure', ['over tls']);
  });
  after(() => app.dispose());

  test('curl --insecure pop3s:// lists and retrieves; CAPA offers no STLS', async () => {
    const base = `pop3s://127.0.0.1:${app.pop3.port}`;
    const list = await curl('--insecure', '--user', 'secure:pw', `${base}/`);
    assert.equal(list.stdout.toString(), `1 ${app.store.get(ids[0]!)!.Size}\r\n`);
    const message = await curl('--insecure', '--user', 'secure:pw', `${base}/1`);
    assert.deepEqual(message.stdout, (await api(app.url).raw(`/api/v1/message/${ids[0]}/raw`)).bytes);
    const capa = await curl('--insecure', '--user', 'secure:pw', '--request', 'CAPA', `${base}/`);
    assert.ok(capa.stdout.toString().includes('SASL PLAIN') && !capa.stdout.toString().includes('STLS'));
  });

  test('a plaintext client is cut off, and the failed handshake is reported as a pop3 error event', async () => {
    const errors: LiveEvent[] = [];
    const unsubscribe = app.hub.subscribe((e) => e.Type === 'error' && errors.push(e));
    const plain = await Pop3Client.connect(app.pop3.port);
    plain.write('CAPA\r\n');
    await plain.closedByServer();
    await assert.rejects(plain.line(100), /closed/, 'nothing readable came back');
    unsubscribe();
    assert.ok(errors.some((e) => e.Type === 'error' && e.Data.Type === 'pop3' && /POP3S handshake failed/.test(e.Data.Message)), JSON.stringify(errors));
  });
});

// POP3 with Python's poplib as the client: every login form, the maildrop each login name opens, RETR and TOP
// byte for byte against the REST API's /raw, and the DELE / RSET / QUIT / dropped-connection semantics.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LiveEvent } from '../server/events/hub.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { api, mailer, queuedId } from './helpers/api.ts';
import { Pop3Client } from './helpers/pop3-client.ts';
import { messageBytes, ok, poplib, poplibAvailable, type Listing } from './helpers/python-pop3.ts';

test('python3 with poplib is installed (run .ci/run or apt-get install python3)', () => {
  assert.ok(poplibAvailable(), 'python3 with poplib and ssl is required by these tests');
});

/** Sends over real SMTP; the AUTH username picks the inbox. Returns the stored ID. */
async function send(app: TestApp, inbox: string | null, subject: string, text = `body of ${subject}`): Promise<string> {
  const transport = mailer(app.smtp.port, inbox === null ? undefined : { user: inbox, pass: 'any' });
  return queuedId((await transport({ subject, text })).response);
}

async function rawFromApi(app: TestApp, id: string): Promise<Buffer> {
  const res = await api(app.url).raw(`/api/v1/message/${id}/raw`);
  assert.equal(res.status, 200);
  return res.bytes;
}

describe('POP3 with poplib', () => {
  let app: TestApp;
  let port: number;
  let alice: string[];
  let bob: string;
  let anonymous: string;
  before(async () => {
    app = await startTestApp();
    port = app.pop3.port;
    // Lines that start with dots must come back dot-stuffed on the wire and intact after poplib undoes it.
    alice = [
      await send(app, 'alice', 'alice one', 'first line\n.starts with a dot\n..two dots\n.\nlast line'),
      await send(app, 'alice', 'alice two', 'line 1\nline 2\nline 3\nline 4'),
    ];
    bob = await send(app, 'bob', 'bob only');
    anonymous = await send(app, null, 'no login');
  });
  after(() => app.dispose());

  test('USER/PASS: the login name picks the inbox, in arrival order, with sizes and UIDLs from the store', async () => {
    const r = await poplib(port, [['user', 'alice'], ['pass', 'anything'], ['stat'], ['list'], ['uidl'], ['list', 2], ['uidl', 1], ['quit']]);
    assert.match(ok(r[0]), /^\+OK .*<[^>]+@mailcove>$/, 'the greeting carries an APOP timestamp');
    const sizes = alice.map((id) => app.store.get(id)!.Size);
    assert.deepEqual(ok(r[3]), [2, sizes[0]! + sizes[1]!]);
    assert.deepEqual((ok(r[4]) as Listing).lines, [`1 ${sizes[0]}`, `2 ${sizes[1]}`]);
    assert.deepEqual((ok(r[5]) as Listing).lines, [`1 ${alice[0]}`, `2 ${alice[1]}`]);
    assert.equal(ok(r[6]), `+OK 2 ${sizes[1]}`);
    assert.equal(ok(r[7]), `+OK 1 ${alice[0]}`);

    const b = await poplib(port, [['user', 'BOB'], ['pass', 'x'], ['uidl'], ['quit']]);
    assert.deepEqual((ok(b[3]) as Listing).lines, [`1 ${bob}`], 'inbox names match case-insensitively, as inbox: search does');
    const d = await poplib(port, [['user', 'default'], ['pass', 'x'], ['uidl'], ['quit']]);
    assert.deepEqual((ok(d[3]) as Listing).lines, [`1 ${anonymous}`]);
  });

  test('the name * sees every inbox; UIDLs are the same in every session', async () => {
    const all = app.store.list({ limit: Infinity }).messages.map((m) => m.ID).reverse();
    const first = await poplib(port, [['user', '*'], ['pass', 'x'], ['uidl'], ['quit']]);
    const second = await poplib(port, [['apop', '*', 'secret'], ['uidl'], ['quit']]);
    const ids = (result: any) => (result as Listing).lines.map((l) => l.split(' ')[1]);
    assert.deepEqual(ids(ok(first[3])), all);
    assert.deepEqual(ids(ok(second[2])), all);
    assert.ok(all.includes(bob) && all.includes(anonymous) && all.includes(alice[0]!));
  });

  test('RETR sends the stored bytes exactly, dot-stuffed on the wire, and marks the message read; TOP does not', async () => {
    assert.equal(app.store.get(alice[0]!)!.Read, false);
    const r = await poplib(port, [['user', 'alice'], ['pass', 'x'], ['top', 1, 0], ['retr', 1], ['quit']]);
    const raw = await rawFromApi(app, alice[0]!);
    assert.ok(raw.includes('\r\n.starts with a dot\r\n..two dots\r\n.\r\n'), 'the fixture has dot lines');
    assert.deepEqual(messageBytes(r[4]), raw);
    assert.equal((ok(r[4]) as Listing).status, `+OK ${raw.length} octets`);
    assert.equal(app.store.get(alice[0]!)!.Read, true);
    const readAfterTop = await poplib(port, [['user', 'alice'], ['pass', 'x'], ['top', 2, 1], ['quit']]);
    assert.ok(messageBytes(readAfterTop[3]).length > 0);
    assert.equal(app.store.get(alice[1]!)!.Read, false, 'TOP is a peek');
  });

  test('TOP n m: the headers, the blank line and m body lines', async () => {
    const raw = (await rawFromApi(app, alice[1]!)).toString('latin1');
    const headerEnd = raw.indexOf('\r\n\r\n') + 4;
    const bodyLines = raw.slice(headerEnd).split('\r\n');
    const r = await poplib(port, [['user', 'alice'], ['pass', 'x'], ['top', 2, 0], ['top', 2, 2], ['top', 2, 1000], ['top', 9, 1], ['quit']]);
    assert.equal(messageBytes(r[3]).toString('latin1'), raw.slice(0, headerEnd));
    assert.equal(messageBytes(r[4]).toString('latin1'), raw.slice(0, headerEnd) + bodyLines.slice(0, 2).join('\r\n') + '\r\n');
    assert.equal(messageBytes(r[5]).toString('latin1'), raw);
    assert.match((r[6] as { error: string }).error, /^-ERR no such message/);
  });

  test('APOP, STLS and AUTH PLAIN (initial response and continuation) all open the inbox', async () => {
    const apop = await poplib(port, [['apop', 'alice', 'any secret works without credentials'], ['stat'], ['quit']]);
    assert.equal(ok(apop[2])[0], 2);

    const tls = await poplib(port, [['capa'], ['stls'], ['capa'], ['user', 'alice'], ['pass', 'x'], ['retr', 1], ['quit']]);
    assert.ok('STLS' in ok(tls[1]), 'STLS is offered before TLS');
    assert.equal(ok(tls[2]), '+OK begin TLS negotiation');
    assert.ok(!('STLS' in ok(tls[3])), 'and not once TLS is on');
    assert.deepEqual(ok(tls[3]).SASL, ['PLAIN']);
    assert.deepEqual(messageBytes(tls[6]), await rawFromApi(app, alice[0]!));

    const initial = await poplib(port, [['auth_plain', 'bob', 'pw', 'initial'], ['uidl'], ['quit']]);
    assert.deepEqual((ok(initial[2]) as Listing).lines, [`1 ${bob}`]);
    const continued = await poplib(port, [['auth_plain', 'alice', 'pw', 'continuation'], ['stat'], ['quit']]);
    assert.equal(ok(continued[2])[0], 2);
  });

  test('CAPA lists the RFC 2449 capabilities, with EXPIRE NEVER when messages never expire by age', async () => {
    const capa = ok((await poplib(port, [['capa'], ['quit']]))[1]);
    for (const name of ['TOP', 'UIDL', 'USER', 'SASL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING', 'STLS', 'EXPIRE', 'IMPLEMENTATION']) {
      assert.ok(name in capa, `CAPA lacks ${name}`);
    }
    assert.deepEqual(capa.EXPIRE, ['NEVER']);
    assert.match(capa.IMPLEMENTATION[0], /^Mailcove-\d+\.\d+\.\d+$/);
  });

  test('DELE + QUIT removes from the store (API 404, websocket delete event); RSET and a dropped connection remove nothing', async () => {
    const ids = [await send(app, 'carol', 'c1'), await send(app, 'carol', 'c2'), await send(app, 'carol', 'c3')];
    const deleted: string[][] = [];
    const unsubscribe = app.hub.subscribe((e: LiveEvent) => e.Type === 'delete' && deleted.push(e.Data.IDs));

    const dropped = await poplib(port, [['user', 'carol'], ['pass', 'x'], ['dele', 1], ['drop']]);
    assert.equal(ok(dropped[3]), '+OK message 1 deleted');
    const reset = await poplib(port, [['user', 'carol'], ['pass', 'x'], ['dele', 1], ['dele', 2], ['stat'], ['rset'], ['stat'], ['quit']]);
    assert.equal(ok(reset[5])[0], 1, 'marked messages leave STAT');
    assert.equal(ok(reset[7])[0], 3, 'RSET brings them back');
    for (const id of ids) assert.ok(app.store.get(id), `${id} survived the dropped connection and RSET`);
    assert.deepEqual(deleted, []);

    const quit = await poplib(port, [['user', 'carol'], ['pass', 'x'], ['dele', 1], ['dele', 3], ['retr', 1], ['list'], ['quit']]);
    assert.match((quit[5] as { error: string }).error, /^-ERR no such message/, 'a message marked deleted cannot be read');
    assert.deepEqual((ok(quit[6]) as Listing).lines, [`2 ${app.store.get(ids[1]!)!.Size}`]);
    assert.equal(ok(quit[7]), '+OK signing off (2 messages deleted)');
    assert.equal((await api(app.url).raw(`/api/v1/message/${ids[0]}/raw`)).status, 404);
    assert.equal((await api(app.url).raw(`/api/v1/message/${ids[2]}/raw`)).status, 404);
    assert.ok(app.store.get(ids[1]!));
    assert.deepEqual(deleted, [[ids[0], ids[2]]]);
    unsubscribe();
  });

  test('a message deleted elsewhere mid-session answers RETR with -ERR, and QUIT still succeeds', async () => {
    const ids = [await send(app, 'dave', 'd1'), await send(app, 'dave', 'd2')];
    // A raw client, so the API deletion lands exactly between login and RETR.
    const client = await Pop3Client.connect(port);
    assert.match(await client.login('dave'), /^\+OK inbox dave has 2 messages/);
    assert.equal((await api(app.url).delete('/api/v1/messages', { IDs: [ids[0]] })).status, 200);
    assert.match(await client.command('STAT'), /^\+OK 2 /, 'the session keeps its numbering');
    assert.match(await client.command('RETR 1'), /^-ERR no such message: it was deleted/);
    assert.match(await client.command('TOP 1 0'), /^-ERR no such message/);
    assert.equal(await client.command('DELE 1'), '+OK message 1 deleted');
    assert.equal(await client.command('DELE 2'), '+OK message 2 deleted');
    assert.equal(await client.command('QUIT'), '+OK signing off (1 messages deleted)');
    await client.closedByServer();
    assert.equal(app.store.get(ids[1]!), undefined);
  });
});

describe('POP3 with --pop3-keep and --max-age', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp(['--pop3-keep', '--max-age', '3d']);
  });
  after(() => app.dispose());

  test('DELE + QUIT leaves the messages in the store; EXPIRE follows --max-age in days', async () => {
    const id = await send(app, 'keeper', 'kept');
    const r = await poplib(app.pop3.port, [['capa'], ['user', 'keeper'], ['pass', 'x'], ['dele', 1], ['quit']]);
    assert.deepEqual(ok(r[1]).EXPIRE, ['3']);
    assert.match(ok(r[5]), /^\+OK .*--pop3-keep/);
    assert.ok(app.store.get(id));
    const again = await poplib(app.pop3.port, [['user', 'keeper'], ['pass', 'x'], ['uidl'], ['quit']]);
    assert.deepEqual((ok(again[3]) as Listing).lines, [`1 ${id}`]);
  });
});

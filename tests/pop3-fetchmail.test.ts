// A full mail client against the POP3 server: fetchmail upgrades with STLS (verifying Mailcove's certificate),
// downloads an inbox through an MDA and deletes it; with `keep` it leaves mail on the server and uses UIDL to fetch
// only what it has not seen.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestApp, tempDir, type TestApp } from './helpers/app.ts';
import { mailer, queuedId } from './helpers/api.ts';
import { fetchmail, requireTool, type FetchmailOptions } from './helpers/pop3-tools.ts';

test('fetchmail is installed', () => requireTool('fetchmail', 'fetchmail'));

/** What fetchmail hands its MDA: its own Received header, then the message with LF line endings. */
function withoutFetchmailHeader(delivered: Buffer): string {
  const text = delivered.toString('latin1');
  assert.match(text, /^Received: from 127\.0\.0\.1 .*\n\tby .* with POP3 \(fetchmail-[\d.]+\)\n\tfor .*\n/);
  return text.replace(/^Received: .*\n(\t.*\n)*/, '');
}

describe('POP3 with fetchmail', () => {
  let app: TestApp;
  let options: Omit<FetchmailOptions, 'user' | 'keep' | 'dir'>;
  /** fetchmail's homes: its run-control file, UIDL memory and delivered mail. */
  const homes: string[] = [];
  const home = () => homes[homes.push(tempDir('mailcove-fetchmail-')) - 1]!;
  before(async () => {
    app = await startTestApp();
    options = { port: app.pop3.port, password: 'any', certFile: join(app.dataDir, 'tls', 'self-signed-cert.pem') };
  });
  after(async () => {
    await app.dispose();
    for (const dir of homes) rmSync(dir, { recursive: true, force: true });
  });

  async function send(inbox: string, subject: string): Promise<string> {
    return queuedId((await mailer(app.smtp.port, { user: inbox, pass: 'x' })({ subject, text: `${subject}\n.dotted\nend` })).response);
  }

  test('downloads a whole inbox over STLS, byte for byte, and deletes it from the server', async () => {
    const ids = [await send('fetch-me', 'fm 1'), await send('fetch-me', 'fm 2'), await send('fetch-me', 'fm 3')];
    const other = await send('someone-else', 'not mine');
    const raws = await Promise.all(ids.map((id) => app.store.readRaw(id)));
    const result = await fetchmail({ ...options, user: 'fetch-me', keep: false, dir: home() });
    assert.equal(result.code, 0, result.log);
    assert.match(result.log, /upgrade to TLS succeeded/);
    assert.match(result.log, /3 messages for fetch-me/);
    assert.equal(result.delivered.length, 3);
    for (const [i, id] of ids.entries()) {
      assert.equal(withoutFetchmailHeader(result.delivered[i]!), raws[i]!.toString('latin1').replace(/\r\n/g, '\n'));
      assert.equal(app.store.get(id), undefined, `${id} was deleted at fetchmail's QUIT`);
    }
    assert.ok(app.store.get(other), 'another inbox is untouched');
  });

  test('with keep it leaves mail on the server and, by UIDL, fetches only new messages next time', async () => {
    const dir = home();
    const first = await send('keeper', 'kept 1');
    const raw = await app.store.readRaw(first);
    const run1 = await fetchmail({ ...options, user: 'keeper', keep: true, dir });
    assert.equal(run1.code, 0, run1.log);
    assert.equal(run1.delivered.length, 1);
    assert.equal(withoutFetchmailHeader(run1.delivered[0]!), raw.toString('latin1').replace(/\r\n/g, '\n'));
    assert.ok(app.store.get(first));

    const second = await send('keeper', 'kept 2');
    const run2 = await fetchmail({ ...options, user: 'keeper', keep: true, dir });
    assert.equal(run2.code, 0, run2.log);
    assert.equal(run2.delivered.length, 2, 'only the new message was fetched');
    assert.match(withoutFetchmailHeader(run2.delivered[1]!), /Subject: kept 2\n/, run2.log);
    assert.ok(app.store.get(first) && app.store.get(second));
  });
});

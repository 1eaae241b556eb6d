// --inbox-auth-file: a listed inbox needs its password at every door, and its mail is visible only to a login as
// that inbox (or an admin from --ui-auth-file). Unlisted names keep the sandbox's accept-any.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import nodemailer from 'nodemailer';
import WebSocket from 'ws';
import { api, mailer, queuedId } from './helpers/api.ts';
import { allIndexed, startTestApp, tempDir, type TestApp } from './helpers/app.ts';
import { Pop3Client } from './helpers/pop3-client.ts';

describe('per-inbox credentials', () => {
  let app: TestApp;
  let dir: string;
  const ids: Record<string, string> = {};
  before(async () => {
    dir = tempDir('mailcove-inbox-auth-');
    writeFileSync(join(dir, 'inboxes'), `team-a:alpha-pass\nteam-b:{SHA}${createHash('sha1').update('bravo-pass').digest('base64')}\n`);
    writeFileSync(join(dir, 'admins'), 'admin:root-pass\n');
    app = await startTestApp(['--inbox-auth-file', join(dir, 'inboxes'), '--ui-auth-file', join(dir, 'admins')]);
    ids.a = queuedId((await mailer(app.smtp.port, { user: 'team-a', pass: 'alpha-pass' })({ subject: 'for team a' })).response);
    ids.b = queuedId((await mailer(app.smtp.port, { user: 'team-b', pass: 'bravo-pass' })({ subject: 'for team b' })).response);
  });
  after(async () => {
    await app.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test('SMTP AUTH: a listed inbox needs its password (535 otherwise); CRAM-MD5 works with a plain entry', async () => {
    await assert.rejects(mailer(app.smtp.port, { user: 'team-a', pass: 'wrong' })({ subject: 'x' }), (err: Error & { responseCode?: number }) => err.responseCode === 535);
    await assert.rejects(mailer(app.smtp.port, { user: 'TEAM-B', pass: 'alpha-pass' })({ subject: 'x' }), (err: Error & { responseCode?: number }) => err.responseCode === 535);
    const cram = nodemailer.createTransport({ host: '127.0.0.1', port: app.smtp.port, tls: { rejectUnauthorized: false }, auth: { user: 'team-a', pass: 'alpha-pass' }, authMethod: 'CRAM-MD5' });
    const info = await cram.sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 'cram' });
    await allIndexed();
    assert.equal(app.store.get(queuedId(info.response))?.Inbox, 'team-a');
  });

  test('HTTP: an inbox login sees only its inbox; everything else is 404', async () => {
    const teamA = api(app.url, { user: 'team-a', password: 'alpha-pass' });
    const list = await teamA.get('/api/v1/messages');
    assert.equal(list.status, 200);
    assert.ok(list.body.messages.every((m: { Inbox: string }) => m.Inbox === 'team-a'));
    assert.ok(list.body.messages.some((m: { ID: string }) => m.ID === ids.a));
    assert.equal(list.body.total, list.body.messages.length, 'totals are the inbox\'s own');
    for (const path of [`/api/v1/message/${ids.b}`, `/api/v1/message/${ids.b}/raw`, `/api/v1/message/${ids.b}/headers`, `/view/${ids.b}.html`, '/api/v1/messages?inbox=team-b', '/api/v1/search?query=team&inbox=team-b']) {
      assert.equal((await teamA.get(path)).status, 404, path);
    }
    assert.equal((await teamA.get(`/api/v1/message/${ids.a}`)).status, 200);
    assert.equal((await teamA.get('/api/v1/message/latest')).body.Inbox, 'team-a');
    // latest?query= on /view looks only among the login's own messages: another inbox's match is not found.
    const query = (subject: string) => '?query=' + encodeURIComponent(`subject:"${subject}"`);
    assert.equal((await teamA.get('/view/latest.txt' + query('for team a'))).status, 200);
    assert.equal((await teamA.get('/view/latest.txt' + query('for team b'))).status, 404);
    assert.deepEqual((await teamA.get('/api/v1/inboxes')).body.inboxes.map((i: { Name: string }) => i.Name), ['team-a']);
    assert.equal((await teamA.get('/api/v1/info')).body.Messages, list.body.total);
    // Deleting "everything" as team-a deletes only team-a's mail.
    await teamA.delete('/api/v1/messages', { IDs: [ids.b] });
    assert.ok(app.store.get(ids.b!), 'another inbox\'s ID is ignored');
  });

  test('HTTP: a wrong inbox password, or no login at all, gets 401; an admin sees every inbox', async () => {
    assert.equal((await api(app.url, { user: 'team-b', password: 'alpha-pass' }).get('/api/v1/messages')).status, 401);
    assert.equal((await api(app.url).get('/api/v1/messages')).status, 401);
    // With --ui-auth-file, names in no file are refused too.
    assert.equal((await api(app.url, { user: 'stranger', password: 'x' }).get('/api/v1/messages')).status, 401);
    const admin = api(app.url, { user: 'admin', password: 'root-pass' });
    const inboxes = (await admin.get('/api/v1/inboxes')).body.inboxes.map((i: { Name: string }) => i.Name);
    assert.ok(inboxes.includes('team-a') && inboxes.includes('team-b'));
    assert.equal((await admin.get(`/api/v1/message/${ids.b}`)).status, 200);
  });

  test('POP3: a listed inbox needs its password; * needs an entry of its own once inboxes are protected', async () => {
    const pop = await Pop3Client.connect(app.pop3.port);
    await pop.line();
    assert.match(await pop.command('USER team-a'), /^\+OK/);
    assert.match(await pop.command('PASS bravo-pass', 10_000), /^-ERR \[AUTH\]/);
    assert.match(await pop.command('USER *'), /^\+OK/);
    assert.match(await pop.command('PASS anything', 10_000), /^-ERR \[AUTH\]/);
    assert.match(await pop.command('USER team-a'), /^\+OK/);
    assert.match(await pop.command('PASS alpha-pass', 10_000), /^\+OK/);
    const stat = await pop.command('STAT');
    const own = app.store.list({ limit: 0, filter: (m) => m.Inbox === 'team-a' }).total;
    assert.equal(stat, `+OK ${own} ${app.store.list({ limit: 1000, filter: (m) => m.Inbox === 'team-a' }).messages.reduce((n, m) => n + m.Size, 0)}`);
    pop.close();
  });

  test('the event stream of an inbox login carries only its own mail', async () => {
    const auth = 'Basic ' + Buffer.from('team-b:bravo-pass').toString('base64');
    const ws = new WebSocket(`${app.url.replace('http', 'ws')}/api/events`, { headers: { authorization: auth } });
    const events: Array<{ Type: string; Data: { ID?: string } }> = [];
    ws.on('message', (data) => events.push(JSON.parse(String(data))));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const other = queuedId((await mailer(app.smtp.port, { user: 'team-a', pass: 'alpha-pass' })({ subject: 'not for b' })).response);
    const mine = queuedId((await mailer(app.smtp.port, { user: 'team-b', pass: 'bravo-pass' })({ subject: 'for b' })).response);
    await new Promise((r) => setTimeout(r, 100));
    ws.close();
    assert.deepEqual(events.filter((e) => e.Type === 'new').map((e) => e.Data.ID), [mine]);
    assert.ok(!JSON.stringify(events).includes(other));
  });
});

describe('per-inbox credentials without --ui-auth-file', () => {
  let app: TestApp;
  let dir: string;
  before(async () => {
    dir = tempDir('mailcove-inbox-auth-open-');
    writeFileSync(join(dir, 'inboxes'), 'vault:v-pass\n');
    app = await startTestApp(['--inbox-auth-file', join(dir, 'inboxes')]);
  });
  after(async () => {
    await app.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test('anonymous requests see every inbox but the protected ones; unlisted names log in with any password', async () => {
    const vault = queuedId((await mailer(app.smtp.port, { user: 'vault', pass: 'v-pass' })({ subject: 'secret' })).response);
    const open = queuedId((await mailer(app.smtp.port, { user: 'ci-7', pass: 'anything' })({ subject: 'open' })).response);
    const anonymous = api(app.url);
    const listed = (await anonymous.get('/api/v1/messages')).body.messages.map((m: { ID: string }) => m.ID);
    assert.deepEqual(listed, [open]);
    assert.equal((await anonymous.get(`/api/v1/message/${vault}`)).status, 404);
    assert.equal((await anonymous.get('/api/v1/messages?inbox=vault')).status, 404);
    assert.equal((await anonymous.get('/api/v1/search?query=secret')).body.messages_count, 0);
    const ci7 = api(app.url, { user: 'ci-7', password: 'whatever' });
    assert.deepEqual((await ci7.get('/api/v1/messages')).body.messages.map((m: { ID: string }) => m.ID), [open]);
    assert.equal((await api(app.url, { user: 'vault', password: 'nope' }).get('/api/v1/messages')).status, 401);
    assert.deepEqual((await api(app.url, { user: 'vault', password: 'v-pass' }).get('/api/v1/messages')).body.messages.map((m: { ID: string }) => m.ID), [vault]);
  });
});

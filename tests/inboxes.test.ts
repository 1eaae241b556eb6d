// Parallel CI jobs on one Mailcove: each sends with its own SMTP username and must see only its own mail, on every
// surface: ?inbox= on messages and search, inbox: in the search language, the inbox list, its event stream, bulk
// updates and deletes, and emptying one inbox.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { api, mailer, queuedId } from './helpers/api.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { Pop3Client } from './helpers/pop3-client.ts';

type Summary = { ID: string; Inbox: string; Subject: string; Read: boolean };

describe('inbox isolation', () => {
  let app: TestApp;
  let client: ReturnType<typeof api>;
  const sent: Record<string, string[]> = { 'ci-job-1': [], 'ci-job-2': [] };
  before(async () => {
    app = await startTestApp();
    client = api(app.url);
  });
  after(() => app.dispose());

  const ids = (messages: Summary[]) => messages.map((m) => m.ID).sort();

  test('two jobs send in parallel; each inbox holds exactly its own messages', async () => {
    await Promise.all(
      Object.keys(sent).map(async (job) => {
        const send = mailer(app.smtp.port, { user: job, pass: 'any' });
        for (let i = 0; i < 5; i++) sent[job]!.push(queuedId((await send({ subject: `${job} message ${i}`, text: `shared body word zebra ${i}` })).response));
      }),
    );
    for (const [job, mine] of Object.entries(sent)) {
      const list = await client.get(`/api/v1/messages?inbox=${job}`);
      assert.deepEqual(ids(list.body.messages), [...mine].sort(), `messages?inbox=${job}`);
      assert.equal(list.body.total, 5, 'totals describe the inbox, not the whole store');
      const search = await client.get(`/api/v1/search?query=zebra&inbox=${job}`);
      assert.deepEqual(ids(search.body.messages), [...mine].sort(), `search?inbox=${job}`);
      assert.equal(search.body.total, 5);
      const language = await client.get(`/api/v1/search?query=${encodeURIComponent(`inbox:${job} zebra`)}`);
      assert.deepEqual(ids(language.body.messages), [...mine].sort(), `inbox:${job}`);
    }
    // POP3: the login name picks the inbox.
    for (const [job, mine] of Object.entries(sent)) {
      const pop = await Pop3Client.connect(app.pop3.port);
      await pop.login(job);
      const uidl = await pop.multiline('UIDL');
      assert.deepEqual(uidl.body.toString().trim().split('\r\n').map((l) => l.split(' ')[1]).sort(), [...mine].sort(), `POP3 as ${job}`);
      pop.close();
    }
    const inboxes = await client.get('/api/v1/inboxes');
    assert.deepEqual(
      inboxes.body.inboxes.filter((i: { Name: string }) => i.Name.startsWith('ci-job')),
      [
        { Name: 'ci-job-1', Total: 5, Unread: 5 },
        { Name: 'ci-job-2', Total: 5, Unread: 5 },
      ],
    );
  });

  test('bulk read and delete with ?inbox= touch only that inbox, even given another inbox\'s IDs', async () => {
    assert.equal((await client.put('/api/v1/messages?inbox=ci-job-1', { Read: true })).status, 200);
    const all = (await client.get('/api/v1/messages?limit=100')).body.messages as Summary[];
    for (const m of all.filter((m) => m.Inbox.startsWith('ci-job'))) assert.equal(m.Read, m.Inbox === 'ci-job-1', m.Subject);
    // IDs of job 2 named in a job-1-scoped request are ignored.
    await client.delete('/api/v1/messages?inbox=ci-job-1', { IDs: [sent['ci-job-2']![0], sent['ci-job-1']![0]] });
    assert.equal((await client.get(`/api/v1/message/${sent['ci-job-2']![0]}`)).status, 200);
    assert.equal((await client.get(`/api/v1/message/${sent['ci-job-1']![0]}`)).status, 404);
    await client.delete(`/api/v1/search?query=zebra&inbox=ci-job-2`);
    assert.equal((await client.get('/api/v1/messages?inbox=ci-job-2')).body.total, 0);
    assert.equal((await client.get('/api/v1/messages?inbox=ci-job-1')).body.total, 4);
  });

  test('the event stream with ?inbox= carries only that inbox: new, update, delete and its own stats', async () => {
    const ws = new WebSocket(`${app.url.replace('http', 'ws')}/api/events?inbox=ci-job-3`);
    const events: Array<{ Type: string; Data: any }> = [];
    ws.on('message', (data) => events.push(JSON.parse(String(data))));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const other = mailer(app.smtp.port, { user: 'ci-job-4', pass: 'x' });
    const mine = mailer(app.smtp.port, { user: 'ci-job-3', pass: 'x' });
    const otherId = queuedId((await other({ subject: 'not yours' })).response);
    const myId = queuedId((await mine({ subject: 'yours' })).response);
    await client.put('/api/v1/messages', { IDs: [otherId, myId], Read: true });
    await client.delete('/api/v1/messages', { IDs: [otherId, myId] });
    await new Promise((r) => setTimeout(r, 400)); // a throttled stats event goes out within 250 ms
    ws.close();
    const seen = JSON.stringify(events);
    assert.ok(!seen.includes(otherId), 'no trace of the other inbox\'s message');
    assert.deepEqual(events.filter((e) => e.Type === 'new').map((e) => e.Data.ID), [myId]);
    assert.deepEqual(events.filter((e) => e.Type === 'update').map((e) => e.Data.IDs), [[myId]]);
    assert.deepEqual(events.filter((e) => e.Type === 'delete').map((e) => e.Data.IDs), [[myId]]);
    const stats = events.filter((e) => e.Type === 'stats').at(-1);
    assert.deepEqual(stats && { Total: stats.Data.Total, Unread: stats.Data.Unread }, { Total: 0, Unread: 0 });
  });

  test('DELETE /api/v1/inbox/{Name} empties that inbox and no other', async () => {
    const five = mailer(app.smtp.port, { user: 'ci-job-5', pass: 'x' });
    const six = mailer(app.smtp.port, { user: 'ci-job-6', pass: 'x' });
    await five({ subject: 'five' });
    const keep = queuedId((await six({ subject: 'six' })).response);
    assert.equal((await client.delete('/api/v1/inbox/CI-JOB-5')).status, 200);
    assert.equal((await client.get('/api/v1/messages?inbox=ci-job-5')).body.total, 0);
    assert.deepEqual(ids((await client.get('/api/v1/messages?inbox=ci-job-6')).body.messages), [keep]);
  });
});

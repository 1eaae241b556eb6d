// Shaped like a Mailpit CI helper: send through the app, poll search, read latest?query=, fetch raw and a part,
// then clean up by search. Uses only the public API, as a Cypress or Playwright helper would.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { api, mailer } from './helpers/api.ts';

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(() => app.dispose());

async function waitForSearch(http: ReturnType<typeof api>, query: string, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await http.get('/api/v1/search?query=' + encodeURIComponent(query));
    assert.equal(res.status, 200);
    if (res.body.messages_count > 0) return res.body;
    if (Date.now() > deadline) throw new Error(`nothing matched ${query}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a CI job finds its password-reset mail, reads it, downloads the attachment and cleans up', async () => {
  const http = api(app.url);
  const run = `run-${Date.now()}`;
  // The app under test sends mail in the background, as a real signup flow would.
  const send = mailer(app.smtp.port);
  void send({
    to: `qa+${run}@example.com`,
    subject: 'Reset your password',
    text: `Hi! Use this link: https://app.example.com/reset?token=${run}`,
    html: `<p>Hi! <a href="https://app.example.com/reset?token=${run}">Reset</a></p>`,
    attachments: [{ filename: 'terms.txt', content: 'terms and conditions' }],
  });
  await send({ to: 'someone-else@example.com', subject: 'Unrelated', text: 'noise' });

  const found = await waitForSearch(http, `to:"qa+${run}@example.com" subject:reset`);
  assert.equal(found.messages_count, 1);

  const latest = await http.get('/api/v1/message/latest?query=' + encodeURIComponent(`tag:${run}`));
  assert.equal(latest.status, 200);
  assert.equal(latest.body.Subject, 'Reset your password');
  const link = /https:\/\/app\.example\.com\/reset\?token=[\w-]+/.exec(latest.body.Text)?.[0];
  assert.equal(link, `https://app.example.com/reset?token=${run}`);

  const raw = await http.raw(`/api/v1/message/${latest.body.ID}/raw`);
  assert.match(raw.bytes.toString(), /Subject: Reset your password/);
  const attachment = latest.body.Attachments.find((a: any) => a.FileName === 'terms.txt');
  const part = await http.raw(`/api/v1/message/${latest.body.ID}/part/${attachment.PartID}`);
  assert.equal(part.bytes.toString(), 'terms and conditions');

  assert.equal((await http.delete('/api/v1/search?query=' + encodeURIComponent(`tag:${run}`))).status, 200);
  assert.equal((await http.get('/api/v1/search?query=' + encodeURIComponent(`tag:${run}`))).body.messages_count, 0);
  assert.equal((await http.get('/api/v1/messages')).body.total, 1, 'the other message is untouched');
});

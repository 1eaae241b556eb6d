// GET /api/v1/message/{ID}/html-check: caniemail findings with source locations and per-client support, Mailpit's
// overall score, the direct checks for what caniemail misses, errors, and one computation per message.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { htmlCheck, type HtmlCheckResponse, type HtmlCheckWarning } from '../server/checks/html-compat.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { api, mailer, queuedId } from './helpers/api.ts';
import { deliver, fixture } from './helpers/checks.ts';

describe('html-check', () => {
  let app: TestApp;
  let http: ReturnType<typeof api>;
  let id: string;
  let report: HtmlCheckResponse;
  before(async () => {
    app = await startTestApp();
    http = api(app.url);
    id = await deliver(app.smtp.port, fixture('html-features.eml'));
    const res = await http.get<HtmlCheckResponse>(`/api/v1/message/${id}/html-check`);
    assert.equal(res.status, 200, res.text);
    report = res.body;
  });
  after(() => app.dispose());

  const warning = (slug: string): HtmlCheckWarning => {
    const w = report.Warnings.find((x) => x.Slug === slug);
    assert.ok(w, `no ${slug} in ${report.Warnings.map((x) => x.Slug).join(', ')}`);
    return w;
  };
  const lines = (slug: string): number[] => warning(slug).Locations.map((l) => l.Line);

  test('finds the unsupported features of the fixture at their source lines', () => {
    // The fixture's HTML: <style> on line 5, `gap` on 6 and 13 (inline), the dark-mode @media on 7 with a
    // `position: fixed` inside it on 8, <svg> on 14, `position: fixed` inline on 15, <script> on 17.
    assert.deepEqual(lines('html-style'), [5]);
    assert.deepEqual(lines('css-gap'), [6, 13]);
    assert.deepEqual(lines('css-at-media-prefers-color-scheme'), [7]);
    assert.deepEqual(lines('css-position'), [8, 15]);
    assert.deepEqual(lines('html-svg'), [14]);
    assert.deepEqual(lines('html-script'), [17]);
    assert.deepEqual(warning('css-gap').Locations[0], { Line: 6, Column: 24 });
    assert.equal(warning('css-gap').Score.Found, 2);
    const script = warning('html-script');
    assert.equal(script.Score.Unsupported, 100);
    assert.deepEqual(script.Results, []);
  });

  test('reports support per client family, platform and version, with notes for partial support', () => {
    const svg = warning('html-svg');
    const support = (family: string, platform: string) => svg.Results.filter((r) => r.Family === family && r.Platform === platform).map((r) => r.Support);
    assert.ok(support('gmail', 'desktop-webmail').every((s) => s === 'no'));
    assert.ok(support('outlook', 'windows').length >= 3, 'one result per tested Outlook for Windows version');
    assert.ok(support('apple-mail', 'ios').includes('yes'));
    const gmail = svg.Results.find((r) => r.Family === 'gmail' && r.Platform === 'desktop-webmail')!;
    assert.match(gmail.Name, /^Gmail Desktop Webmail \(.+\)$/);

    const position = warning('css-position');
    const partial = position.Results.find((r) => r.Support === 'partial' && r.NoteNumber);
    assert.ok(partial, 'css-position has partially supporting clients with notes');
    assert.match(position.NotesByNumber[partial.NoteNumber]!, /fixed/);
    assert.match(position.Description, /<code>fixed<\/code>/);
    const total = position.Score.Supported + position.Score.Partial + position.Score.Unsupported;
    assert.ok(Math.abs(total - 100) < 1e-9);
    assert.ok(report.Platforms['desktop-webmail']!.includes('Gmail'));
  });

  test('scores the message the way Mailpit does', () => {
    // Mailpit counts `*:not(html):not(head):not(meta), script`: style, body, div, svg, circle, p, script.
    assert.equal(report.Total.Nodes, 7);
    const nodes = report.Total.Nodes;
    const partial = Math.max(...report.Warnings.map((w) => (w.Score.Partial * w.Score.Found) / nodes));
    const unsupported = Math.max(...report.Warnings.map((w) => (w.Score.Unsupported * w.Score.Found) / nodes));
    assert.equal(report.Total.Unsupported, unsupported);
    assert.equal(report.Total.Unsupported, 100 / 7, 'one <script> of seven nodes is 100% unsupported');
    assert.equal(report.Total.Partial, partial);
    assert.equal(report.Total.Supported, 100 - partial - unsupported);
    assert.ok(report.Total.Supported > 60 && report.Total.Supported < 75, `Supported ${report.Total.Supported}`);
    assert.ok(report.Total.Tests > 300);
    const weights = report.Warnings.map((w) => ((w.Score.Unsupported + w.Score.Partial) * w.Score.Found) / nodes);
    assert.deepEqual(weights, [...weights].sort((a, b) => b - a), 'warnings are sorted worst first');
  });

  test('plain table HTML scores better than the fixture', async () => {
    const simple = await htmlCheck('<table width="600"><tr><td><p>Hello <b>world</b></p></td></tr></table>');
    assert.ok(simple.Total.Supported > report.Total.Supported);
    assert.ok(!simple.Warnings.some((w) => w.Slug === 'html-script' || w.Slug === 'css-gap'));
  });

  test('checks rules nested in @media and @supports, and inline SVG, base64 images and !important', async () => {
    const html = [
      '<style>',
      '@supports (display: grid) {',
      '  @media (max-width: 600px) { .x { display: grid !important; column-gap: 4px } }',
      '}',
      '</style>',
      '<img src="data:image/png;base64,iVBORw0KGgo="><svg></svg>',
    ].join('\n');
    const r = await htmlCheck(html);
    const at = (slug: string) => r.Warnings.find((w) => w.Slug === slug)?.Locations.map((l) => `${l.Line}:${l.Column}`);
    assert.deepEqual(at('css-at-supports'), ['2:1']);
    assert.deepEqual(at('css-at-media'), ['3:3']);
    assert.deepEqual(at('css-display-grid'), ['3:36']);
    assert.deepEqual(at('css-gap'), ['3:62']);
    assert.deepEqual(at('css-important'), ['3:36']);
    assert.deepEqual(at('image-base64'), ['6:1']);
    assert.deepEqual(at('html-svg'), ['6:47']);
  });

  test('repeated elements are all located, also when an attribute spans lines', async () => {
    const r = await htmlCheck('<div style="display:\nflex">a</div>\n<p style="gap:2px">b</p>\n<video></video>\n<p style="gap:2px">c</p>');
    const at = (slug: string) => r.Warnings.find((w) => w.Slug === slug)?.Locations.map((l) => l.Line);
    assert.deepEqual(at('css-display-flex'), [1]);
    assert.deepEqual(at('css-gap'), [3, 5]);
    assert.deepEqual(at('html-video'), [4]);
  });

  test('a message without HTML is a 400, an unknown ID a 404, a bad flag a 400', async () => {
    const text = queuedId((await mailer(app.smtp.port)({ subject: 'text only', text: 'no html here' })).response);
    const none = await http.get(`/api/v1/message/${text}/html-check`);
    assert.equal(none.status, 400);
    assert.deepEqual(none.body, { Error: 'message does not contain HTML' });
    assert.equal((await http.get('/api/v1/message/NoSuchMessage0000000/html-check')).status, 404);
    const bad = await http.get(`/api/v1/message/${id}/html-check?refresh=maybe`);
    assert.equal(bad.status, 400);
    assert.match(bad.body.Error, /refresh/);
  });

  test('"latest" with a search resolves like the message endpoint', async () => {
    const res = await http.get<HtmlCheckResponse>(`/api/v1/message/latest/html-check?query=${encodeURIComponent('subject:"Compatibility fixture"')}`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.Total, report.Total);
  });

  test('the report is computed once per message: concurrent and later requests share it; refresh recomputes', async () => {
    const other = await deliver(app.smtp.port, fixture('html-features.eml'));
    const checks = app.checks;
    const before = checks.cache.computations('html-check');
    const answers = await Promise.all([1, 2, 3].map(() => http.get(`/api/v1/message/${other}/html-check`)));
    assert.deepEqual(answers.map((a) => a.status), [200, 200, 200]);
    await http.get(`/api/v1/message/${other}/html-check`);
    assert.equal(checks.cache.computations('html-check'), before + 1);
    await http.get(`/api/v1/message/${other}/html-check?refresh=1`);
    assert.equal(checks.cache.computations('html-check'), before + 2);

    const size = checks.cache.size;
    assert.equal((await http.delete('/api/v1/messages', { IDs: [other] })).status, 200);
    assert.equal(checks.cache.size, size - 1, 'deleting the message drops its report');
    assert.equal((await http.get(`/api/v1/message/${other}/html-check`)).status, 404);
  });
});

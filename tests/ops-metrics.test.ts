// /metrics read with a strict Prometheus text parser: families, names, labels, values, histogram invariants; the
// numbers follow the mail that is sent, read and deleted; Basic auth covers it.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { api, mailer, queuedId } from './helpers/api.ts';
import { startTestApp, tempDir } from './helpers/app.ts';

interface Family {
  type: 'counter' | 'gauge' | 'histogram';
  help: string;
  samples: Array<{ name: string; labels: Record<string, string>; value: number }>;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL_VALUE = '"(?:[^"\\\\\\n]|\\\\["\\\\n])*"';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:[a-zA-Z_][a-zA-Z0-9_]*=${LABEL_VALUE})(?:,[a-zA-Z_][a-zA-Z0-9_]*=${LABEL_VALUE})*)?\\})? (\\S+)$`);

/** Throws on anything the text format 0.0.4 does not allow (or that a scraper would reject). */
function parsePrometheus(text: string): Map<string, Family> {
  assert.ok(text.endsWith('\n'), 'ends with a newline');
  const families = new Map<string, Family>();
  let current: { name: string; family: Family } | null = null;
  let pendingHelp: { name: string; help: string } | null = null;
  for (const line of text.slice(0, -1).split('\n')) {
    const help = new RegExp(`^# HELP (${NAME}) (.*)$`).exec(line);
    const type = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram)$`).exec(line);
    if (help) {
      assert.ok(!families.has(help[1]!), `${help[1]} declared twice`);
      pendingHelp = { name: help[1]!, help: help[2]! };
      continue;
    }
    if (type) {
      assert.equal(pendingHelp?.name, type[1], `TYPE ${type[1]} follows its HELP`);
      const family: Family = { type: type[2] as Family['type'], help: pendingHelp!.help, samples: [] };
      families.set(type[1]!, family);
      current = { name: type[1]!, family };
      pendingHelp = null;
      continue;
    }
    assert.ok(!line.startsWith('#'), `unexpected comment: ${line}`);
    const m = SAMPLE.exec(line);
    assert.ok(m, `not a sample line: ${JSON.stringify(line)}`);
    assert.ok(current, `sample before any TYPE: ${line}`);
    const [, name, labelText, valueText] = m;
    const allowed = current.family.type === 'histogram' ? ['_bucket', '_sum', '_count'].map((s) => current!.name + s) : [current.name];
    assert.ok(allowed.includes(name!), `${name} outside its family ${current.name}`);
    const labels: Record<string, string> = {};
    for (const pair of labelText?.match(new RegExp(`[a-zA-Z_][a-zA-Z0-9_]*=${LABEL_VALUE}`, 'g')) ?? []) {
      const eq = pair.indexOf('=');
      assert.ok(!(pair.slice(0, eq) in labels), `label repeated in ${line}`);
      labels[pair.slice(0, eq)] = pair.slice(eq + 2, -1).replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    const value = valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : Number(valueText);
    assert.ok(valueText === 'NaN' || !Number.isNaN(value), `bad value in ${line}`);
    if (current.family.type === 'counter') assert.ok(value >= 0, `negative counter: ${line}`);
    current.family.samples.push({ name: name!, labels, value });
  }
  for (const [name, family] of families) {
    if (family.type !== 'histogram') continue;
    const buckets = family.samples.filter((s) => s.name === `${name}_bucket`);
    const bounds = buckets.map((b) => (b.labels.le === '+Inf' ? Infinity : Number(b.labels.le)));
    assert.ok(bounds.length >= 2 && bounds.at(-1) === Infinity, `${name} ends with le="+Inf"`);
    for (let i = 1; i < buckets.length; i++) {
      assert.ok(bounds[i]! > bounds[i - 1]!, `${name} bounds increase`);
      assert.ok(buckets[i]!.value >= buckets[i - 1]!.value, `${name} buckets are cumulative`);
    }
    const count = family.samples.find((s) => s.name === `${name}_count`)?.value;
    assert.equal(buckets.at(-1)!.value, count, `${name} +Inf bucket equals _count`);
    assert.ok(family.samples.some((s) => s.name === `${name}_sum`), `${name}_sum present`);
  }
  return families;
}

function value(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  const family = families.get(name.replace(/_(bucket|sum|count)$/, '')) ?? families.get(name);
  return family?.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

test('/metrics is valid Prometheus text and follows the mail sent, read and deleted', async () => {
  const app = await startTestApp(['--max-message-size', '2KB']);
  try {
    const client = api(app.url);
    const first = await client.get('/metrics');
    assert.equal(first.status, 200);
    assert.match(first.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const before = parsePrometheus(first.text);
    assert.equal(value(before, 'mailcove_messages'), 0);
    assert.equal(value(before, 'mailcove_ingest_latency_seconds_count'), 0);
    assert.equal(before.get('mailcove_inbox_messages')?.samples.length, 0);
    assert.ok(value(before, 'process_resident_memory_bytes')! > 10_000_000);

    const send = mailer(app.smtp.port);
    const ids: string[] = [];
    for (const inbox of ['alpha', 'alpha']) {
      ids.push(queuedId((await send({ subject: 'm', text: 'x'.repeat(500), headers: { 'X-Mailcove-Inbox': inbox } })).response));
    }
    // An SMTP login names the inbox verbatim: quotes and a backslash must come out escaped in the label.
    const sendAs = mailer(app.smtp.port, { user: 'beta "quoted"\\', pass: 'any' });
    ids.push(queuedId((await sendAs({ subject: 'm', text: 'x'.repeat(500) })).response));
    const sizes = ids.map((id) => app.store.get(id)!.Size);
    assert.ok(sizes.every((size) => size > 500));
    await assert.rejects(send({ subject: 'big', text: 'y'.repeat(5000) }), /552/);
    await client.put('/api/v1/messages', { IDs: [ids[0]], Read: true });
    await client.delete('/api/v1/messages', { IDs: [ids[1]] });

    const after = parsePrometheus((await client.get('/metrics')).text);
    assert.equal(value(after, 'mailcove_messages'), 2);
    assert.equal(value(after, 'mailcove_messages_unread'), 1);
    assert.equal(value(after, 'mailcove_inbox_messages', { inbox: 'alpha' }), 1);
    assert.equal(value(after, 'mailcove_inbox_messages_unread', { inbox: 'alpha' }), 0);
    assert.equal(value(after, 'mailcove_inbox_messages', { inbox: 'beta "quoted"\\' }), 1);
    assert.equal(value(after, 'mailcove_smtp_accepted_total'), 3);
    assert.equal(value(after, 'mailcove_smtp_rejected_total'), 1);
    assert.equal(value(after, 'mailcove_smtp_accepted_bytes_total'), sizes.reduce((a, b) => a + b, 0));
    assert.equal(value(after, 'mailcove_messages_deleted_total'), 1);
    assert.equal(value(after, 'mailcove_ingest_latency_seconds_count'), 3);
    const sum = value(after, 'mailcove_ingest_latency_seconds_sum')!;
    assert.ok(sum > 0 && sum < 5, `latency sum ${sum}`);
    assert.equal(value(after, 'mailcove_ingest_latency_seconds_bucket', { le: '+Inf' }), 3);
  } finally {
    await app.dispose();
  }
});

test('/metrics needs the UI credentials when --ui-auth-file is set', async () => {
  const dir = tempDir();
  const file = join(dir, 'users');
  writeFileSync(file, 'ops:secret\n');
  const app = await startTestApp(['--ui-auth-file', file]);
  try {
    assert.equal((await api(app.url).get('/metrics')).status, 401);
    const ok = await api(app.url, { user: 'ops', password: 'secret' }).get('/metrics');
    assert.equal(ok.status, 200);
    parsePrometheus(ok.text);
  } finally {
    await app.dispose();
  }
});

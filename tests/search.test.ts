// Search language: every filter, negation, quoting, dates (with and without tz), sizes and invalid input,
// run against a hand-built mailbox. Expected IDs were worked out by hand from the fixtures, not by running
// the code.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matches, parseSearch, SearchSyntaxError } from '../server/mail/search.ts';
import type { Address, MessageSummary, SearchFields } from '../server/store/types.ts';

/** A stored message as search sees it: its summary and its search fields. */
interface SearchDoc extends SearchFields {
  summary: MessageSummary;
}

interface Fixture {
  id: string;
  inbox?: string;
  read?: boolean;
  from: Address | null;
  to?: Address[];
  cc?: Address[];
  bcc?: Address[];
  replyTo?: Address[];
  subject: string;
  created: string;
  tags?: string[];
  size: number;
  attachments?: number;
  inline?: number;
  messageId: string;
  /** Decoded body plus attachment names; subject and addresses are prepended as summarise() does. */
  body: string;
  files?: string[];
}

const addr = (Name: string, Address: string): Address => ({ Name, Address });

function makeDoc(f: Fixture): SearchDoc {
  const summary: MessageSummary = {
    ID: f.id,
    MessageID: f.messageId,
    Inbox: f.inbox ?? 'default',
    Read: f.read ?? false,
    From: f.from,
    To: f.to ?? [],
    Cc: f.cc ?? [],
    Bcc: f.bcc ?? [],
    ReplyTo: f.replyTo ?? [],
    Subject: f.subject,
    Created: f.created,
    Tags: f.tags ?? [],
    Size: f.size,
    Attachments: f.attachments ?? 0,
    Snippet: f.body.slice(0, 250),
    Username: '',
    Envelope: { MailFrom: f.from?.Address ?? '', RcptTo: (f.to ?? []).map((a) => a.Address) },
    Client: { Address: '127.0.0.1', Helo: 'localhost', TLS: false },
  };
  const people = [f.from, ...summary.To, ...summary.Cc, ...summary.Bcc, ...summary.ReplyTo]
    .filter((a): a is Address => a !== null)
    .map((a) => `${a.Name} ${a.Address}`);
  const text = [f.subject, ...people, ...(f.files ?? []), f.body].join('\n').toLowerCase();
  return { summary, text, inline: f.inline ?? 0 };
}

const DOCS: SearchDoc[] = [
  {
    id: 'reset',
    from: addr('Acme Security', 'security@acme.test'),
    to: [addr('Zoë Müller', 'zoe+reset@example.com')],
    subject: 'Reset your password',
    created: '2024-03-10T09:00:00Z',
    size: 4200,
    messageId: 'reset-7f3a@acme.test',
    body: 'Someone asked to reset the password for your account. Click the link below; it expires in 1 hour.',
  },
  {
    id: 'shipped',
    read: true,
    from: addr('Shop Orders', 'orders@shop.test'),
    to: [addr('Jean-François Dupont', 'jf.dupont@example.fr')],
    cc: [addr('Warehouse', 'warehouse@shop.test')],
    replyTo: [addr('Shop Support', 'support@shop.test')],
    subject: 'Order shipped: #1042 is on its way',
    created: '2024-03-31T23:30:00Z',
    tags: ['orders'],
    size: 2_700_000,
    attachments: 1,
    messageId: '1042.shipped@shop.test',
    body: 'Good news! Your parcel left our warehouse today.',
    files: ['invoice-1042.pdf'],
  },
  {
    id: 'newsletter',
    read: true,
    from: addr('Café Lumière', 'news@cafe-lumiere.test'),
    to: [addr('', 'list@example.com')],
    bcc: [addr('Élodie Martin', 'elodie@example.com')],
    subject: 'Le café de mars',
    created: '2024-04-01T08:00:00Z',
    tags: ['newsletter', 'marketing'],
    size: 150_000,
    inline: 2,
    messageId: 'nl-2024-03@cafe-lumiere.test',
    // Decoded: the QP source had "caf=C3=A9", which must not be searchable.
    body: 'Notre nouveau café au lait arrive ce mois-ci.',
  },
  {
    id: 'welcome',
    inbox: 'QA Team',
    from: addr('', 'noreply@mailcove.test'),
    to: [addr('Test User', 'test.user+qa@example.com')],
    subject: 'Welcome to Mailcove',
    created: '2024-04-02T12:00:00Z',
    size: 1024,
    messageId: 'welcome-1@mailcove.test',
    body: 'Your sandbox is ready.',
  },
  {
    id: 'invoice',
    inbox: 'QA Team',
    from: addr('Acme Billing', 'billing@acme.test'),
    to: [addr('Test User', 'test.user+qa@example.com')],
    replyTo: [addr('Accounts Receivable', 'ar@acme.test')],
    subject: 'Invoice INV-2024-04',
    created: '2024-04-15T10:00:00Z',
    tags: ['Billing'],
    size: 512_000,
    attachments: 2,
    messageId: 'inv-2024-04@acme.test',
    body: 'Please find your invoice attached.',
    files: ['INV-2024-04.pdf', 'terms.pdf'],
  },
  {
    id: 'deploy',
    inbox: 'staging',
    read: true,
    from: addr('CI Bot', 'ci@build.test'),
    to: [addr('Dev Team', 'dev@example.com')],
    subject: 'Deploy finished',
    created: '2024-02-29T18:00:00Z',
    size: 800,
    messageId: 'deploy-99@build.test',
    body: 'Build 99 deployed to staging in 42s.',
  },
  {
    // Unparseable mail: no From, no recipients, no subject, no text.
    id: 'malformed',
    from: null,
    subject: '',
    created: '2024-01-05T06:00:00Z',
    size: 300,
    messageId: '',
    body: '',
  },
  {
    id: 'reply',
    from: addr('Jean-François Dupont', 'jf.dupont@example.fr'),
    to: [addr('Shop Orders', 'orders@shop.test')],
    cc: [addr('Zoë Müller', 'zoe@example.com')],
    subject: 'Re: Order shipped: #1042 is on its way',
    created: '2024-04-01T00:00:00Z',
    tags: ['orders', 'urgent'],
    size: 2048,
    messageId: 'reply-1042@example.fr',
    body: 'The parcel never arrived, can you check?',
  },
  {
    id: 'digest',
    read: true,
    from: addr('Smith, John', 'john.smith@example.com'),
    to: [addr('Team', 'team@example.com')],
    subject: 'Weekly digest (week 18)',
    created: '2024-05-01T07:15:00Z',
    size: 10_240,
    messageId: 'digest-18@example.com',
    body: 'Items: apples, pears; (bananas)',
  },
  {
    id: 'report',
    inbox: 'staging',
    from: addr('Reports', 'reports@build.test'),
    to: [addr('Dev Team', 'dev@example.com')],
    subject: 'Nightly report',
    created: '2024-04-20T03:00:00Z',
    tags: ['reports'],
    size: 6_000_000,
    attachments: 1,
    inline: 1,
    messageId: 'report-0420@build.test',
    // base64 of "quick brown" is cXVpY2sgYnJvd24=; only the decoded words are searchable.
    body: 'The quick brown fox passed all tests.',
    files: ['report.csv'],
  },
].map(makeDoc);

const ALL = DOCS.map((d) => d.summary.ID);
const except = (...ids: string[]): string[] => ALL.filter((id) => !ids.includes(id));

const READ = ['shipped', 'newsletter', 'deploy', 'digest'];
const UNREAD = except(...READ);
const TAGGED = ['shipped', 'newsletter', 'invoice', 'reply', 'report'];
const TO_EXAMPLE_COM = ['reset', 'newsletter', 'welcome', 'invoice', 'deploy', 'digest', 'report'];
const UP_TO_APRIL_1_UTC = ['reset', 'shipped', 'deploy', 'malformed', 'reply'];
const FROM_APRIL_1_UTC = ['newsletter', 'welcome', 'invoice', 'reply', 'digest', 'report'];
const OVER_1K = ['reset', 'shipped', 'newsletter', 'invoice', 'reply', 'digest', 'report'];

/** [query, expected IDs, tz] */
type Row = [string, string[], string?];

const ROWS: Row[] = [
  // Empty queries
  ['', ALL],
  ['   ', ALL],

  // Bare words: substring of the decoded text, case-insensitive, ANDed
  ['password', ['reset']],
  ['PASSWORD', ['reset']],
  ['parcel', ['shipped', 'reply']],
  ['parcel warehouse', ['shipped']],
  ['never parcel', ['reply']],
  ['zoe+reset@example.com', ['reset']],
  ['invoice-1042.pdf', ['shipped']],
  ['#1042', ['shipped', 'reply']],
  ['warehouse', ['shipped']],
  ['café', ['newsletter']],
  ['CAFÉ', ['newsletter']],
  ['Lumière', ['newsletter']],
  ['quick', ['report']],
  // Encoded source is not searchable, only what it decodes to
  ['caf=C3=A9', []],
  ['cXVpY2sgYnJvd24=', []],
  ['cXVpY2s', []],
  // Unknown prefixes are bare words; punctuation-only tokens are skipped
  ['items:', ['digest']],
  ['re:', ['reply']],
  ['parcel , ;', ['shipped', 'reply']],
  // A lone "-" is a word, not an empty negation
  ['-', ['shipped', 'newsletter', 'invoice', 'reply']],

  // Quoted phrases
  ['"parcel never"', ['reply']],
  ['"never parcel"', []],
  ['"PARCEL NEVER"', ['reply']],
  // Mailpit cleans delimiters (, ; < > ( ) ") out of both sides, so these are equivalent
  ['"smith, john"', ['digest']],
  ['"smith john"', ['digest']],
  ['"pears bananas"', ['digest']],
  ['<john.smith@example.com>', ['digest']],
  // Unterminated quote: the phrase runs to the end (Mailpit is lenient here)
  ['"parcel never', ['reply']],

  // Negation with - and !
  ['-parcel', except('shipped', 'reply')],
  ['!parcel', except('shipped', 'reply')],
  ['parcel -warehouse', ['reply']],
  ['parcel !warehouse', ['reply']],
  ['-"parcel never"', except('reply')],
  ['!"parcel never"', except('reply')],
  ['-PASSWORD', except('reset')],

  // from: to: cc: bcc: reply-to: match name or address, substring, case-insensitive
  ['from:acme', ['reset', 'invoice']],
  ['FROM:ACME.TEST', ['reset', 'invoice']],
  ['from:"acme billing"', ['invoice']],
  ['from:jean-françois', ['reply']],
  ['from:JEAN-FRANÇOIS', ['reply']],
  ['from:<john.smith@example.com>', ['digest']],
  ['from:noreply', ['welcome']],
  ['-from:acme', except('reset', 'invoice')],
  ['!from:acme', except('reset', 'invoice')],
  ['to:jf.dupont', ['shipped']],
  ['to:example.com', TO_EXAMPLE_COM],
  ['!to:example.com', except(...TO_EXAMPLE_COM)],
  ['to:+qa', ['welcome', 'invoice']],
  ['to:zoe+reset@example.com', ['reset']],
  ['to:"test user"', ['welcome', 'invoice']],
  ['cc:zoë', ['reply']],
  ['cc:warehouse', ['shipped']],
  ['-cc:warehouse', except('shipped')],
  ['bcc:élodie', ['newsletter']],
  ['bcc:ÉLODIE', ['newsletter']],
  ['bcc:example.com', ['newsletter']],
  ['-bcc:élodie', except('newsletter')],
  ['reply-to:support', ['shipped']],
  ['reply-to:"accounts receivable"', ['invoice']],
  ['-reply-to:acme', except('invoice')],
  // addressed: covers From, To, Cc, Bcc and Reply-To
  ['addressed:zoe', ['reset', 'reply']],
  ['addressed:elodie@example.com', ['newsletter']],
  ['addressed:orders@shop.test', ['shipped', 'reply']],
  ['addressed:ar@acme.test', ['invoice']],
  ['addressed:build.test', ['deploy', 'report']],
  ['-addressed:example.com', ['shipped', 'malformed']],
  // Filters look at their field only: "warehouse" is in shipped's text, Cc and body, never its From
  ['from:warehouse', []],

  // subject:
  ['subject:"order shipped"', ['shipped', 'reply']],
  ['"subject:order shipped"', ['shipped', 'reply']],
  ['subject:"order shipped', ['shipped', 'reply']],
  ['SUBJECT:welcome', ['welcome']],
  ['subject:CAFÉ', ['newsletter']],
  ['subject:re:', ['reply']],
  ['subject:warehouse', []],
  // subject: is the one filter Mailpit does not clean: the parenthesis is part of the value
  ['subject:"digest (week"', ['digest']],
  ['subject:"digest week"', []],
  ['-subject:order', except('shipped', 'reply')],
  ['!subject:"order shipped"', except('shipped', 'reply')],

  // message-id:
  ['message-id:1042', ['shipped', 'reply']],
  ['message-id:<inv-2024-04@acme.test>', ['invoice']],
  ['MESSAGE-ID:REPORT-0420', ['report']],
  ['-message-id:acme.test', except('reset', 'invoice')],

  // tag: whole tag, case-insensitive
  ['tag:orders', ['shipped', 'reply']],
  ['tag:ORDERS', ['shipped', 'reply']],
  ['tag:billing', ['invoice']],
  ['tag:"urgent"', ['reply']],
  ['tag:order', []],
  ['-tag:orders', except('shipped', 'reply')],
  ['!tag:marketing', except('newsletter')],

  // is:
  ['is:read', READ],
  ['IS:READ', READ],
  ['is:unread', UNREAD],
  ['!is:read', UNREAD],
  ['-is:unread', READ],
  ['is:tagged', TAGGED],
  ['-is:tagged', except(...TAGGED)],
  ['!is:tagged', except(...TAGGED)],

  // has:
  ['has:attachment', ['shipped', 'invoice', 'report']],
  ['has:attachments', ['shipped', 'invoice', 'report']],
  ['HAS:Attachment', ['shipped', 'invoice', 'report']],
  ['!has:attachment', except('shipped', 'invoice', 'report')],
  ['has:inline', ['newsletter', 'report']],
  ['has:inlines', ['newsletter', 'report']],
  ['-has:inline', except('newsletter', 'report')],

  // inbox: Mailcove's own, exact and case-insensitive
  ['inbox:"QA Team"', ['welcome', 'invoice']],
  ['inbox:"qa team"', ['welcome', 'invoice']],
  ['inbox:qa', []],
  ['inbox:staging', ['deploy', 'report']],
  ['inbox:DEFAULT', ['reset', 'shipped', 'newsletter', 'malformed', 'reply', 'digest']],
  ['-inbox:default', ['welcome', 'invoice', 'deploy', 'report']],

  // before:/after: with tz. Both bounds are inclusive (reply is at exactly 2024-04-01T00:00Z).
  ['before:2024/04/01', UP_TO_APRIL_1_UTC, 'UTC'],
  ['after:2024/04/01', FROM_APRIL_1_UTC, 'UTC'],
  ['after:2024-04-01', FROM_APRIL_1_UTC, 'UTC'],
  ['after:2024.04.01', FROM_APRIL_1_UTC, 'UTC'],
  ['after:20240401', FROM_APRIL_1_UTC, 'UTC'],
  ['after:2024-04', FROM_APRIL_1_UTC, 'UTC'],
  ['after:"April 1, 2024"', FROM_APRIL_1_UTC, 'UTC'],
  ['after:"1 apr 2024"', FROM_APRIL_1_UTC, 'UTC'],
  // US order: 04/01/2024 is April 1st (as 4 January it would leave only "malformed")
  ['before:04/01/2024', UP_TO_APRIL_1_UTC, 'UTC'],
  // Negation uses Mailpit's opposite inclusive comparison, so the boundary message stays in
  ['-after:2024-04-01', UP_TO_APRIL_1_UTC, 'UTC'],
  ['!before:2024-04-01', FROM_APRIL_1_UTC, 'UTC'],
  ['after:2024-03-01 before:2024-04-01', ['reset', 'shipped', 'reply'], 'UTC'],
  ['after:"1 May 2024"', ['digest'], 'UTC'],
  ['after:"2024-05-01 7:15"', ['digest'], 'UTC'],
  ['after:"2024-05-01 7:16"', [], 'UTC'],
  ['after:"2024-04-01 10:30 pm"', ['welcome', 'invoice', 'digest', 'report'], 'UTC'],
  // Midnight in Paris (UTC+2 since the DST change on 31 March) is 22:00Z the day before
  ['before:2024-04-01', ['reset', 'deploy', 'malformed'], 'Europe/Paris'],
  // Midnight in New York (UTC-4) is 04:00Z, after the reply
  ['after:2024-04-01', ['newsletter', 'welcome', 'invoice', 'digest', 'report'], 'America/New_York'],
  // 04:30 EDT, just after New York's DST change (2024-03-10 07:00Z), is 08:30Z: reset (09:00Z) is after it
  ['before:"2024-03-10 04:30"', ['deploy', 'malformed'], 'America/New_York'],
  // An explicit offset in the value wins over the tz
  ['before:2024-04-01T01:00:00+02:00', ['reset', 'deploy', 'malformed'], 'America/New_York'],
  ['after:2024-04-01T00:00:00Z', FROM_APRIL_1_UTC, 'Asia/Tokyo'],

  // before:/after: without tz
  ['before:2024-04-01T01:00:00+02:00', ['reset', 'deploy', 'malformed']],
  ['after:2024-04-01T00:00:00Z', FROM_APRIL_1_UTC],
  ['before:"Mon, 01 Apr 2024 00:00:00 +0000"', UP_TO_APRIL_1_UTC],
  ['after:"Mon Apr 01 2024 00:00:01 GMT+0000"', ['newsletter', 'welcome', 'invoice', 'digest', 'report']],
  ['after:1714521600', ['digest']],
  ['after:1714521600000', ['digest']],
  // Local-zone dates chosen more than a day away from any message, so they hold in every zone
  ['after:2024-04-10', ['invoice', 'digest', 'report']],
  ['before:"March 15 2024"', ['reset', 'deploy', 'malformed']],
  ['after:2025', []],
  ['before:2024', []],

  // larger:/smaller: strict, k/kb = 1024, m/mb = 1024²; welcome is exactly 1024 and digest exactly 10240
  ['larger:1k', OVER_1K],
  ['larger:1024', OVER_1K],
  ['smaller:1k', ['deploy', 'malformed']],
  ['-larger:1k', ['deploy', 'malformed']],
  ['-smaller:1KB', OVER_1K],
  ['!smaller:1kB', OVER_1K],
  ['larger:2.5MB', ['shipped', 'report']],
  ['larger:2.5m', ['shipped', 'report']],
  ['smaller:10kb', ['reset', 'welcome', 'deploy', 'malformed', 'reply']],
  ['larger:500000', ['shipped', 'invoice', 'report']],
  ['smaller:"2 kb"', ['welcome', 'deploy', 'malformed']],
  ['larger:1k smaller:1m', ['reset', 'newsletter', 'invoice', 'reply', 'digest']],

  // Combinations
  ['subject:invoice !from:admin@example.com is:tagged', ['invoice']],
  ['tag:orders is:unread', ['reply']],
  ['from:acme has:attachment', ['invoice']],
  ['inbox:"QA Team" is:unread -has:attachment', ['welcome']],
  ['parcel -is:read', ['reply']],
  ['to:example.com larger:100k', ['newsletter', 'invoice', 'report']],
  ['addressed:zoe -subject:reset', ['reply']],
  ['is:unread !is:tagged smaller:5k -inbox:"qa team"', ['reset', 'malformed']],
];

function search(query: string, tz?: string): string[] {
  const parsed = parseSearch(query, tz === undefined ? {} : { tz });
  return DOCS.filter((d) => matches(parsed, d.summary, d)).map((d) => d.summary.ID);
}

for (const [query, expected, tz] of ROWS) {
  test(`search ${JSON.stringify(query)}${tz ? ` (tz ${tz})` : ''}`, () => {
    assert.deepEqual(search(query, tz), expected);
  });
}

test('the table exercises every filter, both negations and tz', () => {
  const queries = ROWS.map(([q]) => q.toLowerCase());
  const filters = ['from:', 'to:', 'cc:', 'bcc:', 'reply-to:', 'addressed:', 'subject:', 'message-id:', 'tag:',
    'is:read', 'is:unread', 'is:tagged', 'has:attachment', 'has:inline', 'inbox:', 'before:', 'after:',
    'larger:', 'smaller:'];
  for (const f of filters) {
    assert.ok(queries.some((q) => q.includes(f)), `no row uses ${f}`);
    assert.ok(queries.some((q) => q.includes(`-${f}`)) || queries.some((q) => q.includes(`!${f}`)), `no row negates ${f}`);
  }
  assert.ok(ROWS.some(([, , tz]) => tz !== undefined));
  assert.ok(ROWS.some(([q, , tz]) => q.includes('before:') && tz === undefined));
});

test('dates without tz use the server zone, as Mailpit uses time.Local', () => {
  const saved = process.env.TZ;
  try {
    process.env.TZ = 'Asia/Tokyo';
    // Midnight in Tokyo (UTC+9) is 15:00Z the day before: shipped (23:30Z) and reply are after it.
    assert.deepEqual(search('before:2024-04-01'), ['reset', 'deploy', 'malformed']);
    process.env.TZ = 'America/Los_Angeles';
    // Midnight in Los Angeles (UTC-7) is 07:00Z: the reply (00:00Z) is before it, the newsletter (08:00Z) after.
    assert.deepEqual(search('before:2024-04-01'), UP_TO_APRIL_1_UTC);
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
});

test('a query is parsed once and reused across documents and calls', () => {
  const parsed = parseSearch('tag:orders -is:read');
  assert.deepEqual(DOCS.filter((d) => matches(parsed, d.summary, d)).map((d) => d.summary.ID), ['reply']);
  assert.deepEqual(DOCS.filter((d) => matches(parsed, d.summary, d)).map((d) => d.summary.ID), ['reply']);
  // A phrase term must not keep state between documents (e.g. a /g regex's lastIndex).
  const phrase = parseSearch('"parcel never"');
  const reply = DOCS.find((d) => d.summary.ID === 'reply')!;
  assert.equal(matches(phrase, reply.summary, reply), true);
  assert.equal(matches(phrase, reply.summary, reply), true);
});

test('a message with an unparseable Created date matches no date filter, negated or not', () => {
  const broken = makeDoc({ id: 'x', from: null, subject: '', created: 'garbage', size: 1, messageId: '', body: '' });
  for (const q of ['before:2030-01-01', 'after:2000-01-01', '-before:2000-01-01', '-after:2030-01-01']) {
    assert.equal(matches(parseSearch(q, { tz: 'UTC' }), broken.summary, broken), false, q);
  }
  assert.equal(matches(parseSearch('-tag:x', { tz: 'UTC' }), broken.summary, broken), true);
});

/** [query, tz, text the one-line message must contain] */
const INVALID: [string, string | undefined, string][] = [
  ['before:notadate', undefined, 'before:notadate'],
  ['after:2024-13-01', undefined, 'not a date'],
  ['after:2024-02-30', undefined, 'not a date'],
  ['after:2023-02-29', undefined, 'not a date'],
  ['before:"2024-04-01 25:00"', undefined, 'not a date'],
  ['before:"2024-04-01 13:00 pm"', undefined, 'not a date'],
  ['after:"Someday 1 April 2024"', undefined, 'not a date'],
  ['after:"1 Smarch 2024"', undefined, 'not a date'],
  ['after:2024-04-01T10:00+25:00', undefined, 'not a date'],
  ['after:123456', undefined, 'not a date'],
  ['larger:abc', undefined, 'not a size'],
  ['smaller:10gb', undefined, 'not a size'],
  ['larger:-5', undefined, 'not a size'],
  ['larger:"5 kilobytes"', undefined, 'not a size'],
  ['-larger:1.2.3', undefined, 'not a size'],
  ['is:starred', undefined, 'unknown is: value'],
  ['is:untagged', undefined, 'unknown is: value'],
  ['!is:', undefined, 'unknown is: value'],
  ['has:pdf', undefined, 'unknown has: value'],
  ['from:', undefined, 'needs a value'],
  ['to:<>', undefined, 'needs a value'],
  ['-subject:""', undefined, 'needs a value'],
  ['subject:" "', undefined, 'needs a value'],
  ['tag:', undefined, 'needs a value'],
  ['inbox:', undefined, 'needs a value'],
  ['before:', undefined, 'needs a value'],
  ['message-id:()', undefined, 'needs a value'],
  ['addressed:', undefined, 'needs a value'],
  ['after:2024-01-01', 'Mars/Olympus', 'unknown timezone'],
  // An invalid tz is rejected even when no date filter would use it
  ['hello', 'Not/AZone', 'unknown timezone'],
  ['', 'UTC+99', 'unknown timezone'],
];

for (const [query, tz, fragment] of INVALID) {
  test(`invalid ${JSON.stringify(query)}${tz ? ` (tz ${tz})` : ''} throws SearchSyntaxError`, () => {
    assert.throws(
      () => parseSearch(query, tz === undefined ? {} : { tz }),
      (err: unknown) => {
        assert.ok(err instanceof SearchSyntaxError, `got ${String(err)}`);
        assert.ok(err instanceof Error);
        assert.equal(err.name, 'SearchSyntaxError');
        assert.ok(err.message.includes(fragment), err.message);
        assert.doesNotMatch(err.message, /\n/);
        return true;
      },
    );
  });
}

test('error messages stay on one line and bounded', () => {
  assert.throws(() => parseSearch('before:"2024\n01"'), (err: unknown) => {
    assert.ok(err instanceof SearchSyntaxError);
    assert.doesNotMatch(err.message, /\n/);
    return true;
  });
  assert.throws(() => parseSearch(`larger:${'9'.repeat(5000)}x`), (err: unknown) => {
    assert.ok(err instanceof SearchSyntaxError);
    assert.ok(err.message.length < 200, `${err.message.length} characters`);
    return true;
  });
});

test('valid tz names are accepted', () => {
  for (const tz of ['UTC', 'Europe/Paris', 'America/New_York', 'Asia/Kolkata']) {
    assert.equal(parseSearch('after:2024-01-01', { tz }).terms.length, 1, tz);
  }
  // An empty tz means "not given", as in Mailpit.
  assert.equal(parseSearch('after:2024-01-01', { tz: '' }).terms.length, 1);
});

test('sanity: 10,000 documents with ~2 KB of text each', () => {
  const filler = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor '.repeat(26);
  const docs: SearchDoc[] = [];
  for (let i = 0; i < 10_000; i++) {
    const body = `${filler} ${i % 7 === 0 ? 'needle' : 'hay'} ${i % 11 === 0 ? 'haystack phrase' : 'haystack'} message ${i}`;
    docs.push(
      makeDoc({
        id: `m${i}`,
        read: i % 2 === 1,
        from: addr(`Sender ${i % 3}`, `sender${i % 3}@example.com`),
        subject: `Message ${i}`,
        created: new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString(),
        size: 500 + i,
        messageId: `m${i}@example.com`,
        body,
      }),
    );
  }
  assert.ok(docs.every((d) => d.text.length >= 2000));
  const query = parseSearch('needle -"haystack phrase" larger:1k is:unread from:sender1', { tz: 'UTC' });
  let expected = 0;
  for (let i = 0; i < 10_000; i++) {
    if (i % 7 === 0 && i % 11 !== 0 && 500 + i > 1024 && i % 2 === 0 && i % 3 === 1) expected++;
  }
  assert.ok(expected > 0);
  assert.equal(docs.filter((d) => matches(query, d.summary, d)).length, expected);
});

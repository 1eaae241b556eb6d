// The Store contract. Any backend passes these by calling storeContract() with a factory for itself.
import assert from 'node:assert/strict';
import { buffer } from 'node:stream/consumers';
import { after, describe, test } from 'node:test';
import { NotFoundError, type MessageMeta, type Store, type StoreEvent } from '../server/store/types.ts';

export interface StoreHarness {
  store: Store;
  /** Closes the store and opens a fresh instance over the same data. */
  reopen(): Promise<Store>;
  dispose(): Promise<void>;
}

export type StoreFactory = (limits: { maxMessages: number; maxAgeMs: number | null }) => Promise<StoreHarness>;

export const meta = (over: Partial<MessageMeta> = {}): MessageMeta => ({
  envelope: { mailFrom: 'sender@example.com', rcptTo: ['rcpt@example.com'] },
  client: { address: '127.0.0.1', helo: 'client.example', tls: false },
  username: '',
  ...over,
});

export function rawMessage(subject: string, body = 'Hello.'): Buffer {
  return Buffer.from(`From: Sender <sender@example.com>\r\nTo: rcpt@example.com\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@example.com>\r\n\r\n${body}\r\n`);
}

export function storeContract(name: string, factory: StoreFactory): void {
  describe(`Store contract: ${name}`, () => {
    const open: StoreHarness[] = [];
    const harness = async (limits = { maxMessages: 0, maxAgeMs: null as number | null }) => {
      const h = await factory(limits);
      open.push(h);
      return h;
    };
    after(async () => {
      for (const h of open) await h.dispose();
    });

    test('add returns a summary; get and list see it newest first', async () => {
      const { store } = await harness();
      const a = await store.add({ raw: rawMessage('first'), meta: meta() });
      const b = await store.add({ raw: rawMessage('second'), meta: meta({ username: 'ci' }) });
      assert.notEqual(a.ID, b.ID);
      assert.equal(a.Subject, 'first');
      assert.equal(a.MessageID, 'first@example.com');
      assert.equal(a.Read, false);
      assert.equal(b.Inbox, 'ci');
      assert.deepEqual(store.get(a.ID), a);
      const listed = store.list();
      assert.equal(listed.total, 2);
      assert.equal(listed.unread, 2);
      assert.deepEqual(listed.messages.map((m) => m.Subject), ['second', 'first']);
      assert.equal(store.count(), 2);
    });

    test('raw bytes come back exactly, as a buffer and as a stream', async () => {
      const { store } = await harness();
      const raw = Buffer.concat([rawMessage('bytes'), Buffer.from([0, 255, 13, 10, 46, 13, 10])]);
      const s = await store.add({ raw, meta: meta() });
      assert.deepEqual(await store.readRaw(s.ID), raw);
      assert.deepEqual(await buffer(store.rawStream(s.ID)), raw);
      await assert.rejects(store.readRaw('nonexistent0000000000'), NotFoundError);
      assert.throws(() => store.rawStream('nonexistent0000000000'), NotFoundError);
    });

    test('paging and filters', async () => {
      const { store } = await harness();
      for (let i = 0; i < 7; i++) await store.add({ raw: rawMessage(`page ${i}`), meta: meta() });
      const page = store.list({ start: 2, limit: 3 });
      assert.equal(page.total, 7);
      assert.deepEqual(page.messages.map((m) => m.Subject), ['page 4', 'page 3', 'page 2']);
      const odd = store.list({ filter: (m) => /[13579]$/.test(m.Subject) });
      assert.equal(odd.total, 3);
      assert.deepEqual(store.list({ start: 10 }).messages, []);
    });

    test('concurrent adds are all kept, in arrival order', async () => {
      const { store } = await harness();
      const summaries = await Promise.all(Array.from({ length: 50 }, (_, i) => store.add({ raw: rawMessage(`c${i}`), meta: meta() })));
      assert.equal(new Set(summaries.map((s) => s.ID)).size, 50);
      const ids = store.list({ limit: 100 }).messages.map((m) => m.ID);
      assert.deepEqual(ids, [...ids].sort().reverse());
      assert.equal(store.count(), 50);
    });

    test('read flags and tags change, emit update events, and persist', async () => {
      const h = await harness();
      const events: StoreEvent[] = [];
      h.store.subscribe((e) => events.push(e));
      const s = await h.store.add({ raw: rawMessage('flags'), meta: meta() });
      assert.deepEqual(await h.store.setRead([s.ID, 'unknown'], true), [s.ID]);
      assert.deepEqual(await h.store.setRead([s.ID], true), [], 'no change, no update');
      assert.deepEqual(await h.store.setTags([s.ID], ['a', 'b']), [s.ID]);
      assert.deepEqual(events.map((e) => e.type), ['new', 'update', 'update']);
      const reopened = await h.reopen();
      assert.equal(reopened.get(s.ID)?.Read, true);
      assert.deepEqual(reopened.get(s.ID)?.Tags, ['a', 'b']);
      assert.equal(reopened.list().unread, 0);
    });

    test('delete removes only what exists, emits delete, and survives a reopen', async () => {
      const h = await harness();
      const events: StoreEvent[] = [];
      const unsubscribe = h.store.subscribe((e) => events.push(e));
      const keep = await h.store.add({ raw: rawMessage('keep'), meta: meta() });
      const drop = await h.store.add({ raw: rawMessage('drop'), meta: meta() });
      assert.deepEqual(await h.store.delete([drop.ID, 'nope']), [drop.ID]);
      assert.equal(h.store.get(drop.ID), undefined);
      await assert.rejects(h.store.readRaw(drop.ID), NotFoundError);
      assert.deepEqual(events.at(-1), { type: 'delete', ids: [drop.ID], inboxes: [drop.Inbox] });
      unsubscribe();
      await h.store.delete([keep.ID]);
      assert.equal(events.length, 3, 'no events after unsubscribe');
      const again = await h.store.add({ raw: rawMessage('again'), meta: meta() });
      const reopened = await h.reopen();
      assert.deepEqual(reopened.list().messages.map((m) => m.ID), [again.ID]);
    });

    test('deleteAll empties the store and emits truncate; new mail is accepted after', async () => {
      const h = await harness();
      const events: StoreEvent[] = [];
      h.store.subscribe((e) => events.push(e));
      for (let i = 0; i < 5; i++) await h.store.add({ raw: rawMessage(`all ${i}`), meta: meta() });
      await h.store.deleteAll();
      assert.equal(h.store.count(), 0);
      assert.equal(events.at(-1)?.type, 'truncate');
      const after = await h.store.add({ raw: rawMessage('after truncate'), meta: meta() });
      assert.deepEqual(await h.store.readRaw(after.ID), rawMessage('after truncate'));
      const reopened = await h.reopen();
      assert.deepEqual(reopened.list().messages.map((m) => m.Subject), ['after truncate']);
    });

    test('retention by count prunes the oldest and emits prune', async () => {
      const { store } = await harness({ maxMessages: 3, maxAgeMs: null });
      const events: StoreEvent[] = [];
      store.subscribe((e) => events.push(e));
      const added = [];
      for (let i = 0; i < 5; i++) added.push(await store.add({ raw: rawMessage(`keep ${i}`), meta: meta() }));
      await store.prune();
      assert.deepEqual(store.list().messages.map((m) => m.Subject), ['keep 4', 'keep 3', 'keep 2']);
      const pruned = events.filter((e): e is Extract<StoreEvent, { type: 'prune' }> => e.type === 'prune').flatMap((e) => e.ids);
      assert.deepEqual(pruned.sort(), [added[0]!.ID, added[1]!.ID].sort());
    });

    test('retention by age prunes what is older than the limit', async () => {
      const { store } = await harness({ maxMessages: 0, maxAgeMs: 60_000 });
      const old = await store.add({ raw: rawMessage('old'), meta: meta() });
      assert.deepEqual(await store.prune(new Date(Date.now() + 30_000)), []);
      const later = new Date(Date.parse(old.Created) + 61_000);
      assert.deepEqual(await store.prune(later), [old.ID]);
      assert.equal(store.count(), 0);
    });
  });
}

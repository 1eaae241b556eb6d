// The check cache: one computation per key however many ask at once, a bounded LRU, failures not kept, and entries
// leaving with their message (delete, prune, truncate) even while they are being computed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CheckCache } from '../server/checks/cache.ts';
import type { StoreEvent } from '../server/store/types.ts';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

test('concurrent requests share one computation; later ones are answered from the cache', async () => {
  const cache = new CheckCache();
  let runs = 0;
  const gate = deferred<string>();
  const compute = () => {
    runs++;
    return gate.promise;
  };
  const waiting = [1, 2, 3].map(() => cache.get({ id: 'm1', check: 'html-check' }, compute));
  gate.resolve('report');
  assert.deepEqual(await Promise.all(waiting), ['report', 'report', 'report']);
  assert.equal(await cache.get({ id: 'm1', check: 'html-check' }, compute), 'report');
  assert.equal(runs, 1);
  assert.equal(cache.computations('html-check'), 1);
  // Another check or another variant of the same message is its own entry.
  await cache.get({ id: 'm1', check: 'link-check', variant: 'follow' }, async () => 'links');
  await cache.get({ id: 'm1', check: 'link-check' }, async () => 'links');
  assert.equal(cache.computations('link-check'), 2);
  assert.equal(await cache.get({ id: 'm1', check: 'html-check' }, async () => 'again', true), 'again', 'refresh recomputes');
});

test('a failed computation is not kept', async () => {
  const cache = new CheckCache();
  await assert.rejects(cache.get({ id: 'm1', check: 'sa-check' }, async () => Promise.reject(new Error('spamd down'))), /spamd down/);
  assert.equal(await cache.get({ id: 'm1', check: 'sa-check' }, async () => 'ok'), 'ok');
  assert.equal(cache.computations('sa-check'), 2);
});

test('the least recently used report goes first once the bound is reached', async () => {
  const cache = new CheckCache({ maxEntries: 2 });
  const key = (id: string) => ({ id, check: 'auth-check' as const });
  await cache.get(key('a'), async () => 'A');
  await cache.get(key('b'), async () => 'B');
  await cache.get(key('a'), async () => 'not used'); // a is now the most recent
  await cache.get(key('c'), async () => 'C');
  assert.equal(cache.size, 2);
  assert.equal(await cache.get(key('a'), async () => 'A2'), 'A');
  assert.equal(await cache.get(key('b'), async () => 'B2'), 'B2', 'b was evicted');
});

test('deleted, pruned and truncated messages leave the cache, also while in flight', async () => {
  const cache = new CheckCache();
  let emit!: (event: StoreEvent) => void;
  const unfollow = cache.follow({
    subscribe: (listener) => {
      emit = listener;
      return () => {};
    },
  });
  assert.equal(typeof unfollow, 'function');
  for (const id of ['a', 'b', 'c']) await cache.get({ id, check: 'html-check' }, async () => id);
  emit({ type: 'delete', ids: ['a'], inboxes: ['default'] } as StoreEvent);
  emit({ type: 'prune', ids: ['b'], inboxes: ['default'] } as StoreEvent);
  assert.equal(cache.size, 1);
  emit({ type: 'truncate' });
  assert.equal(cache.size, 0);

  const gate = deferred<string>();
  const pending = cache.get({ id: 'd', check: 'html-check' }, () => gate.promise);
  emit({ type: 'delete', ids: ['d'], inboxes: ['default'] } as StoreEvent);
  gate.resolve('late');
  assert.equal(await pending, 'late', 'the caller still gets its answer');
  assert.equal(cache.size, 0, 'but a report of a deleted message is not stored');
});

test('evicting a message removes all of its reports (every check and variant) and only those', async () => {
  const cache = new CheckCache({ maxEntries: 10 });
  let computed = 0;
  const compute = (value: string) => async () => (computed++, value);
  for (const id of ['m1', 'm2']) {
    await cache.get({ id, check: 'html-check' }, compute(`${id} html`));
    await cache.get({ id, check: 'link-check', variant: 'follow' }, compute(`${id} follow`));
    await cache.get({ id, check: 'link-check' }, compute(`${id} links`));
  }
  // A refresh replaces a report in place; it is still the message's, and still evicted with it.
  await cache.get({ id: 'm1', check: 'html-check' }, compute('m1 html again'), true);
  assert.equal(cache.size, 6);
  cache.evict(['m1', 'unknown']);
  assert.equal(cache.size, 3);
  const before = computed;
  assert.equal(await cache.get({ id: 'm2', check: 'link-check', variant: 'follow' }, compute('x')), 'm2 follow');
  assert.equal(computed, before, "m2's reports stayed");
  assert.equal(await cache.get({ id: 'm1', check: 'html-check' }, compute('m1 html new')), 'm1 html new');
  assert.equal(computed, before + 1, "m1's report was gone");
  // A report the LRU already dropped can be evicted by ID without trouble, and new ones are tracked again.
  const small = new CheckCache({ maxEntries: 1 });
  await small.get({ id: 'a', check: 'sa-check' }, async () => 'A');
  await small.get({ id: 'b', check: 'sa-check' }, async () => 'B');
  small.evict(['a', 'b']);
  assert.equal(small.size, 0);
  await small.get({ id: 'a', check: 'sa-check' }, async () => 'A2');
  small.evict(['a']);
  assert.equal(small.size, 0);
});

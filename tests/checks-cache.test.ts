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

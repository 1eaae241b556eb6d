// The segment-file store: the contract, plus what only a disk store has to get right (torn tails, a lost or
// corrupt state file, compaction that really frees the disk).
import assert from 'node:assert/strict';
import { appendFileSync, closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { summarise } from '../server/mail/summarise.ts';
import { DiskStore, type DiskStoreOptions } from '../server/store/disk-store.ts';
import { encodeRecord } from '../server/store/record.ts';
import { tempDir } from './helpers/app.ts';
import { until } from './helpers/until.ts';
import { meta, rawMessage, storeContract } from './store-contract.ts';

function diskStore(dir: string, over: Partial<DiskStoreOptions> = {}): DiskStore {
  return new DiskStore({ dir, summarise, maxMessages: 0, maxAgeMs: null, stateDelayMs: 20, log: () => {}, ...over });
}

storeContract('DiskStore', async (limits) => {
  const dir = tempDir();
  let store = diskStore(dir, limits);
  await store.open();
  return {
    get store() {
      return store;
    },
    async reopen() {
      await store.close();
      store = diskStore(dir, limits);
      await store.open();
      return store;
    },
    async dispose() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('DiskStore on disk', () => {
  const dirs: string[] = [];
  const fresh = () => {
    const d = tempDir();
    dirs.push(d);
    return d;
  };
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const segmentFiles = (dir: string) => readdirSync(join(dir, 'segments')).filter((f) => f.endsWith('.seg')).sort();

  test('a torn tail (crash mid-write) is cut off and every complete message is kept', async () => {
    const dir = fresh();
    const store = diskStore(dir);
    await store.open();
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await store.add({ raw: rawMessage(`t${i}`), meta: meta() })).ID);
    await store.close();
    const [segment] = segmentFiles(dir);
    const path = join(dir, 'segments', segment!);
    const goodSize = statSync(path).size;
    // A record prefix that promises more bytes than exist, as a crash during writev leaves it.
    const torn = Buffer.alloc(40);
    torn.write('MCR1', 0);
    torn.writeUInt32LE(20, 4);
    torn.writeUInt32LE(5000, 8);
    appendFileSync(path, torn);

    const reopened = diskStore(dir);
    await reopened.open();
    assert.equal(reopened.lastOpen?.truncatedBytes, 40);
    assert.equal(statSync(path).size, goodSize);
    assert.deepEqual(reopened.list().messages.map((m) => m.ID).reverse(), ids);
    const next = await reopened.add({ raw: rawMessage('after repair'), meta: meta() });
    assert.deepEqual(await reopened.readRaw(next.ID), rawMessage('after repair'));
    await reopened.close();
  });

  test('a complete-looking record with a bad checksum in the newest segment is cut off', async () => {
    const dir = fresh();
    const store = diskStore(dir);
    await store.open();
    await store.add({ raw: rawMessage('good'), meta: meta() });
    await store.close();
    const path = join(dir, 'segments', segmentFiles(dir)[0]!);
    const keep = statSync(path).size;
    const again = diskStore(dir);
    await again.open();
    await again.add({ raw: rawMessage('flipped'), meta: meta() });
    await again.close();
    // A torn sector: one body byte of the last message record is wrong although its length is complete.
    const bodyAt = readFileSync(path).indexOf(rawMessage('flipped'), keep);
    assert.ok(bodyAt > keep);
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.from('X'), 0, 1, bodyAt + 5);
    closeSync(fd);

    const reopened = diskStore(dir);
    await reopened.open();
    assert.deepEqual(reopened.list().messages.map((m) => m.Subject), ['good']);
    assert.equal(statSync(path).size, keep);
    await reopened.close();
  });

  test('summary records in the earlier format (search text inside the JSON) are still read, not cut off', async () => {
    const dir = fresh();
    const raw = rawMessage('old format', 'Body words from before.');
    const created = new Date();
    const parsed = await summarise(raw, meta(), '0000000000old1', created);
    const records = [
      ...encodeRecord({ id: '0000000000old1', created: created.getTime(), meta: meta() }, raw),
      ...encodeRecord({ kind: 'summary', id: '0000000000old1', summary: parsed.summary, search: parsed.search }),
    ];
    mkdirSync(join(dir, 'segments'), { recursive: true });
    writeFileSync(join(dir, 'segments', '00000001.seg'), Buffer.concat(records));
    let parses = 0;
    const store = diskStore(dir, { summarise: async (...args) => (parses++, summarise(...args)) });
    await store.open();
    assert.equal(store.lastOpen?.truncatedBytes, 0);
    assert.equal(parses, 0, 'the old summary record was used');
    assert.equal(store.get('0000000000old1')?.Subject, 'old format');
    assert.equal(store.list({ filter: (_s, search) => search.text.includes('body words from before.') }).total, 1);
    await store.close();
  });

  test('onDurable: acknowledged once the bytes are on disk, indexed right after; indexed() waits for it', async () => {
    const dir = fresh();
    let release!: () => void;
    const parsing = new Promise<void>((r) => (release = r));
    // A parse held back, so the gap between the acknowledgement and the index is observable.
    const store = diskStore(dir, { summarise: async (...args) => (await parsing, summarise(...args)) });
    await store.open();
    let acked = '';
    const added = store.add({ raw: rawMessage('early'), meta: meta() }, { onDurable: (id) => (acked = id) });
    await until(() => acked !== '', 'onDurable');
    // Durable: the raw bytes are in the segment already, though the message is not yet in the index.
    const segment = readFileSync(join(dir, 'segments', segmentFiles(dir)[0]!));
    assert.ok(segment.includes(rawMessage('early')), 'raw bytes on disk at the acknowledgement');
    assert.equal(store.get(acked), undefined);
    const barrier = store.indexed();
    assert.ok(barrier, 'indexed() has something to wait for');
    let waited = false;
    void barrier.then(() => (waited = true));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(waited, false, 'indexed() waits for the parse');
    release();
    await barrier;
    assert.equal(store.get(acked)?.Subject, 'early');
    assert.equal((await added).ID, acked);
    assert.equal(store.indexed(), undefined, 'nothing pending afterwards');
    await store.close();
  });

  test('a summary record lost to a crash: the message is parsed again at start-up, once', async () => {
    const dir = fresh();
    const store = diskStore(dir);
    await store.open();
    const first = await store.add({ raw: rawMessage('first'), meta: meta({ username: 'job-1' }) });
    const second = await store.add({ raw: rawMessage('second'), meta: meta({ username: 'job-2' }) });
    await store.close();
    // The last record is the second message's summary, written after its 250: tear it as a crash would.
    const path = join(dir, 'segments', segmentFiles(dir)[0]!);
    truncateSync(path, statSync(path).size - 10);

    let parses = 0;
    const counting = () => diskStore(dir, { summarise: async (...args) => (parses++, summarise(...args)) });
    const reopened = counting();
    await reopened.open();
    assert.equal(reopened.lastOpen?.reparsed, 1);
    assert.equal(parses, 1);
    assert.deepEqual(reopened.list().messages.map((m) => [m.ID, m.Subject, m.Inbox]), [
      [second.ID, 'second', 'job-2'],
      [first.ID, 'first', 'job-1'],
    ]);
    await reopened.close();
    // The summary was written down again, so the next start parses nothing.
    const third = counting();
    await third.open();
    assert.equal(third.lastOpen?.reparsed, 0);
    assert.equal(parses, 1);
    assert.equal(third.count(), 2);
    await third.close();
  });

  test('the index is rebuilt from segment headers alone: no index file, no re-parsing', async () => {
    const dir = fresh();
    const store = diskStore(dir);
    await store.open();
    const subjects = ['one', 'two', 'three'];
    for (const s of subjects) await store.add({ raw: rawMessage(s, `Body of ${s}: Ünïcode wörds, "quotes" and \\ slashes.`), meta: meta({ username: 'job-7' }) });
    await store.close();

    let parses = 0;
    const counting = diskStore(dir, { summarise: async (...args) => (parses++, summarise(...args)) });
    await counting.open();
    assert.equal(parses, 0, 'start-up must not parse messages');
    assert.deepEqual(counting.list().messages.map((m) => m.Subject).reverse(), subjects);
    assert.equal(counting.list().messages[0]?.Inbox, 'job-7');
    // The search text (kept as each summary record's UTF-8 body) comes back byte for byte.
    const found = counting.list({ filter: (_s, search) => search.text.includes('body of two: ünïcode wörds, "quotes" and \\ slashes.') });
    assert.deepEqual(found.messages.map((m) => m.Subject), ['two']);
    await counting.close();
  });

  test('a lost or corrupt state file resets flags and tags but keeps every message', async () => {
    const dir = fresh();
    const store = diskStore(dir);
    await store.open();
    const a = await store.add({ raw: rawMessage('flagged'), meta: meta() });
    await store.setRead([a.ID], true);
    await store.setTags([a.ID], ['kept']);
    await store.close();

    // Written through a temporary file that is flushed and renamed: none is left behind, and a half-written one
    // from a crash mid-write is ignored on load and replaced by the next write.
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).read, [a.ID]);
    assert.ok(!readdirSync(dir).includes('.state.json.tmp'), 'no temporary state file left');
    writeFileSync(join(dir, '.state.json.tmp'), '{"version":3,"read":[');

    const reopened = diskStore(dir);
    await reopened.open();
    assert.equal(reopened.get(a.ID)?.Read, true);
    assert.deepEqual(reopened.get(a.ID)?.Tags, ['kept']);
    await reopened.setRead([a.ID], false);
    await reopened.setRead([a.ID], true);
    await reopened.close();
    assert.ok(!readdirSync(dir).includes('.state.json.tmp'), 'the stale temporary file was replaced');

    writeFileSync(join(dir, 'state.json'), '{"version":3,"read":["trunc');
    const recovered = diskStore(dir);
    await recovered.open();
    assert.equal(recovered.count(), 1);
    assert.equal(recovered.get(a.ID)?.Read, false);
    assert.ok(readdirSync(dir).some((f) => f.startsWith('state.json.corrupt-')), 'corrupt state kept aside');
    await recovered.close();
  });

  test('the open segment is zero-filled ahead of its data; after a crash that space is cut, not taken for a torn record', async () => {
    const dir = fresh();
    const store = diskStore(dir);
    await store.open();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await store.add({ raw: rawMessage(`z${i}`), meta: meta() })).ID);
    await store.indexed();
    const path = join(dir, 'segments', segmentFiles(dir)[0]!);
    // The zero-fill runs beside the writes; wait until the file is longer than its records.
    const [size, image] = await until(() => {
      const bytes = readFileSync(path);
      const end = bytes.lastIndexOf(Buffer.from(ids[4]!)) + 4096;
      return bytes.length > end && bytes.subarray(end).every((b) => b === 0) && [bytes.length, bytes];
    }, 'zero-filled space after the records');
    assert.ok(size >= 512 * 1024, `only ${size} bytes`);
    // A crash leaves the file as it is now: copy it into another data folder and open that.
    const crashed = fresh();
    mkdirSync(join(crashed, 'segments'), { recursive: true });
    writeFileSync(join(crashed, 'segments', segmentFiles(dir)[0]!), image);
    await store.close();
    assert.ok(statSync(path).size < size, 'a clean close cuts the zero-filled space off');

    const reopened = diskStore(crashed);
    await reopened.open();
    assert.equal(reopened.lastOpen?.truncatedBytes, 0, 'zero-filled space is not torn data');
    assert.deepEqual(reopened.list().messages.map((m) => m.ID).reverse(), ids);
    const cleanLength = statSync(join(crashed, 'segments', segmentFiles(crashed)[0]!)).size;
    assert.ok(cleanLength < size / 4, `cut to its data (${cleanLength} bytes)`);
    const next = await reopened.add({ raw: rawMessage('after the crash'), meta: meta() });
    await reopened.close();
    const again = diskStore(crashed);
    await again.open();
    assert.deepEqual(await again.readRaw(next.ID), rawMessage('after the crash'));
    assert.equal(again.count(), 6);
    await again.close();
  });

  test('a segment cut short loses only the records that were cut', async () => {
    const dir = fresh();
    const store = diskStore(dir);
    await store.open();
    await store.add({ raw: rawMessage('stays'), meta: meta() });
    // Closed to read the size: an open segment also holds zero-filled space ahead of its data.
    await store.close();
    const segment = join(dir, 'segments', segmentFiles(dir)[0]!);
    const cut = statSync(segment).size;
    await store.open();
    await store.add({ raw: rawMessage('vanishes'), meta: meta() });
    await store.close();
    truncateSync(segment, cut + 30);
    const reopened = diskStore(dir);
    await reopened.open();
    assert.equal(reopened.lastOpen?.truncatedBytes, 30);
    assert.deepEqual(reopened.list().messages.map((m) => m.Subject), ['stays']);
    await reopened.close();
  });

  test('deleting and pruning give the disk space back', async () => {
    const dir = fresh();
    const store = diskStore(dir, { segmentSize: 4096, maxMessages: 10 });
    await store.open();
    const body = 'x'.repeat(900);
    const bytesOnDisk = () => segmentFiles(dir).reduce((n, f) => n + statSync(join(dir, 'segments', f)).size, 0);
    await store.add({ raw: rawMessage('bulk first', body), meta: meta() });
    await store.close();
    // One message on disk: its record and its summary record.
    const recordBytes = bytesOnDisk();
    await store.open();
    for (let i = 0; i < 59; i++) await store.add({ raw: rawMessage(`bulk ${i}`, body), meta: meta() });
    await store.prune();
    await store.settle();
    assert.equal(store.count(), 10);
    // A sealed segment is rewritten once half of it is dead, so at most twice the 10 kept messages stay, plus the open
    // segment's leftovers: far below the 60 written.
    assert.ok(bytesOnDisk() <= 2 * 10 * recordBytes + 2 * 4096, `${bytesOnDisk()} bytes still on disk, one message is ${recordBytes}`);
    assert.ok(bytesOnDisk() < (60 * recordBytes) / 2);

    // Deleting most of what is left compacts the sealed segments; the survivors stay readable.
    const ids = store.list({ limit: 100 }).messages.map((m) => m.ID);
    await store.delete(ids.slice(1));
    await store.settle();
    const survivor = store.get(ids[0]!);
    assert.ok(survivor);
    assert.deepEqual(await store.readRaw(survivor.ID), rawMessage(survivor.Subject, body));
    await store.close();

    const reopened = diskStore(dir, { segmentSize: 4096 });
    await reopened.open();
    assert.deepEqual(reopened.list().messages.map((m) => m.ID), [ids[0]]);
    assert.deepEqual(await reopened.readRaw(ids[0]!), rawMessage(survivor.Subject, body));
    await reopened.close();
  });

  test('messages past --max-age are pruned when the store opens', async () => {
    const dir = fresh();
    const store = diskStore(dir);
    await store.open();
    await store.add({ raw: rawMessage('ancient'), meta: meta() });
    await store.close();
    await new Promise((r) => setTimeout(r, 30));
    const aged = diskStore(dir, { maxAgeMs: 10 });
    await aged.open();
    assert.equal(aged.count(), 0);
    await aged.close();
  });
});

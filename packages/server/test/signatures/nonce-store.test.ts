import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/config/clock.js';
import { FingerprintTable } from '../../src/signatures/fingerprint-table.js';
import { MemoryNonceStore } from '../../src/signatures/nonce-store.js';

/*
 * The embedded replay store (src/signatures/nonce-store.ts): records kept in generations of 60 s of
 * claims, dropped whole once all of a generation's records have expired.
 */
const MINUTE = 60_000;
const WINDOW = 5 * MINUTE;

describe('MemoryNonceStore', () => {
  let clock: ManualClock;
  let store: MemoryNonceStore;
  const open = (maxEntries?: number, maxEntriesPerKey?: number): MemoryNonceStore => {
    clock = new ManualClock(Date.UTC(2026, 0, 15, 12, 0, 0));
    store = new MemoryNonceStore(clock, {
      ...(maxEntries === undefined ? {} : { maxEntries }),
      ...(maxEntriesPerKey === undefined ? {} : { maxEntriesPerKey }),
    });
    return store;
  };
  afterEach(async () => store.close());

  it('a nonce is single-use within its window, per key id', () => {
    const s = open();
    const until = clock.now() + WINDOW;
    expect(s.claim('key-a', 'nonce-0001', until)).toBe('claimed');
    expect(s.claim('key-a', 'nonce-0001', until)).toBe('replayed');
    expect(s.claim('key-b', 'nonce-0001', until)).toBe('claimed');
  });

  it('a record outlives the generations opened after it, until its own window ends', () => {
    const s = open();
    expect(s.claim('key-a', 'early', clock.now() + WINDOW)).toBe('claimed');
    // Every 59 s a new generation opens (with a claim of its own) and "early" is tried again: a
    // replay up to 295 s, a fresh claim at 354 s, past its 300 s window.
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) {
      clock.advance(59_000);
      expect(s.claim('key-a', `later-${i}`, clock.now() + WINDOW)).toBe('claimed');
      seen.push(s.claim('key-a', 'early', clock.now() + WINDOW));
    }
    expect(seen).toEqual(['replayed', 'replayed', 'replayed', 'replayed', 'replayed', 'claimed']);
  });

  it('after its window the same nonce may be claimed again, and not at its last instant', () => {
    const s = open();
    expect(s.claim('key-a', 'nonce-0001', clock.now() + WINDOW)).toBe('claimed');
    clock.advance(WINDOW); // the verifier still accepts the signature at its window end…
    expect(s.claim('key-a', 'nonce-0001', clock.now() + WINDOW)).toBe('replayed');
    clock.advance(1); // …and refuses it from the next millisecond on
    expect(s.claim('key-a', 'nonce-0001', clock.now() + WINDOW)).toBe('claimed');
    expect(s.size).toBe(1);
  });

  it('forgets a generation only once every record in it has expired', async () => {
    const s = open();
    const start = clock.now();
    expect(s.claim('key-a', 'short', start + MINUTE)).toBe('claimed');
    expect(s.claim('key-a', 'long', start + WINDOW)).toBe('claimed');
    clock.advance(2 * MINUTE); // "short" expired, "long" has not: the generation stays
    expect(s.claim('key-b', 'next', clock.now() + WINDOW)).toBe('claimed');
    expect(await s.sweep()).toBe(0);
    expect(s.size).toBe(3);
    expect(s.claim('key-a', 'long', clock.now() + WINDOW)).toBe('replayed');
    clock.set(start + WINDOW + 1); // both records of the first generation are over
    expect(await s.sweep()).toBe(2);
    expect(s.size).toBe(1);
    expect(s.claim('key-b', 'next', clock.now() + WINDOW)).toBe('replayed');
  });

  it('an expired record is taken over in its own generation, not held twice', () => {
    const s = open();
    expect(s.claim('key-a', 'nonce-0001', clock.now() + 1_000)).toBe('claimed');
    clock.advance(1_001); // same generation, window over
    expect(s.claim('key-a', 'nonce-0001', clock.now() + WINDOW)).toBe('claimed');
    expect(s.size).toBe(1);
    clock.advance(MINUTE - 2_000); // still the same generation, and now within the new window
    expect(s.claim('key-a', 'nonce-0001', clock.now() + WINDOW)).toBe('replayed');
  });

  it('finds every record after its tables have grown, and keeps key ids apart', () => {
    const s = open();
    const until = clock.now() + WINDOW;
    const nonces = Array.from({ length: 50_000 }, (_, i) => `nonce-${i}`);
    expect(nonces.filter((n) => s.claim('key-a', n, until) !== 'claimed')).toEqual([]);
    expect(nonces.filter((n) => s.claim('key-a', n, until) !== 'replayed')).toEqual([]);
    expect(nonces.filter((n) => s.claim('key-b', n, until) !== 'claimed')).toEqual([]);
    expect(nonces.filter((n) => s.claim('key-b', n, until) !== 'replayed')).toEqual([]);
    expect(s.size).toBe(100_000);
    clock.set(until + 1); // every window over: each nonce is new again, under both key ids
    expect(nonces.filter((n) => s.claim('key-a', n, clock.now() + WINDOW) !== 'claimed')).toEqual([]);
    expect(nonces.filter((n) => s.claim('key-b', n, clock.now() + WINDOW) !== 'claimed')).toEqual([]);
    expect(s.size).toBe(100_000);
  });

  it('refuses a window end it cannot store rather than forgetting the nonce at once', () => {
    const s = open();
    for (const end of [Number.NaN, -1_000, 2 ** 32 * 1000])
      expect(() => s.claim('key-a', 'nonce-0001', end)).toThrow(TypeError);
    expect(s.size).toBe(0);
  });

  it('when full it refuses as full, not as a replay, and takes claims again once records expire', () => {
    // One key may fill this store: its share is the whole store.
    const s = open(2, 2);
    const until = clock.now() + WINDOW;
    expect(s.claim('key-a', 'nonce-0001', until)).toBe('claimed');
    expect(s.claim('key-a', 'nonce-0002', until)).toBe('claimed');
    expect(s.claim('key-a', 'nonce-0003', until)).toBe('full');
    // A replay is still recognised as one when the store is full.
    expect(s.claim('key-a', 'nonce-0001', until)).toBe('replayed');
    clock.set(until + 1);
    expect(s.claim('key-a', 'nonce-0003', clock.now() + WINDOW)).toBe('claimed');
  });
});

describe('MemoryNonceStore when full', () => {
  it('tells the operator once per generation, not once per refused request', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 15, 12, 0, 0));
    const reports: number[] = [];
    const s = new MemoryNonceStore(clock, { maxEntries: 1, onFull: (size) => reports.push(size) });
    expect(s.claim('key-a', 'nonce-0001', clock.now() + WINDOW)).toBe('claimed');
    for (let i = 0; i < 5; i++) expect(s.claim('key-a', `more-${i}`, clock.now() + WINDOW)).toBe('full');
    expect(reports).toEqual([1]);
    clock.advance(WINDOW + 1); // the record expired: room again, in a new generation
    expect(s.claim('key-a', 'nonce-0002', clock.now() + WINDOW)).toBe('claimed');
    expect(s.claim('key-a', 'nonce-0003', clock.now() + WINDOW)).toBe('full');
    expect(reports).toEqual([1, 1]);
    await s.close();
  });
});

describe('MemoryNonceStore memory', () => {
  it('keeps a nonce in a few bytes of typed arrays, not the header string it was cut from', async () => {
    // Full collections before each reading, so that garbage from the claims does not count. Several:
    // the backing stores of a table's outgrown arrays are only freed by a later collection (with
    // one, 9.0 MB of array buffers here instead of 6.0 MB).
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const settle = async (): Promise<NodeJS.MemoryUsage> => {
      for (let i = 0; i < 3; i++) {
        gc();
        await new Promise((resolve) => setImmediate(resolve));
      }
      return process.memoryUsage();
    };
    const clock = new ManualClock(Date.UTC(2026, 0, 15, 12, 0, 0));
    const s = new MemoryNonceStore(clock);
    const count = 200_000;
    const before = await settle();
    for (let i = 0; i < count; i++) {
      // As from a request: a 22-character nonce sliced out of a ~200-character Signature-Input
      // header, a slice that points into the header and would keep all of it alive.
      const header = `sig1=("@method" "@target-uri" "content-digest");created=1768478400;keyid="key-a";alg="ed25519";nonce="${i.toString(36).padStart(22, '0')}";tag="mooring-${'v'.repeat(40)}"`;
      const at = header.indexOf('nonce="') + 7;
      s.claim('key-a', header.slice(at, at + 22), clock.now() + WINDOW);
    }
    const after = await settle();
    expect(s.size).toBe(count);
    // A Map of the strings held ~300 bytes per nonce on the heap here (58 MB); the table holds 2^19
    // slots of 12 bytes (6 MB, ~31 bytes per record), outside the heap.
    expect(after.heapUsed - before.heapUsed).toBeLessThan(10 * 2 ** 20);
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(count * 48);
    await s.close();
  });
});

describe('FingerprintTable', () => {
  it('finds every fingerprint again after growing, with its latest value', () => {
    const t = new FingerprintTable();
    const n = 10_000; // the table starts with 1024 slots
    const lo = (i: number): number => Math.imul(i + 1, 0x9e37_79b1); // spread, and signed half the time
    for (let i = 0; i < n; i++) t.set(i, lo(i), i);
    for (let i = 0; i < n; i += 2) t.set(i, lo(i), i + 1);
    expect(t.size).toBe(n);
    const wrong = [];
    for (let i = 0; i < n; i++) if (t.get(i, lo(i)) !== i + (i % 2 === 0 ? 1 : 0)) wrong.push(i);
    expect(wrong).toEqual([]);
    expect(t.get(n, lo(n))).toBe(-1);
    expect(t.get(1, lo(0))).toBe(-1);
  });

  it('stores the fingerprint that marks an empty slot', () => {
    const t = new FingerprintTable();
    expect(t.get(0, 0)).toBe(-1);
    t.set(0, 0, 7);
    expect(t.get(0, 0)).toBe(7);
    expect(t.size).toBe(1);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/config/clock.js';
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
  const open = (maxEntries?: number): MemoryNonceStore => {
    clock = new ManualClock(Date.UTC(2026, 0, 15, 12, 0, 0));
    store = new MemoryNonceStore(clock, maxEntries === undefined ? {} : { maxEntries });
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

  it('when full it refuses as full, not as a replay, and takes claims again once records expire', () => {
    const s = open(2);
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

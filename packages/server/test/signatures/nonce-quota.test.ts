import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/config/clock.js';
import { MemoryNonceStore } from '../../src/signatures/nonce-store.js';
import { adminToken } from '../support/fleet-fixtures.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createSigningKey, type SigningKey, signed } from './support.js';

/*
 * Issue 18 §5: one tenant's key could fill the embedded replay store and block every other tenant's
 * signed requests, and a full store answered "Internal server error". Once the store is half full, a
 * key holding more than its share (default 5 % of the limit) is refused with 429 while the others go
 * on; a store full all the same answers the documented 503.
 */
const WINDOW = 300_000;

describe('MemoryNonceStore per-key share', () => {
  let store: MemoryNonceStore | undefined;
  afterEach(async () => store?.close());

  it('below half full a key takes what it needs; above, a key over its share is refused, others are not', () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 15, 12, 0, 0));
    store = new MemoryNonceStore(clock, { maxEntries: 100, maxEntriesPerKey: 10 });
    const until = clock.now() + WINDOW;
    for (let i = 0; i < 50; i++) expect(store.claim('greedy', `n-${i}`, until)).toBe('claimed');
    expect(store.claim('greedy', 'n-50', until)).toBe('key_full');
    // A replay is still a replay, whatever the share.
    expect(store.claim('greedy', 'n-0', until)).toBe('replayed');
    for (let k = 0; k < 5; k++) {
      for (let i = 0; i < 10; i++) expect(store.claim(`tenant-${k}`, `n-${i}`, until)).toBe('claimed');
      // Over its share: refused for this key alone, until the store is full for everyone.
      expect(store.claim(`tenant-${k}`, 'n-10', until)).toBe(k < 4 ? 'key_full' : 'full');
    }
    expect(store.size).toBe(100);
    expect(store.claim('newcomer', 'n-0', until)).toBe('full');
    // Once the windows end, everyone starts afresh.
    clock.advance(WINDOW + 1);
    expect(store.claim('greedy', 'n-50', clock.now() + WINDOW)).toBe('claimed');
    expect(store.heldBy('greedy')).toBe(1);
  });

  it('the default share is 5 % of the limit', () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 15, 12, 0, 0));
    store = new MemoryNonceStore(clock, { maxEntries: 1000 });
    const until = clock.now() + WINDOW;
    for (let i = 0; i < 500; i++) store.claim('a', `n-${i}`, until);
    expect(store.claim('a', 'x', until)).toBe('key_full');
    for (let i = 0; i < 50; i++) expect(store.claim('b', `n-${i}`, until)).toBe('claimed');
    expect(store.claim('b', 'x', until)).toBe('key_full');
  });
});

// The in-memory store is the embedded (SQLite) deployment's; PostgreSQL keeps nonces in a table.
describe('replay store limits over HTTP (sqlite)', () => {
  let t: TestApp | undefined;
  afterEach(async () => t?.close());

  const whoami = (app: TestApp, key: SigningKey) =>
    signed(app, key, { method: 'GET', url: '/actor/v1/whoami' });

  it('a greedy key gets 429 while another key still signs; a full store answers the documented 503', async () => {
    t = await createTestApp('sqlite', { MOORING_SIGNATURE_NONCE_LIMIT: '1000' });
    const admin = await adminToken(t);
    const keys: SigningKey[] = [];
    for (let i = 0; i < 12; i++)
      keys.push(await createSigningKey(t, admin, 'hmac-sha256', { name: `tenant-${i}` }));
    const [greedy, ...others] = keys as [SigningKey, ...SigningKey[]];

    for (let i = 0; i < 500; i++) expect((await whoami(t, greedy)).status).toBe(200);
    const refused = await whoami(t, greedy);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(JSON.parse(refused.body)).toMatch(/this key within the replay window/);

    // Ten more tenants take their share each (50): the store is full only then.
    for (const key of others.slice(0, 10)) {
      for (let i = 0; i < 50; i++) expect((await whoami(t, key)).status).toBe(200);
    }
    const last = others[10] as SigningKey;
    const full = await whoami(t, last);
    expect(full.status).toBe(503);
    expect(JSON.parse(full.body)).toBe('Too many signed requests within the replay window; retry later');
    expect(full.headers['retry-after']).toBe('60');
    const mooring = await signed(t, last, { method: 'GET', url: '/mooring/v1/sessions' });
    expect(mooring.status).toBe(503);
    expect(JSON.parse(mooring.body).error.message).toMatch(/replay window; retry later/);
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryTokenStore } from '../src/index.js';
import { decodeClaims } from '../src/session.js';
import { ADMIN_PASSWORD, dialects, rejection, type SdkServer, startServer } from './support.js';

const DAY = 86_400_000;
const REFRESH = '/user/v1/refresh-token';

describe.each(dialects())('SDK session auto-refresh (%s)', (dialect) => {
  let s: SdkServer;
  let start: number;
  beforeAll(async () => {
    s = await startServer(dialect);
    start = s.t.clock.now();
  });
  afterAll(async () => s.close());
  beforeEach(() => {
    start += 30 * DAY; // each test begins on its own day, far from the others' sessions
    s.t.clock.set(start);
    s.resetCounts();
  });

  const exp = (token: string | null): number => decodeClaims(token ?? '')?.exp ?? 0;

  it('does not refresh a session far from expiry', async () => {
    const client = await s.admin();
    s.t.clock.advance(DAY);
    await client.fleets.list();
    expect(s.count(REFRESH)).toBe(0);
  });

  it('refreshes once before expiry (default threshold: 1 day) and continues with the new token', async () => {
    const store = new MemoryTokenStore();
    const client = s.client({ tokenStore: store });
    await client.auth.login('admin', ADMIN_PASSWORD);
    const first = store.get();
    s.t.clock.advance(6.5 * DAY); // 12 h left of a 7-day session
    expect(await client.auth.whoami()).toMatchObject({ username: 'admin' });
    expect(s.count(REFRESH)).toBe(1);
    const second = store.get();
    expect(second).not.toBe(first);
    expect(exp(second) - exp(first)).toBe(6.5 * 86_400);
    await client.fleets.list();
    expect(s.count(REFRESH)).toBe(1);
  });

  it('concurrent calls during a refresh share exactly one refresh request', async () => {
    const client = await s.admin();
    s.t.clock.advance(6.9 * DAY);
    s.resetCounts();
    const results = await Promise.all([
      client.auth.whoami(),
      client.fleets.list(),
      client.devices.list(),
      client.sessions.list(),
      client.keys.list(),
      client.audit.list(),
    ]);
    expect(results).toHaveLength(6);
    expect(s.count(REFRESH)).toBe(1);
    expect(s.count('/actor/v1/whoami')).toBe(1);
  });

  it('honours refreshThresholdSeconds', async () => {
    const client = await s.admin({ refreshThresholdSeconds: 3 * 86_400 });
    s.t.clock.advance(3.5 * DAY);
    await client.auth.whoami();
    expect(s.count(REFRESH)).toBe(0);
    s.t.clock.advance(DAY); // 2.5 days left < 3
    await client.auth.whoami();
    expect(s.count(REFRESH)).toBe(1);
  });

  it('a refused refresh surfaces SessionExpired to every waiting call, once, and clears the store', async () => {
    const store = new MemoryTokenStore();
    let expired = 0;
    const client = s.client({ tokenStore: store, onSessionExpired: () => expired++ });
    await client.auth.login('admin', ADMIN_PASSWORD);
    const revoker = await s.admin();
    const mine = (await client.sessions.list()).find((x) => x.current)?.id ?? '';
    await revoker.sessions.revoke(mine);
    s.t.clock.advance(6.5 * DAY);
    s.resetCounts();
    const errors = await Promise.all([
      rejection(client.auth.whoami()),
      rejection(client.fleets.list()),
      rejection(client.devices.list()),
    ]);
    for (const error of errors) expect(error).toMatchObject({ code: 'SessionExpired', status: 401 });
    expect(s.count(REFRESH)).toBe(1);
    expect(s.count('/actor/v1/whoami')).toBe(0);
    expect(expired).toBe(1);
    expect(store.get()).toBeNull();
  });

  it('an expired token fails locally with SessionExpired, without a request', async () => {
    const client = await s.admin();
    s.t.clock.advance(7 * DAY + 1000);
    s.resetCounts();
    expect(await rejection(client.fleets.list())).toMatchObject({ code: 'SessionExpired' });
    expect(s.count(REFRESH)).toBe(0);
    expect(s.count('/v7/application')).toBe(0);
  });

  it('a refresh that fails in transit keeps the still-valid token and backs off', async () => {
    const fail = { on: true, attempts: 0 };
    const client = await s.admin({
      fetch: (input, init) => {
        if (!fail.on || !String(input).includes(REFRESH)) return fetch(input, init);
        fail.attempts++;
        return Promise.reject(new TypeError('connection reset'));
      },
    });
    s.t.clock.advance(6.5 * DAY);
    expect(await client.auth.whoami()).toMatchObject({ username: 'admin' });
    expect(await client.auth.whoami()).toMatchObject({ username: 'admin' });
    expect(fail.attempts).toBe(1); // the second call did not retry the refresh within the back-off
    fail.on = false;
    s.t.clock.advance(61_000);
    await client.auth.whoami();
    expect(s.count(REFRESH)).toBe(1);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { request } from '../support/fleet-fixtures.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import {
  DEFAULT_GRACE_MS,
  DEFAULT_TIMEOUT_MS,
  type FleetWithKey,
  fleetWithKey,
  MANUAL_HEARTBEAT_ENV,
  MINUTE,
  poll,
  register,
} from './support.js';

/*
 * Issue 23, the uptime strip: `?since=` bounds the status history to a window and says the state at
 * its start, so a client can draw the window from start to now without guessing.
 */

interface Window {
  api_heartbeat_state: string;
  events: { from: string; to: string; at: string }[];
  since?: string;
  state_at_since?: string | null;
}

describe.each(dialects())('status history window (%s)', (dialect) => {
  let t: TestApp;
  let a: FleetWithKey;
  beforeAll(async () => {
    t = await createTestApp(dialect, MANUAL_HEARTBEAT_ENV);
    a = await fleetWithKey(t);
  });
  afterAll(async () => t?.close());

  const iso = (ms: number): string => new Date(ms).toISOString();
  const hb = () => t.app.devices.heartbeats;

  it('answers the changes since a time and the state at that time, at every point of a history', async () => {
    const dev = await register(t.app, a.provisioningKey, a.fleet.id);
    const url = `/mooring/v1/devices/${dev.uuid}/status-history`;
    const windowAt = async (since: number, extra = ''): Promise<Window> => {
      const res = await request(
        t.app,
        'GET',
        `${url}?since=${encodeURIComponent(iso(since))}${extra}`,
        a.admin,
      );
      expect(res.status).toBe(200);
      return res.json as Window;
    };

    // Never changed: the state now holds for any window.
    const created = t.clock.now();
    expect(await windowAt(created - MINUTE)).toMatchObject({
      since: iso(created - MINUTE),
      state_at_since: 'unknown',
      events: [],
    });

    // unknown → online (t0) → timeout → offline → online (back).
    const t0 = t.clock.now();
    await poll(t.app, dev);
    await hb().flush();
    t.clock.set(t0 + DEFAULT_TIMEOUT_MS);
    await hb().sweep();
    t.clock.set(t0 + DEFAULT_TIMEOUT_MS + DEFAULT_GRACE_MS);
    await hb().sweep();
    t.clock.advance(MINUTE);
    const back = t.clock.now();
    await poll(t.app, dev);
    await hb().flush();
    t.clock.advance(MINUTE);

    const all = await windowAt(t0 - 1);
    expect(all.state_at_since).toBe('unknown');
    expect(all.events.map((e) => `${e.from}>${e.to}`)).toEqual([
      'offline>online',
      'timeout>offline',
      'online>timeout',
      'unknown>online',
    ]);
    // A change exactly at `since` is inside the window.
    expect((await windowAt(t0)).events).toHaveLength(4);
    expect((await windowAt(t0)).state_at_since).toBe('unknown');

    const inTimeout = await windowAt(t0 + DEFAULT_TIMEOUT_MS + 1);
    expect(inTimeout.state_at_since).toBe('timeout');
    expect(inTimeout.events).toEqual([
      { from: 'offline', to: 'online', at: iso(back) },
      { from: 'timeout', to: 'offline', at: iso(t0 + DEFAULT_TIMEOUT_MS + DEFAULT_GRACE_MS) },
    ]);
    const after = await windowAt(back + 1);
    expect(after).toMatchObject({ state_at_since: 'online', events: [] });

    // More changes than `limit`: the newest are listed and the start state is unknown (null).
    const cut = await windowAt(t0 - 1, '&limit=2');
    expect(cut.events.map((e) => e.to)).toEqual(['online', 'offline']);
    expect(cut.state_at_since).toBeNull();
    expect((await windowAt(t0 - 1, '&limit=4')).state_at_since).toBe('unknown');

    // Without `since` the answer is as before: no window fields.
    const plain = (await request(t.app, 'GET', url, a.admin)).json as Window;
    expect(plain).not.toHaveProperty('since');
    expect(plain).not.toHaveProperty('state_at_since');

    for (const bad of ['yesterday', '', 'x'.repeat(65)]) {
      const res = await request(t.app, 'GET', `${url}?since=${bad}`, a.admin);
      expect(res.status, bad).toBe(400);
    }
  });
});

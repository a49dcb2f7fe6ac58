import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dialects } from '../support/databases.js';
import { addMember, createOrganization, createUser, request } from '../support/fleet-fixtures.js';
import { bearer, createTestApp, loginAs, type TestApp } from '../support/test-app.js';
import {
  DEFAULT_GRACE_MS,
  DEFAULT_TIMEOUT_MS,
  type FleetWithKey,
  fleetWithKey,
  heartbeatRow,
  MANUAL_HEARTBEAT_ENV,
  MINUTE,
  poll,
  register,
  v7Status,
} from './support.js';

/** The heartbeat state machine (COMPAT.md A9) driven by polls, flushes and sweeps with an injected clock. */
describe.each(dialects())('heartbeat state machine (%s)', (dialect) => {
  let t: TestApp;
  let a: FleetWithKey;

  beforeAll(async () => {
    t = await createTestApp(dialect, MANUAL_HEARTBEAT_ENV);
    a = await fleetWithKey(t);
  });
  afterAll(async () => t?.close());

  const hb = () => t.app.devices.heartbeats;

  it('unknown → online (at the flush) → timeout after 1.5 × 10 min → offline 15 s later → online again', async () => {
    const dev = await register(t.app, a.provisioningKey, a.fleet.id);
    expect(await v7Status(t, a.admin, dev.uuid)).toEqual({
      api_heartbeat_state: 'unknown',
      is_online: false,
      is_connected_to_vpn: false,
      overall_status: 'configuring',
    });

    const t0 = t.clock.now();
    expect((await poll(t.app, dev)).status).toBe(200);
    // Polls touch memory only: readers see the change after the flush (at most one flush interval).
    expect((await v7Status(t, a.admin, dev.uuid)).api_heartbeat_state).toBe('unknown');
    t.clock.advance(300);
    await hb().flush();
    expect(await v7Status(t, a.admin, dev.uuid)).toEqual({
      api_heartbeat_state: 'online',
      is_online: true,
      is_connected_to_vpn: true,
      overall_status: 'operational',
    });
    expect(await heartbeatRow(t, dev.id)).toEqual({
      api_heartbeat_state: 'online',
      changed_api_heartbeat_state_on__date: t0,
      last_connectivity_event: t0,
      last_api_heartbeat_at: t0,
    });

    t.clock.set(t0 + DEFAULT_TIMEOUT_MS - 1);
    await hb().sweep();
    expect((await v7Status(t, a.admin, dev.uuid)).api_heartbeat_state).toBe('online');

    t.clock.set(t0 + DEFAULT_TIMEOUT_MS);
    await hb().sweep();
    expect(await v7Status(t, a.admin, dev.uuid)).toEqual({
      api_heartbeat_state: 'timeout',
      is_online: false,
      is_connected_to_vpn: false,
      overall_status: 'reduced-functionality',
    });
    expect(await heartbeatRow(t, dev.id)).toMatchObject({
      changed_api_heartbeat_state_on__date: t0 + DEFAULT_TIMEOUT_MS,
      last_connectivity_event: t0 + DEFAULT_TIMEOUT_MS,
    });

    t.clock.set(t0 + DEFAULT_TIMEOUT_MS + DEFAULT_GRACE_MS - 1);
    await hb().sweep();
    expect((await v7Status(t, a.admin, dev.uuid)).api_heartbeat_state).toBe('timeout');
    t.clock.set(t0 + DEFAULT_TIMEOUT_MS + DEFAULT_GRACE_MS);
    await hb().sweep();
    expect(await v7Status(t, a.admin, dev.uuid)).toMatchObject({
      api_heartbeat_state: 'offline',
      is_online: false,
      overall_status: 'disconnected',
    });
    expect((await heartbeatRow(t, dev.id)).changed_api_heartbeat_state_on__date).toBe(
      t0 + DEFAULT_TIMEOUT_MS + DEFAULT_GRACE_MS,
    );

    t.clock.advance(MINUTE);
    const back = t.clock.now();
    await poll(t.app, dev);
    await hb().flush();
    expect(await heartbeatRow(t, dev.id)).toMatchObject({
      api_heartbeat_state: 'online',
      changed_api_heartbeat_state_on__date: back,
      last_connectivity_event: back,
    });

    const history = await request(t.app, 'GET', `/mooring/v1/devices/${dev.uuid}/status-history`, a.admin);
    expect(history.status).toBe(200);
    const iso = (ms: number) => new Date(ms).toISOString();
    expect(history.json).toEqual({
      // Its figures are checked in detection.test.ts.
      detection: expect.objectContaining({ pollIntervalMs: 10 * 60_000, source: 'default' }),
      uuid: dev.uuid,
      api_heartbeat_state: 'online',
      last_heartbeat_at: iso(back),
      events: [
        { from: 'offline', to: 'online', at: iso(back) },
        { from: 'timeout', to: 'offline', at: iso(t0 + DEFAULT_TIMEOUT_MS + DEFAULT_GRACE_MS) },
        { from: 'online', to: 'timeout', at: iso(t0 + DEFAULT_TIMEOUT_MS) },
        { from: 'unknown', to: 'online', at: iso(t0) },
      ],
    });
  });

  it('many polls within a flush interval cost one write; the timeout counts from the last poll', async () => {
    const dev = await register(t.app, a.provisioningKey, a.fleet.id);
    const first = t.clock.now();
    for (let i = 0; i < 50; i++) {
      await poll(t.app, dev);
      t.clock.advance(10);
    }
    const last = t.clock.now() - 10;
    const result = await hb().flush();
    expect(result).toEqual({ devices: 1, rowsWritten: 1, events: 1 });
    expect(await heartbeatRow(t, dev.id)).toEqual({
      api_heartbeat_state: 'online',
      changed_api_heartbeat_state_on__date: first,
      last_connectivity_event: first,
      last_api_heartbeat_at: last,
    });
    // An online device polling again: one UPDATE, no event, and its stamps stay.
    await poll(t.app, dev);
    expect(await hb().flush()).toEqual({ devices: 1, rowsWritten: 1, events: 0 });
    expect(await hb().flush()).toEqual({ devices: 0, rowsWritten: 0, events: 0 });
  });

  it('only the device key counts; a 304 poll counts like a 200', async () => {
    const dev = await register(t.app, a.provisioningKey, a.fleet.id);
    const { etag } = await poll(t.app, dev);
    await hb().flush();
    t.clock.advance(DEFAULT_TIMEOUT_MS - MINUTE);
    expect((await poll(t.app, dev, { etag })).status).toBe(304);
    await hb().flush();
    t.clock.advance(2 * MINUTE);
    await hb().sweep();
    expect((await heartbeatRow(t, dev.id)).api_heartbeat_state).toBe('online');
    // A user reading the device does not make it a heartbeat.
    const silent = await register(t.app, a.provisioningKey, a.fleet.id);
    await request(t.app, 'GET', `/v7/device(${silent.id})`, a.admin);
    await t.app.inject({ url: `/device/v3/${silent.uuid}/state`, headers: bearer(a.admin) });
    await hb().flush();
    expect((await heartbeatRow(t, silent.id)).api_heartbeat_state).toBe('unknown');
  });

  it('poll interval from device, then fleet config variables, never below the 10 min floor', async () => {
    const f = await fleetWithKey(t, a.admin);
    const cfg = async (resource: string, parent: Record<string, number>, name: string, value: string) => {
      const res = await request(t.app, 'POST', `/v7/${resource}`, a.admin, { ...parent, name, value });
      expect(res.status, res.body).toBe(201);
    };
    await cfg(
      'application_config_variable',
      { application: f.fleet.id },
      'BALENA_SUPERVISOR_POLL_INTERVAL',
      '1200000',
    );
    const fleetLevel = await register(t.app, f.provisioningKey, f.fleet.id);
    const deviceLevel = await register(t.app, f.provisioningKey, f.fleet.id);
    await cfg(
      'device_config_variable',
      { device: deviceLevel.id },
      'RESIN_SUPERVISOR_POLL_INTERVAL',
      '900000',
    );
    const belowFloor = await register(t.app, f.provisioningKey, f.fleet.id);
    await cfg('device_config_variable', { device: belowFloor.id }, 'BALENA_SUPERVISOR_POLL_INTERVAL', '5000');

    const t0 = t.clock.now();
    const injected: Record<string, string | undefined> = {};
    for (const [name, dev] of Object.entries({ fleetLevel, deviceLevel, belowFloor })) {
      const res = await poll(t.app, dev);
      const doc = JSON.parse(res.body) as Record<string, { config: Record<string, string> }>;
      injected[name] = doc[dev.uuid]?.config.RESIN_SUPERVISOR_POLL_INTERVAL;
    }
    // The supervisor is told the interval the timeout assumes.
    expect(injected).toEqual({ fleetLevel: '1200000', deviceLevel: '900000', belowFloor: '600000' });
    await hb().flush();
    const stateAt = async (offset: number) => {
      t.clock.set(t0 + offset);
      await hb().sweep();
      return Promise.all(
        [fleetLevel, deviceLevel, belowFloor].map(
          async (d) => (await heartbeatRow(t, d.id)).api_heartbeat_state,
        ),
      );
    };
    expect(await stateAt(15 * MINUTE - 1)).toEqual(['online', 'online', 'online']);
    expect(await stateAt(15 * MINUTE)).toEqual(['online', 'online', 'timeout']);
    expect(await stateAt(22.5 * MINUTE)).toEqual(['online', 'timeout', 'offline']);
    expect(await stateAt(30 * MINUTE)).toEqual(['timeout', 'offline', 'offline']);
  });

  it('status history: users who can read the device; others get 404; bad input 400', async () => {
    const dev = await register(t.app, a.provisioningKey, a.fleet.id);
    await poll(t.app, dev);
    await hb().flush();
    const url = `/mooring/v1/devices/${dev.uuid}/status-history`;
    const outsider = await createUser(t, a.admin, 'outsider');
    const org = await createOrganization(t, a.admin, 'Elsewhere', 'elsewhere');
    await addMember(t, a.admin, org.id, outsider.id);
    const session = await loginAs(t.app, outsider.username, outsider.password);
    const denied = await request(t.app, 'GET', url, session);
    expect(denied.status).toBe(404);
    expect(denied.json).toMatchObject({ error: { code: 'not_found' } });
    expect((await request(t.app, 'GET', url, dev.key)).status).toBe(403);
    expect((await request(t.app, 'GET', url)).status).toBe(401);

    const one = await request(t.app, 'GET', `${url}?limit=1`, a.admin);
    expect((one.json as { events: unknown[] }).events).toHaveLength(1);
    const older = await request(
      t.app,
      'GET',
      `${url}?before=${encodeURIComponent('2000-01-01T00:00:00Z')}`,
      a.admin,
    );
    expect((older.json as { events: unknown[] }).events).toEqual([]);
    for (const bad of ['?limit=0', '?limit=abc', '?before=yesterday', '?other=1']) {
      expect((await request(t.app, 'GET', `${url}${bad}`, a.admin)).status, bad).toBe(400);
    }
    expect((await request(t.app, 'GET', '/mooring/v1/devices/nope/status-history', a.admin)).status).toBe(
      400,
    );
  });
});

describe.each(dialects())('heartbeat timers and configuration (%s)', (dialect) => {
  it('seconds instead of minutes: real flush/sweep timers, and onClose flushes what is pending', async () => {
    const t = await createTestApp(dialect, {
      MOORING_HEARTBEAT_DEFAULT_POLL_INTERVAL_MS: '2000',
      MOORING_HEARTBEAT_MIN_POLL_INTERVAL_MS: '1000',
      MOORING_HEARTBEAT_OFFLINE_GRACE_MS: '1000',
      MOORING_HEARTBEAT_FLUSH_INTERVAL_MS: '50',
      MOORING_HEARTBEAT_SWEEP_INTERVAL_MS: '50',
    });
    let closed = false;
    try {
      const a = await fleetWithKey(t);
      const dev = await register(t.app, a.provisioningKey, a.fleet.id);
      const t0 = t.clock.now();
      await poll(t.app, dev);
      // The flush timer makes it visible without any call from the test.
      await vi.waitFor(
        async () => expect((await heartbeatRow(t, dev.id)).api_heartbeat_state).toBe('online'),
        {
          timeout: 3000,
        },
      );
      t.clock.set(t0 + 3000); // 1.5 × 2 s
      await vi.waitFor(
        async () => expect((await heartbeatRow(t, dev.id)).api_heartbeat_state).toBe('timeout'),
        {
          timeout: 3000,
        },
      );
      t.clock.set(t0 + 4000);
      await vi.waitFor(
        async () => expect((await heartbeatRow(t, dev.id)).api_heartbeat_state).toBe('offline'),
        {
          timeout: 3000,
        },
      );
      const last = await register(t.app, a.provisioningKey, a.fleet.id);
      await poll(t.app, last);
      await t.app.close(); // flushes before the database goes away
      closed = true;
      expect((await heartbeatRow(t, last.id)).api_heartbeat_state).toBe('online');
    } finally {
      if (!closed) await t.app.close();
      await t.database.destroy();
    }
  });

  it('documented defaults: balena’s 10 min poll interval and floor, 15 s grace, 1 s flush and sweep', async () => {
    const { loadConfig } = await import('../../src/config/config.js');
    expect(loadConfig({}).heartbeat).toEqual({
      defaultPollIntervalMs: 600_000,
      minPollIntervalMs: 600_000,
      offlineGraceMs: 15_000,
      flushIntervalMs: 1000,
      sweepIntervalMs: 1000,
    });
  });

  it.each([
    ['MOORING_HEARTBEAT_FLUSH_INTERVAL_MS', '0'],
    ['MOORING_HEARTBEAT_SWEEP_INTERVAL_MS', 'soon'],
    ['MOORING_HEARTBEAT_MIN_POLL_INTERVAL_MS', '10'],
    ['MOORING_HEARTBEAT_OFFLINE_GRACE_MS', '-1'],
  ])('refuses %s=%s naming the variable', async (name, value) => {
    const { loadConfig } = await import('../../src/config/config.js');
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`${name}=${value} is invalid`));
  });
});

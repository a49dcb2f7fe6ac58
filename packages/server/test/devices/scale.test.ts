import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { request } from '../support/fleet-fixtures.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { installWriteCounter, seedDevices } from './seed.js';
import {
  DEFAULT_GRACE_MS,
  type FleetWithKey,
  fleetWithKey,
  MANUAL_HEARTBEAT_ENV,
  MINUTE,
  poll,
  type RegisteredDevice,
} from './support.js';

const DEVICES = 10_000;
/** The sweep cadence of this scenario: every transition must be seen within one of it. */
const SWEEP_MS = 10_000;

/**
 * 10,000 devices polling through the real HTTP route (COMPAT.md A9, issue 5 "scale by design"): writes
 * per flush are bounded by the distinct devices that polled (counted by triggers in the database),
 * and every transition of a scripted scenario lands at its documented time, seen within one sweep.
 */
describe.each(dialects())('10,000 simulated devices (%s)', (dialect) => {
  let t: TestApp;
  let f1: FleetWithKey;
  let f2: FleetWithKey;
  let fleet1: RegisteredDevice[];
  let fleet2: RegisteredDevice[];
  let counted: () => Promise<{ deviceUpdates: number; events: number }>;

  beforeAll(async () => {
    t = await createTestApp(dialect, { ...MANUAL_HEARTBEAT_ENV, MOORING_LOG_LEVEL: 'warn' });
    f1 = await fleetWithKey(t);
    f2 = await fleetWithKey(t, f1.admin);
    // Fleet 2 polls every 20 minutes: its devices time out after 30.
    const res = await request(t.app, 'POST', '/v7/application_config_variable', f1.admin, {
      application: f2.fleet.id,
      name: 'BALENA_SUPERVISOR_POLL_INTERVAL',
      value: String(20 * MINUTE),
    });
    expect(res.status).toBe(201);
    fleet1 = await seedDevices(t, f1.fleet.id, DEVICES / 2);
    fleet2 = await seedDevices(t, f2.fleet.id, DEVICES / 2);
    counted = await installWriteCounter(t);
  }, 300_000);
  afterAll(async () => t?.close());

  /** Polls through app.inject, 50 in flight (like many devices at once). */
  const pollAll = async (devices: readonly RegisteredDevice[]) => {
    for (let i = 0; i < devices.length; i += 50) {
      const statuses = await Promise.all(
        devices.slice(i, i + 50).map(async (d) => (await poll(t.app, d)).status),
      );
      for (const s of statuses) if (s !== 200) throw new Error(`poll answered ${s}`);
    }
  };

  it('writes per flush ≤ distinct devices that polled; transitions at the documented time ± one sweep', async () => {
    const all = [...fleet1, ...fleet2];
    const isB = (_d: RegisteredDevice, i: number) => i % 4 === 1;
    const t0 = t.clock.now();

    // Interval 1: every device polls, a fifth of them three times.
    await pollAll(all);
    await pollAll(all.filter((_d, i) => i % 5 === 0));
    await pollAll(all.filter((_d, i) => i % 5 === 0));
    expect(t.app.devices.heartbeats.pendingDevices).toBe(DEVICES);
    const first = await t.app.devices.heartbeats.flush();
    expect(first).toEqual({ devices: DEVICES, rowsWritten: DEVICES, events: DEVICES });
    expect(await counted()).toEqual({ deviceUpdates: DEVICES, events: DEVICES });

    // Interval 2 (5 minutes later): a quarter of them poll twice; they were online already.
    t.clock.set(t0 + 5 * MINUTE);
    const groupB = all.filter(isB);
    await pollAll(groupB);
    await pollAll(groupB);
    const second = await t.app.devices.heartbeats.flush();
    expect(second).toEqual({ devices: groupB.length, rowsWritten: groupB.length, events: 0 });
    expect(await counted()).toEqual({ deviceUpdates: groupB.length, events: 0 });

    // Then everyone goes silent; sweep every SWEEP_MS until the last device is offline.
    const expected = new Map<number, { timeout: number; offline: number }>();
    const plan = (devices: RegisteredDevice[], timeoutAfter: number) =>
      devices.forEach((d, i) => {
        const lastPoll = isB(d, i) ? t0 + 5 * MINUTE : t0;
        expected.set(d.id, {
          timeout: lastPoll + timeoutAfter,
          offline: lastPoll + timeoutAfter + DEFAULT_GRACE_MS,
        });
      });
    plan(fleet1, 15 * MINUTE);
    plan(fleet2, 30 * MINUTE);

    const seen = new Map<
      number,
      { timeout?: { at: number; observed: number }; offline?: { at: number; observed: number } }
    >();
    let lastEvent =
      (await sql<{ m: number | null }>`SELECT max(id) AS m FROM device_status_event`.execute(t.ctx.db.kysely))
        .rows[0]?.m ?? 0;
    for (let now = t0 + 5 * MINUTE + SWEEP_MS; now <= t0 + 36 * MINUTE; now += SWEEP_MS) {
      t.clock.set(now);
      await t.app.devices.heartbeats.sweep();
      const events = await sql<{ id: number; device: number; to_state: string; at: number }>`
        SELECT id, device, to_state, at FROM device_status_event WHERE id > ${Number(lastEvent)} ORDER BY id`.execute(
        t.ctx.db.kysely,
      );
      for (const e of events.rows) {
        lastEvent = Number(e.id);
        const entry = seen.get(Number(e.device)) ?? {};
        const state = e.to_state as 'timeout' | 'offline';
        expect(entry[state], `device ${e.device} ${state} twice`).toBeUndefined();
        entry[state] = { at: Number(e.at), observed: now };
        seen.set(Number(e.device), entry);
      }
    }

    expect(seen.size).toBe(DEVICES);
    let checked = 0;
    for (const [id, want] of expected) {
      const got = seen.get(id);
      for (const state of ['timeout', 'offline'] as const) {
        const event = got?.[state];
        if (!event) throw new Error(`device ${id} never reached ${state}`);
        // Stamped at exactly the documented time; visible no later than one sweep after it.
        if (event.at !== want[state])
          throw new Error(`device ${id} ${state} at ${event.at}, want ${want[state]}`);
        if (event.observed < want[state] || event.observed > want[state] + SWEEP_MS) {
          throw new Error(`device ${id} ${state} seen at ${event.observed}, due ${want[state]}`);
        }
        checked++;
      }
    }
    expect(checked).toBe(2 * DEVICES);
    // One row update per transition, nothing else, while silent.
    expect(await counted()).toEqual({ deviceUpdates: 2 * DEVICES, events: 2 * DEVICES });
    const states = await sql<{
      s: string;
      n: number;
    }>`SELECT api_heartbeat_state AS s, count(*) AS n FROM device GROUP BY api_heartbeat_state`.execute(
      t.ctx.db.kysely,
    );
    expect(states.rows.map((r) => [r.s, Number(r.n)])).toEqual([['offline', DEVICES]]);
  }, 600_000);
});

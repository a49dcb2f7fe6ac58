import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import {
  DEFAULT_GRACE_MS,
  DEFAULT_TIMEOUT_MS,
  fleetWithKey,
  heartbeatRow,
  MANUAL_HEARTBEAT_ENV,
  MINUTE,
  poll,
  register,
} from './support.js';

async function events(t: TestApp, deviceId: number): Promise<{ from: string; to: string; at: number }[]> {
  const rows = await sql<{ from_state: string; to_state: string; at: number }>`
    SELECT from_state, to_state, at FROM device_status_event WHERE device = ${deviceId} ORDER BY id`.execute(
    t.ctx.db.kysely,
  );
  return rows.rows.map((r) => ({ from: r.from_state, to: r.to_state, at: Number(r.at) }));
}

/** Restarts and several instances (DESIGN.md §7): no transition lost, none recorded twice. */
describe.each(dialects())('heartbeats across restarts and instances (%s)', (dialect) => {
  it('stop, advance the clock, start: silent devices are right on the first sweep', async () => {
    const t1 = await createTestApp(dialect, MANUAL_HEARTBEAT_ENV);
    const shared = { database: t1.database, clock: t1.clock, logs: t1.logs };
    let t2: TestApp | undefined;
    try {
      const a = await fleetWithKey(t1);
      const longGone = await register(t1.app, a.provisioningKey, a.fleet.id);
      const recent = await register(t1.app, a.provisioningKey, a.fleet.id);
      const unflushed = await register(t1.app, a.provisioningKey, a.fleet.id);
      const never = await register(t1.app, a.provisioningKey, a.fleet.id);
      const t0 = t1.clock.now();
      await poll(t1.app, longGone);
      await t1.app.devices.heartbeats.flush();
      t1.clock.set(t0 + 10 * MINUTE);
      await poll(t1.app, recent);
      await poll(t1.app, unflushed); // still in memory when the server stops: close flushes it
      await t1.app.close();

      // Down for 14 minutes: longGone is 24 min silent (offline), recent 4 min (online).
      t1.clock.set(t0 + 24 * MINUTE);
      t2 = await createTestApp(dialect, MANUAL_HEARTBEAT_ENV, shared);
      const firstSweep = await t2.app.devices.heartbeats.firstSweep;
      expect(firstSweep).toEqual({ timeouts: 1, offlines: 1 });
      expect((await heartbeatRow(t2, longGone.id)).api_heartbeat_state).toBe('offline');
      expect(await events(t2, longGone.id)).toEqual([
        { from: 'unknown', to: 'online', at: t0 },
        { from: 'online', to: 'timeout', at: t0 + DEFAULT_TIMEOUT_MS },
        { from: 'timeout', to: 'offline', at: t0 + DEFAULT_TIMEOUT_MS + DEFAULT_GRACE_MS },
      ]);
      expect((await heartbeatRow(t2, recent.id)).api_heartbeat_state).toBe('online');
      expect((await heartbeatRow(t2, unflushed.id)).api_heartbeat_state).toBe('online');
      expect((await heartbeatRow(t2, never.id)).api_heartbeat_state).toBe('unknown');

      // The restarted instance keeps the machine going.
      t1.clock.set(t0 + 10 * MINUTE + DEFAULT_TIMEOUT_MS);
      await t2.app.devices.heartbeats.sweep();
      expect((await heartbeatRow(t2, recent.id)).api_heartbeat_state).toBe('timeout');
    } finally {
      await t2?.app.close();
      await t1.database.destroy();
    }
  });

  it.skipIf(dialect === 'sqlite')(
    'two instances sweeping and flushing at once record every transition exactly once (PostgreSQL; SQLite runs one instance)',
    async () => {
      const t1 = await createTestApp(dialect, MANUAL_HEARTBEAT_ENV);
      const t2 = await createTestApp(dialect, MANUAL_HEARTBEAT_ENV, {
        database: t1.database,
        clock: t1.clock,
        logs: t1.logs,
      });
      try {
        const a = await fleetWithKey(t1);
        const devices = [];
        for (let i = 0; i < 40; i++) devices.push(await register(t1.app, a.provisioningKey, a.fleet.id));
        const t0 = t1.clock.now();
        // Every device polls on both instances; both flush at once.
        for (const d of devices) {
          await poll(t1.app, d);
          await poll(t2.app, d);
        }
        const [r1, r2] = await Promise.all([
          t1.app.devices.heartbeats.flush(),
          t2.app.devices.heartbeats.flush(),
        ]);
        expect(r1.events + r2.events).toBe(devices.length);
        t1.clock.set(t0 + DEFAULT_TIMEOUT_MS + DEFAULT_GRACE_MS);
        const sweeps = await Promise.all([
          t1.app.devices.heartbeats.sweep(),
          t2.app.devices.heartbeats.sweep(),
          t1.app.devices.heartbeats.sweep(),
          t2.app.devices.heartbeats.sweep(),
        ]);
        expect(sweeps.reduce((n, s) => n + s.timeouts, 0)).toBe(devices.length);
        expect(sweeps.reduce((n, s) => n + s.offlines, 0)).toBe(devices.length);
        for (const d of devices) {
          expect((await events(t1, d.id)).map((e) => `${e.from}>${e.to}@${e.at - t0}`)).toEqual([
            'unknown>online@0',
            `online>timeout@${DEFAULT_TIMEOUT_MS}`,
            `timeout>offline@${DEFAULT_TIMEOUT_MS + DEFAULT_GRACE_MS}`,
          ]);
        }
      } finally {
        await t2.app.close();
        await t1.app.close();
        await t1.database.destroy();
      }
    },
  );
});

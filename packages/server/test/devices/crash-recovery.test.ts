import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { holdUncertainDeadlines } from '../../src/devices/heartbeat-recovery.js';
import { dialects } from '../support/databases.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import {
  DEFAULT_TIMEOUT_MS,
  fleetWithKey,
  heartbeatRow,
  MANUAL_HEARTBEAT_ENV,
  MINUTE,
  poll,
  register,
} from './support.js';

const FLUSH_MS = 1000;

async function dueAt(t: TestApp, deviceId: number): Promise<number | null> {
  const row = await t.ctx.db.kysely
    .selectFrom('device')
    .select('heartbeat_due_at')
    .where('id', '=', deviceId)
    .executeTakeFirstOrThrow();
  return row.heartbeat_due_at === null ? null : Number(row.heartbeat_due_at);
}

async function events(t: TestApp, deviceId: number): Promise<string[]> {
  const rows = await sql<{ from_state: string; to_state: string; at: number }>`
    SELECT from_state, to_state, at FROM device_status_event WHERE device = ${deviceId} ORDER BY id`.execute(
    t.ctx.db.kysely,
  );
  return rows.rows.map((r) => `${r.from_state}>${r.to_state}@${Number(r.at)}`);
}

/**
 * Issue 22 §5: a kill -9 loses the polls answered since the last flush. What the database holds
 * afterwards is exactly "the state at the last flush", so the crash is reproduced by writing that
 * state (polls, then a flush) and restarting on it at a later time.
 */
describe.each(dialects())(
  'after a crash, no timeout from a deadline a lost poll had moved (%s)',
  (dialect) => {
    it('holds back only online devices whose deadline falls after the last certain flush', async () => {
      const t1 = await createTestApp(dialect, MANUAL_HEARTBEAT_ENV);
      let t2: TestApp | undefined;
      try {
        const a = await fleetWithKey(t1);
        const regular = await register(t1.app, a.provisioningKey, a.fleet.id); // polls every 10 min
        const silent = await register(t1.app, a.provisioningKey, a.fleet.id); // last poll long ago
        const offline = await register(t1.app, a.provisioningKey, a.fleet.id);
        const t0 = t1.clock.now();
        await poll(t1.app, silent);
        await t1.app.devices.heartbeats.flush();
        t1.clock.set(t0 + 5 * MINUTE);
        await poll(t1.app, regular);
        await t1.app.devices.heartbeats.flush();
        // The crash at t0 + 17 min: `regular` had polled again at t0 + 15 (answered, never flushed), so
        // the database still says its deadline is t0 + 5 + 15 min. `silent`'s deadline, t0 + 15 min,
        // was before the crash: whatever was lost came after it.
        const crashedAt = t0 + 17 * MINUTE;
        const silentDue = await dueAt(t1, silent.id);
        expect(silentDue).toBe(t0 + DEFAULT_TIMEOUT_MS);
        await t1.app.close();

        const held = await holdUncertainDeadlines(t1.ctx.db, { crashedAt, flushIntervalMs: FLUSH_MS });
        // `silent`'s deadline fell before the crash minus a flush interval: certain, left alone.
        expect(held).toBe(1);
        expect(await dueAt(t1, regular.id)).toBe(crashedAt + DEFAULT_TIMEOUT_MS);
        expect(await dueAt(t1, silent.id)).toBe(silentDue);
        expect((await heartbeatRow(t1, offline.id)).api_heartbeat_state).toBe('unknown');

        // Back 6 minutes after `regular`'s stored deadline: the sweep times out `silent` at its real deadline,
        // and leaves `regular` online.
        t1.clock.set(t0 + 26 * MINUTE);
        t2 = await createTestApp(dialect, MANUAL_HEARTBEAT_ENV, {
          database: t1.database,
          clock: t1.clock,
          logs: t1.logs,
        });
        expect(await t2.app.devices.heartbeats.firstSweep).toEqual({ timeouts: 1, offlines: 1 });
        expect((await heartbeatRow(t2, regular.id)).api_heartbeat_state).toBe('online');
        expect(await events(t2, silent.id)).toEqual([
          `unknown>online@${t0}`,
          `online>timeout@${t0 + DEFAULT_TIMEOUT_MS}`,
          `timeout>offline@${t0 + DEFAULT_TIMEOUT_MS + 15_000}`,
        ]);
        // `regular` polls on its schedule: still online, and its history has no invented flap.
        await poll(t2.app, regular);
        await t2.app.devices.heartbeats.sweep();
        expect(await events(t2, regular.id)).toEqual([`unknown>online@${t0 + 5 * MINUTE}`]);
      } finally {
        await t2?.app.close();
        await t1.database.destroy();
      }
    });

    it('a device that really went silent still times out, at the crash plus its window: late, never early', async () => {
      const t = await createTestApp(dialect, MANUAL_HEARTBEAT_ENV);
      try {
        const a = await fleetWithKey(t);
        const device = await register(t.app, a.provisioningKey, a.fleet.id);
        const t0 = t.clock.now();
        await poll(t.app, device);
        await t.app.devices.heartbeats.flush();
        const crashedAt = t0 + 10 * MINUTE;
        expect(await holdUncertainDeadlines(t.ctx.db, { crashedAt, flushIntervalMs: FLUSH_MS })).toBe(1);
        expect(await dueAt(t, device.id)).toBe(crashedAt + DEFAULT_TIMEOUT_MS);
        t.clock.set(crashedAt + DEFAULT_TIMEOUT_MS - 1);
        expect((await t.app.devices.heartbeats.sweep()).timeouts).toBe(0);
        t.clock.set(crashedAt + DEFAULT_TIMEOUT_MS);
        expect((await t.app.devices.heartbeats.sweep()).timeouts).toBe(1);
        expect((await events(t, device.id)).at(-1)).toBe(`online>timeout@${crashedAt + DEFAULT_TIMEOUT_MS}`);
      } finally {
        await t.close();
      }
    });
  },
);

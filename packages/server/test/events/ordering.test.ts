import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventView } from '../../src/events/event-types.js';
import { appendEvents } from '../../src/events/event-writer.js';
import {
  DEFAULT_GRACE_MS,
  DEFAULT_TIMEOUT_MS,
  type FleetWithKey,
  fleetWithKey,
  poll,
  register,
} from '../devices/support.js';
import { dialects } from '../support/databases.js';
import { createFleet, request } from '../support/fleet-fixtures.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { allEvents, feed, MANUAL_ENV } from './support.js';

/*
 * The cursor never skips (DESIGN.md §9): a reader following it sees every event exactly once, in
 * cursor order, while several writers — on PostgreSQL two app instances on one schema — commit
 * events at the same moment.
 */
describe.each(dialects())('event cursor ordering (%s)', (dialect) => {
  let t1: TestApp;
  /** A second instance on the same database (PostgreSQL); on SQLite (one process, one writer) the same app. */
  let t2: TestApp;
  let a: FleetWithKey;

  beforeAll(async () => {
    t1 = await createTestApp(dialect, MANUAL_ENV);
    t2 =
      dialect === 'postgres'
        ? await createTestApp(dialect, MANUAL_ENV, { database: t1.database, clock: t1.clock, logs: t1.logs })
        : t1;
    a = await fleetWithKey(t1);
  });
  afterAll(async () => {
    if (t2 !== t1) await t2?.app.close();
    await t1?.close();
  });

  it.skipIf(dialect === 'sqlite')(
    'a transaction that took a lower id but commits later is never skipped (PostgreSQL: the advisory lock)',
    async () => {
      const start = await t1.app.events.hub.currentHead();
      const event = (name: string) => ({
        type: 'device.registered' as const,
        at: t1.clock.now(),
        organization: 1,
        application: a.fleet.id,
        actor: null,
        device: null,
        deviceUuid: null,
        deviceSeq: null,
        apiKey: null,
        previousStatus: null,
        status: null,
        data: { name },
      });
      let release: () => void = () => undefined;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let inserted: () => void = () => undefined;
      const firstInserted = new Promise<void>((resolve) => {
        inserted = resolve;
      });
      // A: inserts (takes the lower id) and keeps its transaction open.
      const first = t1.ctx.db.kysely.transaction().execute(async (trx) => {
        await appendEvents(trx, [event('first')], t1.clock.now());
        inserted();
        await released;
      });
      await firstInserted;
      // B, on the other instance: must wait for A's commit before it can take an id.
      const second = t2.ctx.db.kysely
        .transaction()
        .execute(async (trx) => appendEvents(trx, [event('second')], t1.clock.now()));
      for (let i = 0; i < 500; i++) {
        const waiting = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_locks
          WHERE locktype = 'advisory' AND NOT granted`.execute(t1.ctx.db.kysely);
        if (Number(waiting.rows[0]?.n) === 1) break;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      // Neither is visible yet: a reader cannot move past A's id.
      const during = await feed(t2.app, a.admin, { after: start });
      expect(during.events).toEqual([]);
      expect(during.next).toBe(start);
      release();
      await Promise.all([first, second]);
      const after = await feed(t2.app, a.admin, { after: during.next });
      expect(after.events.map((e) => e.data?.name)).toEqual(['first', 'second']);
      const ids = after.events.map((e) => e.id);
      expect(ids[0]).toBeLessThan(ids[1] ?? 0);
    },
  );

  it('a reader following the cursor during concurrent writes sees every event exactly once, in order', async () => {
    const start = await t1.app.events.hub.currentHead();
    const other = await createFleet(t1, a.admin, {
      app_name: `ordering${Date.now() % 100000}`,
      organization: 1,
    });
    const devices = [];
    for (let i = 0; i < 20; i++) devices.push(await register(t1.app, a.provisioningKey, a.fleet.id));

    let writing = true;
    const seen: EventView[] = [];
    const reader = (async () => {
      let cursor = start;
      // Bounded: the writers finish, then the reader drains what is left.
      for (let round = 0; round < 10_000; round++) {
        const page = await feed(t2.app, a.admin, { after: cursor, limit: 7, wait: writing ? 1 : 0 });
        expect(page.status).toBe(200);
        seen.push(...page.events);
        expect(page.next).toBeGreaterThanOrEqual(cursor);
        if (!writing && page.next === cursor) return;
        cursor = page.next;
      }
      throw new Error('reader did not finish');
    })();

    const t0 = t1.clock.now();
    const writers = [
      // Registrations through both instances.
      (async () => {
        for (let i = 0; i < 15; i++) await register((i % 2 ? t2 : t1).app, a.provisioningKey, a.fleet.id);
      })(),
      // Heartbeats: every device polls on both instances; both flush at once, repeatedly.
      (async () => {
        for (const d of devices) {
          await poll(t1.app, d);
          await poll(t2.app, d);
        }
        await Promise.all([t1.app.devices.heartbeats.flush(), t2.app.devices.heartbeats.flush()]);
      })(),
      // Moves of half of the devices, through both instances.
      (async () => {
        for (const [i, d] of devices.slice(0, 10).entries()) {
          const res = await request((i % 2 ? t2 : t1).app, 'PATCH', `/v7/device(${d.id})`, a.admin, {
            belongs_to__application: other.id,
          });
          expect(res.status).toBe(200);
        }
      })(),
    ];
    await Promise.all(writers);
    // Then every device times out and goes offline, with both instances sweeping at once.
    t1.clock.set(t0 + DEFAULT_TIMEOUT_MS + DEFAULT_GRACE_MS);
    await Promise.all([t1.app.devices.heartbeats.sweep(), t2.app.devices.heartbeats.sweep()]);
    writing = false;
    t1.ctx.eventsWritten();
    await reader;

    const log = await allEvents(t1.app, a.admin, start);
    // 20 + 15 registered, 20 online, 10 moved, 20 timeout, 20 offline.
    expect(log.length).toBe(105);
    expect(seen.map((e) => e.id)).toEqual(log.map((e) => e.id));
    const ids = seen.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort((x, y) => x - y)).toEqual(ids);
    // Per device: sequence numbers 1, 2, 3… without gaps, in cursor order.
    const perDevice = new Map<number, number[]>();
    for (const e of seen)
      if (e.device !== null) perDevice.set(e.device, [...(perDevice.get(e.device) ?? []), e.deviceSeq ?? 0]);
    for (const seqs of perDevice.values()) expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });

  it('two instances sweeping API key expiries at once write each event once', async () => {
    const start = await t1.app.events.hub.currentHead();
    for (let i = 0; i < 5; i++) {
      const res = await request(t1.app, 'POST', '/api-key/user/full', a.admin, {
        name: `ordering-exp-${i}`,
        expiryDate: new Date(t1.clock.now() + 86_400_000).toISOString(),
      });
      expect(res.status).toBe(200);
    }
    // (On SQLite t2 is t1: its overlapping runs are one run.)
    await Promise.all([t1.app.events.maintenance.run(), t2.app.events.maintenance.run()]);
    t1.clock.advance(2 * 86_400_000);
    await Promise.all([t1.app.events.maintenance.run(), t2.app.events.maintenance.run()]);
    await Promise.all([t1.app.events.maintenance.run(), t2.app.events.maintenance.run()]);
    const events = (await allEvents(t1.app, a.admin, start)).filter((e) => e.type.startsWith('api_key.'));
    expect(events.filter((e) => e.type === 'api_key.expiring').length).toBe(5);
    expect(events.filter((e) => e.type === 'api_key.expired').length).toBe(5);
  });
});

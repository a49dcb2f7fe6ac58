import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/principal.js';
import { appendEvents, deviceEvents } from '../../src/events/event-writer.js';
import type { Rendered, Subscriber } from '../../src/events/hub.js';
import { namedKey } from '../api-keys/support.js';
import { type FleetWithKey, fleetWithKey, register } from '../devices/support.js';
import { until } from '../operability/support.js';
import { dialects } from '../support/databases.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { MANUAL_ENV } from './support.js';

/** A subscriber that keeps what it is handed (the hub's own interface, no HTTP in between). */
class Collector implements Subscriber {
  readonly received: number[] = [];
  ended: string | undefined;
  constructor(
    readonly principal: Principal,
    public cursor: number,
  ) {}
  readonly filters = { types: null, fleet: null };
  deliver(events: readonly Rendered[]): boolean {
    for (const e of events) this.received.push(e.view.id);
    return true;
  }
  end(reason: 'unauthorized' | 'closing'): void {
    this.ended = reason;
  }
  keepAlive(): void {}
}

/** The stream's shared reader, driven directly: the interleavings HTTP timing makes rare. */
describe.each(dialects())('event hub (%s)', (dialect) => {
  let t: TestApp;
  let a: FleetWithKey;
  let admin: Principal;

  beforeAll(async () => {
    t = await createTestApp(dialect, MANUAL_ENV);
    a = await fleetWithKey(t);
    await namedKey(t, a.admin, {}, 'hub-test');
    const key = await sql<{
      id: number;
      actor: number;
      user_id: number;
    }>`SELECT k.id, k.is_of__actor AS actor, u.id AS user_id
      FROM api_key k JOIN "user" u ON u.actor = k.is_of__actor WHERE k.name = 'hub-test'`.execute(
      t.ctx.db.kysely,
    );
    const row = key.rows[0];
    if (!row) throw new Error('no key row');
    admin = {
      actorId: Number(row.actor),
      kind: 'user',
      via: 'api-key',
      userId: Number(row.user_id),
      applicationId: undefined,
      deviceId: undefined,
      isAdmin: true,
      sessionId: undefined,
      authTime: undefined,
      apiKeyId: Number(row.id),
      limits: undefined,
    };
  });
  afterAll(async () => t?.close());

  it('delivers an event to a subscriber that went live while a fan-out with no listener was reading', async () => {
    const hub = t.app.events.hub;
    const dev = await register(t.app, a.provisioningKey, a.fleet.id);
    await new Promise((r) => setTimeout(r, 50));
    const before = await hub.currentHead();
    // An event committed without waking anyone, then the wake-up and a new subscriber at the old
    // head in the same tick: the wake-up's read is in flight when the subscriber goes live.
    await t.ctx.db.kysely.transaction().execute(async (trx) => {
      const now = t.clock.now();
      await appendEvents(trx, await deviceEvents(trx, [dev.id], 'device.moved', now), now);
    });
    const written = await hub.currentHead();
    expect(written).toBeGreaterThan(before);
    const s = new Collector(admin, before);
    hub.kick();
    hub.add(s);
    try {
      const { value } = await until(
        async () => s.received,
        (ids) => ids.includes(written),
        3000,
        10,
      );
      expect(value.includes(written), `received ${value}`).toBe(true);
      expect(s.received).toEqual([written]);
      expect(s.ended).toBeUndefined();
    } finally {
      hub.remove(s);
    }
  });
});

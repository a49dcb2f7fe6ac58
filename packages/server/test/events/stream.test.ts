import * as http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventView } from '../../src/events/event-types.js';
import { namedKey } from '../api-keys/support.js';
import {
  DEFAULT_GRACE_MS,
  DEFAULT_TIMEOUT_MS,
  type FleetWithKey,
  fleetWithKey,
  poll,
  register,
} from '../devices/support.js';
import { dialects } from '../support/databases.js';
import { addMember, createFleet, createUser, fixtureDb, request } from '../support/fleet-fixtures.js';
import { createTestApp, loginAs, type TestApp } from '../support/test-app.js';
import { SseClient } from './sse-client.js';
import { MANUAL_ENV } from './support.js';

/** The event stream over real HTTP on 127.0.0.1: framing, resume, keep-alive, rights, fan-out. */
describe.each(dialects())('event stream (%s)', (dialect) => {
  let t: TestApp;
  let a: FleetWithKey;
  let base: string;
  const open: SseClient[] = [];

  beforeAll(async () => {
    t = await createTestApp(dialect, { ...MANUAL_ENV, MOORING_EVENT_KEEPALIVE_MS: '100' });
    a = await fleetWithKey(t);
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const address = t.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    base = `http://127.0.0.1:${address.port}`;
  });
  afterAll(async () => {
    for (const c of open) c.close();
    await t?.close();
  });

  const stream = async (
    token: string,
    query = '',
    headers: Record<string, string> = {},
    agent?: http.Agent,
  ) => {
    const c = await SseClient.open(
      `${base}/mooring/v1/events/stream${query}`,
      { authorization: `Bearer ${token}`, ...headers },
      agent,
    );
    open.push(c);
    return c;
  };
  const views = (c: SseClient): EventView[] =>
    c.events.filter((m) => m.id !== undefined).map((m) => JSON.parse(m.data) as EventView);

  it('sends id = cursor, event = type, data = the event; resumes after Last-Event-ID or ?after=', async () => {
    const c = await stream(a.admin);
    expect(c.status).toBe(200);
    // Subscribed from "now": nothing older arrives.
    const d1 = await register(t.app, a.provisioningKey, a.fleet.id);
    const d2 = await register(t.app, a.provisioningKey, a.fleet.id);
    await c.until(() => views(c).length >= 2, 10_000, 'two registrations');
    const got = views(c);
    expect(got.map((e) => [e.type, e.deviceUuid])).toEqual([
      ['device.registered', d1.uuid],
      ['device.registered', d2.uuid],
    ]);
    const [m1, m2] = c.events;
    expect(m1?.id).toBe(String(got[0]?.id));
    expect(m1?.event).toBe('device.registered');
    c.close();

    // Resume after the first: the second again, then live.
    const resumed = await stream(a.admin, '', { 'last-event-id': String(m1?.id) });
    await resumed.until(() => views(resumed).length >= 1, 10_000, 'resumed event');
    expect(views(resumed)[0]?.id).toBe(Number(m2?.id));
    const byQuery = await stream(a.admin, `?after=${m1?.id}&types=device.registered`);
    await byQuery.until(() => views(byQuery).length >= 1, 10_000, 'event after ?after=');
    expect(views(byQuery).map((e) => e.id)).toEqual([Number(m2?.id)]);
    resumed.close();
    byQuery.close();
  });

  it('filters by type and fleet, and sends keep-alive comments while idle', async () => {
    const other = await createFleet(t, a.admin, {
      app_name: `streamfleet${Date.now() % 100000}`,
      organization: 1,
    });
    const onlyOnline = await stream(a.admin, `?types=device.online&fleet=${a.fleet.id}`);
    const d = await register(t.app, a.provisioningKey, a.fleet.id);
    const elsewhere = await request(t.app, 'PATCH', `/v7/device(${d.id})`, a.admin, {
      belongs_to__application: other.id,
    });
    expect(elsewhere.status).toBe(200);
    const here = await register(t.app, a.provisioningKey, a.fleet.id);
    await poll(t.app, here);
    await t.app.devices.heartbeats.flush();
    await onlyOnline.until(() => views(onlyOnline).length >= 1, 10_000, 'online event');
    await onlyOnline.until(
      () => onlyOnline.messages.some((m) => m.event === 'comment' && m.data.includes('keep-alive')),
      5000,
      'keep-alive',
    );
    expect(views(onlyOnline).map((e) => `${e.type} ${e.deviceUuid}`)).toEqual([`device.online ${here.uuid}`]);
    onlyOnline.close();
  });

  it('checks rights at delivery: a member removed from the organization stops receiving at once', async () => {
    const u = await createUser(t, a.admin, `streamer${Date.now() % 100000}`);
    await addMember(t, a.admin, 1, u.id);
    const session = await loginAs(t.app, u.username, u.password);
    const member = await stream(session);
    const admin = await stream(a.admin);
    const before = await register(t.app, a.provisioningKey, a.fleet.id);
    await member.until(() => views(member).some((e) => e.deviceUuid === before.uuid), 10_000, 'member event');

    await fixtureDb(t).deleteFrom('organization_membership').where('user', '=', u.id).execute();
    await t.ctx.invalidateCredentials();
    const after = await register(t.app, a.provisioningKey, a.fleet.id);
    const marker = await register(t.app, a.provisioningKey, a.fleet.id);
    // The admin's stream got both, so the member's stream has been handed them too (same batches).
    await admin.until(() => views(admin).some((e) => e.deviceUuid === marker.uuid), 10_000, 'admin marker');
    expect(views(member).map((e) => e.deviceUuid)).not.toContain(after.uuid);
    expect(views(member).map((e) => e.deviceUuid)).not.toContain(marker.uuid);
    member.close();
    admin.close();
  });

  it('ends the stream with an `unauthorized` event when its key is revoked', async () => {
    const key = await namedKey(t, a.admin, {}, 'stream-revoked');
    const c = await stream(key);
    expect(c.status).toBe(200);
    const keys = (await request(t.app, 'GET', '/v7/api_key?$select=id,name', a.admin)).json as {
      d: { id: number; name: string }[];
    };
    const id = keys.d.find((k) => k.name === 'stream-revoked')?.id;
    expect((await request(t.app, 'DELETE', `/v7/api_key(${id})`, a.admin)).status).toBe(200);
    await c.until(() => c.ended, 10_000, 'end of stream');
    expect(c.events.map((m) => m.event)).toContain('unauthorized');
    // Its own revocation is not delivered to it.
    expect(views(c).map((e) => e.apiKey)).not.toContain(id);
  });

  it('refuses device keys (403), bad filters and bad Last-Event-ID (400) before streaming', async () => {
    const dev = await register(t.app, a.provisioningKey, a.fleet.id);
    expect((await stream(dev.key)).status).toBe(403);
    expect((await stream(a.admin, '?types=device.nope')).status).toBe(400);
    expect((await stream(a.admin, '?fleet=abc')).status).toBe(400);
    expect((await stream(a.admin, '', { 'last-event-id': 'x1' })).status).toBe(400);
  });

  it('fans a burst out to 1,000 concurrent subscribers through one shared reader', {
    timeout: 120_000,
  }, async () => {
    const agent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
    // A fleet of its own, so that devices of earlier tests timing out too are filtered out.
    const burst = await fleetWithKey(t, a.admin);
    const devices = [];
    for (let i = 0; i < 50; i++) devices.push(await register(t.app, burst.provisioningKey, burst.fleet.id));
    const t0 = t.clock.now();
    for (const d of devices) await poll(t.app, d);
    await t.app.devices.heartbeats.flush();

    const subscribers: SseClient[] = [];
    for (let i = 0; i < 1000; i += 100) {
      subscribers.push(
        ...(await Promise.all(
          Array.from({ length: 100 }, () =>
            stream(a.admin, `?types=device.timeout,device.offline&fleet=${burst.fleet.id}`, {}, agent),
          ),
        )),
      );
    }
    expect(subscribers.every((s) => s.status === 200)).toBe(true);
    expect(t.app.events.hub.subscribers).toBeGreaterThanOrEqual(1000);
    const batchesBefore = t.app.events.hub.batches;

    t.clock.set(t0 + DEFAULT_TIMEOUT_MS + DEFAULT_GRACE_MS);
    const started = performance.now();
    await t.app.devices.heartbeats.sweep();
    await Promise.all(subscribers.map((s) => s.until(() => s.events.length >= 100, 60_000, '100 events')));
    const elapsed = performance.now() - started;
    console.log(
      `fan-out: 100 events to 1000 SSE subscribers in ${elapsed.toFixed(0)} ms (${t.app.events.hub.batches - batchesBefore} shared reads)`,
    );
    for (const s of subscribers) {
      const ids = s.events.map((m) => Number(m.id));
      expect(ids).toEqual([...ids].sort((x, y) => x - y));
      expect(new Set(ids).size).toBe(100);
    }
    // One shared read per batch, not one per subscriber.
    expect(t.app.events.hub.batches - batchesBefore).toBeLessThan(20);
    for (const s of subscribers) s.close();
    agent.destroy();
  });
});

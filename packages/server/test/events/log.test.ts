import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_GRACE_MS,
  DEFAULT_TIMEOUT_MS,
  type FleetWithKey,
  fleetWithKey,
  MINUTE,
  poll,
  register,
} from '../devices/support.js';
import { dialects } from '../support/databases.js';
import { adminToken, createFleet, deviceTypeId, newUuid, request } from '../support/fleet-fixtures.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { allEvents, brief, MANUAL_ENV } from './support.js';

/** The event log: every transition and lifecycle change is one event, written with the change. */
describe.each(dialects())('event log (%s)', (dialect) => {
  let t: TestApp;
  let a: FleetWithKey;

  beforeAll(async () => {
    t = await createTestApp(dialect, MANUAL_ENV);
    a = await fleetWithKey(t);
  });
  afterAll(async () => t?.close());

  const hb = () => t.app.devices.heartbeats;
  const since = async (cursor: number) => allEvents(t.app, a.admin, cursor);
  const head = async () => t.app.events.hub.currentHead();

  it('records registration and every heartbeat transition of a device, numbered per device, in order', async () => {
    const start = await head();
    const dev = await register(t.app, a.provisioningKey, a.fleet.id);
    const t0 = t.clock.now();
    await poll(t.app, dev);
    t.clock.advance(500);
    await hb().flush();
    t.clock.set(t0 + DEFAULT_TIMEOUT_MS);
    await hb().sweep();
    t.clock.set(t0 + DEFAULT_TIMEOUT_MS + DEFAULT_GRACE_MS);
    await hb().sweep();
    t.clock.advance(MINUTE);
    const back = t.clock.now();
    await poll(t.app, dev);
    await hb().flush();

    const events = (await since(start)).filter((e) => e.deviceUuid === dev.uuid);
    const u = dev.uuid.slice(0, 6);
    expect(events.map(brief)).toEqual([
      `device.registered ${u} >unknown 1`,
      `device.online ${u} unknown>online 2`,
      `device.timeout ${u} online>timeout 3`,
      `device.offline ${u} timeout>offline 4`,
      `device.online ${u} offline>online 5`,
    ]);
    expect(events.map((e) => e.at)).toEqual(
      [t0, t0, t0 + DEFAULT_TIMEOUT_MS, t0 + DEFAULT_TIMEOUT_MS + DEFAULT_GRACE_MS, back].map((ms) =>
        new Date(ms).toISOString(),
      ),
    );
    for (const e of events) {
      expect(e).toMatchObject({ organization: 1, fleet: a.fleet.id, device: dev.id, deviceUuid: dev.uuid });
    }
    const ids = events.map((e) => e.id);
    expect([...ids].sort((x, y) => x - y)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('an online device polling again writes no event; many polls before a flush are one transition', async () => {
    const dev = await register(t.app, a.provisioningKey, a.fleet.id);
    const start = await head();
    for (let i = 0; i < 20; i++) {
      await poll(t.app, dev);
      t.clock.advance(10);
    }
    await hb().flush();
    await poll(t.app, dev);
    await hb().flush();
    const events = (await since(start)).filter((e) => e.deviceUuid === dev.uuid);
    expect(events.map((e) => e.type)).toEqual(['device.online']);
  });

  it('a change that rolls back leaves no event (duplicate registration)', async () => {
    const dev = await register(t.app, a.provisioningKey, a.fleet.id);
    const start = await head();
    const again = await request(t.app, 'POST', '/device/register', a.provisioningKey, {
      application: a.fleet.id,
      device_type: 'raspberrypi3',
      uuid: dev.uuid,
    });
    expect(again.status).toBe(409);
    expect(await since(start)).toEqual([]);
  });

  it('records devices created, moved and deleted through /v7, and fleets deleted with their devices', async () => {
    const start = await head();
    const other = await createFleet(t, a.admin, {
      app_name: `evmove${Date.now() % 100000}`,
      organization: 1,
    });
    const created = await request(t.app, 'POST', '/v7/device', a.admin, {
      belongs_to__application: a.fleet.id,
      is_of__device_type: await deviceTypeId(t, 'raspberrypi3'),
      uuid: newUuid(),
      device_name: 'created-by-v7',
    });
    expect(created.status).toBe(201);
    const id = (created.json as { id: number }).id;
    // Same fleet: nothing moves.
    expect(
      (await request(t.app, 'PATCH', `/v7/device(${id})`, a.admin, { belongs_to__application: a.fleet.id }))
        .status,
    ).toBe(200);
    expect(
      (await request(t.app, 'PATCH', `/v7/device(${id})`, a.admin, { belongs_to__application: other.id }))
        .status,
    ).toBe(200);
    const second = await register(t.app, a.provisioningKey, a.fleet.id);
    expect(
      (
        await request(t.app, 'PATCH', `/v7/device(${second.id})`, a.admin, {
          belongs_to__application: other.id,
        })
      ).status,
    ).toBe(200);
    expect((await request(t.app, 'DELETE', `/v7/device(${second.id})`, a.admin)).status).toBe(200);
    expect((await request(t.app, 'DELETE', `/v7/application(${other.id})`, a.admin)).status).toBe(200);

    const events = await since(start);
    expect(
      events.map(
        (e) =>
          `${e.type} ${e.device === id ? 'A' : e.device === second.id ? 'B' : '?'} ${e.fleet === other.id ? 'other' : 'a'} ${e.deviceSeq}`,
      ),
    ).toEqual([
      'device.registered A a 1',
      'device.moved A other 2',
      'device.registered B a 1',
      'device.moved B other 2',
      'device.deleted B other 3',
      'device.deleted A other 3',
    ]);
    const moved = events[1];
    expect(moved?.data).toEqual({
      name: 'created-by-v7',
      previousFleet: a.fleet.id,
      previousOrganization: 1,
    });
    // Deleted devices' events stay readable.
    expect(events.find((e) => e.type === 'device.deleted')?.deviceUuid).toBe(second.uuid);
  });

  it('writes api_key.expiring once, api_key.expired once per expiry date, api_key.revoked on delete', async () => {
    const start = await head();
    const inThreeDays = new Date(t.clock.now() + 3 * 86_400_000).toISOString();
    const res = await request(t.app, 'POST', '/api-key/user/full', a.admin, {
      name: 'ev-expiring',
      expiryDate: inThreeDays,
    });
    expect(res.status).toBe(200);
    const far = await request(t.app, 'POST', '/api-key/user/full', a.admin, {
      name: 'ev-far',
      expiryDate: null,
    });
    expect(far.status).toBe(200);
    const keys = (await request(t.app, 'GET', '/v7/api_key?$select=id,name', a.admin)).json as {
      d: { id: number; name: string }[];
    };
    const keyId = keys.d.find((k) => k.name === 'ev-expiring')?.id;
    const farId = keys.d.find((k) => k.name === 'ev-far')?.id;
    const m = t.app.events.maintenance;
    expect(await m.run()).toMatchObject({ expiring: 1, expired: 0 });
    expect(await m.run()).toMatchObject({ expiring: 0, expired: 0 });
    t.clock.advance(3 * 86_400_000);
    expect(await m.run()).toMatchObject({ expiring: 0, expired: 1 });
    expect(await m.run()).toMatchObject({ expiring: 0, expired: 0 });
    expect((await request(t.app, 'DELETE', `/v7/api_key(${farId})`, a.admin)).status).toBe(200);

    const events = (await since(start)).filter((e) => e.type.startsWith('api_key.'));
    expect(
      events.map((e) => `${e.type} ${e.apiKey === keyId ? 'exp' : e.apiKey === farId ? 'far' : '?'}`),
    ).toEqual(['api_key.expiring exp', 'api_key.expired exp', 'api_key.revoked far']);
    expect(events[1]).toMatchObject({ at: inThreeDays, organization: null, fleet: null, deviceSeq: null });
    expect(events[0]?.data).toMatchObject({ kind: 'user', name: 'ev-expiring', expiryDate: inThreeDays });
  });

  it('prunes events older than the retention in batches, never newer ones', async () => {
    const before = await head();
    await register(t.app, a.provisioningKey, a.fleet.id);
    expect((await since(before)).length).toBe(1);
    t.clock.advance(29 * 86_400_000);
    const recent = await register(t.app, a.provisioningKey, a.fleet.id);
    t.clock.advance(2 * 86_400_000);
    const result = await t.app.events.maintenance.run();
    expect(result.pruned).toBeGreaterThan(0);
    const left = await allEvents(t.app, await adminToken(t), 0);
    expect(left.map((e) => e.deviceUuid)).toEqual([recent.uuid]);
  });
});

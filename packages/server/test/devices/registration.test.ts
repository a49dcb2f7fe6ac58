import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorKey } from '../api-keys/support.js';
import { dialects } from '../support/databases.js';
import { newUuid, request } from '../support/fleet-fixtures.js';
import { bearer, createTestApp, type TestApp } from '../support/test-app.js';
import { type FleetWithKey, fleetWithKey, MANUAL_HEARTBEAT_ENV, poll, register } from './support.js';

/** `POST /device/register` exactly as COMPAT.md A7 describes it, and every way to get it wrong. */
describe.each(dialects())('device registration (%s)', (dialect) => {
  let t: TestApp;
  let a: FleetWithKey;
  let b: FleetWithKey;

  beforeAll(async () => {
    t = await createTestApp(dialect, MANUAL_HEARTBEAT_ENV);
    a = await fleetWithKey(t);
    b = await fleetWithKey(t, a.admin);
  });
  afterAll(async () => t?.close());

  const post = (key: string | undefined, body: Record<string, unknown>) =>
    request(t.app, 'POST', '/device/register', key, body);

  it('answers 201 {id, uuid, api_key}; the device exists, unknown, in the fleet, with a friendly name', async () => {
    const uuid = newUuid();
    const res = await post(a.provisioningKey, {
      user: 1,
      application: a.fleet.id,
      device_type: 'raspberrypi3',
      uuid,
      os_version: 'balenaOS 5.1.0',
      os_variant: 'prod',
      supervisor_version: '16.1.0',
      mac_address: '00:11:22:33:44:55',
    });
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    const body = res.json as { id: number; uuid: string; api_key: string };
    expect(Object.keys(body).sort()).toEqual(['api_key', 'id', 'uuid']);
    expect(body).toMatchObject({ id: expect.any(Number), uuid });
    expect(body.api_key).toMatch(/^mk_d_/);

    const device = await request(
      t.app,
      'GET',
      `/v7/device(${body.id})?$select=uuid,device_name,api_heartbeat_state,belongs_to__application,os_version,os_variant,supervisor_version,mac_address,is_online`,
      a.admin,
    );
    const row = (device.json as { d: Record<string, unknown>[] }).d[0];
    expect(row).toMatchObject({
      uuid,
      api_heartbeat_state: 'unknown',
      is_online: false,
      belongs_to__application: { __id: a.fleet.id },
      os_version: 'balenaOS 5.1.0',
      os_variant: 'prod',
      supervisor_version: '16.1.0',
      mac_address: '00:11:22:33:44:55',
    });
    expect(row?.device_name).toMatch(/^[a-z]+-[a-z]+$/);

    // The key works: the device reads its own state.
    expect((await poll(t.app, { id: body.id, uuid, key: body.api_key })).status).toBe(200);
    const whoami = await t.app.inject({ url: '/actor/v1/whoami', headers: bearer(body.api_key) });
    expect(whoami.json()).toMatchObject({ actorType: 'device', actorTypeId: body.id, uuid });
  });

  it('keeps a given device_name and accepts a 62-character uuid', async () => {
    const uuid = `${newUuid()}${newUuid().slice(0, 30)}`;
    const dev = await register(t.app, a.provisioningKey, a.fleet.id, { uuid, device_name: 'front-door' });
    expect(dev.uuid).toBe(uuid);
    const res = await request(t.app, 'GET', `/v7/device(${dev.id})?$select=device_name`, a.admin);
    expect((res.json as { d: unknown[] }).d).toEqual([{ device_name: 'front-door' }]);
  });

  it('stores a device-chosen key hashed, returns it, and accepts it for the state endpoint', async () => {
    const chosen = 'my-own-device-key-0123456789abcdef';
    const dev = await register(t.app, a.provisioningKey, a.fleet.id, { api_key: chosen });
    expect(dev.key).toBe(chosen);
    expect((await poll(t.app, dev)).status).toBe(200);
    const stored = await t.ctx.db.kysely.selectFrom('api_key').selectAll().execute();
    for (const row of stored) expect(JSON.stringify(row)).not.toContain(chosen);
  });

  it('409 with "unique" for a duplicate uuid or a duplicate chosen key, and changes nothing', async () => {
    const dev = await register(t.app, a.provisioningKey, a.fleet.id, {
      api_key: 'duplicate-key-abcdefghijkl',
    });
    const count = async () =>
      Number(
        (
          await t.ctx.db.kysely
            .selectFrom('device')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    const dupUuid = await post(a.provisioningKey, {
      application: a.fleet.id,
      device_type: 'raspberrypi3',
      uuid: dev.uuid,
    });
    expect(dupUuid.status).toBe(409);
    expect(dupUuid.json).toBe('"uuid" must be unique.');
    const dupKey = await post(a.provisioningKey, {
      application: a.fleet.id,
      device_type: 'raspberrypi3',
      uuid: newUuid(),
      api_key: 'duplicate-key-abcdefghijkl',
    });
    expect(dupKey.status).toBe(409);
    expect(dupKey.json).toMatch(/unique/);
    expect(await count()).toBe(before);
  });

  it.each([
    [{ application: 0, device_type: 'raspberrypi3' }, /application/],
    [{ application: 'one', device_type: 'raspberrypi3' }, /application/],
    [{ uuid: '0'.repeat(32) }, /Device type must be specified/],
    [{ device_type: 'raspberrypi3' }, /UUID must be specified/],
    [{ device_type: 'raspberrypi3', uuid: 'ABCDEF0123456789ABCDEF0123456789' }, /UUID must be 32 or 62/],
    [{ device_type: 'raspberrypi3', uuid: '0'.repeat(40) }, /UUID must be 32 or 62/],
    [{ device_type: 'raspberrypi3', uuid: newUuid(), os_variant: 'beta' }, /os_variant/],
    [{ device_type: 'raspberrypi3', uuid: newUuid(), api_key: 'short' }, /api_key/],
    [{ device_type: 'raspberrypi3', uuid: newUuid(), api_key: 'has.a.dot.in.it.0123456789' }, /api_key/],
    [{ device_type: 'raspberrypi3', uuid: newUuid(), api_key: '12345678901234567890' }, /digits/],
    [{ device_type: 'raspberrypi3', uuid: newUuid(), api_key: `mk_d_${'A'.repeat(53)}` }, /Mooring key/],
    [{ device_type: 'raspberrypi3', uuid: newUuid(), is_online: true }, /must NOT have additional/],
    [{ device_type: { slug: 'raspberrypi3' }, uuid: newUuid() }, /device_type/],
  ])('400 for %o', async (fields, message) => {
    const body = { application: a.fleet.id, ...fields };
    const res = await post(a.provisioningKey, body);
    expect(res.status).toBe(400);
    expect(String(res.json)).toMatch(message);
  });

  it('400 when the fleet is missing', async () => {
    const res = await post(a.provisioningKey, { device_type: 'raspberrypi3', uuid: newUuid() });
    expect(res.status).toBe(400);
    expect(res.json).toBe('Application ID must be specified');
  });

  it('400 for malformed JSON and for a body that is not an object', async () => {
    for (const payload of ['{"application":', '[1,2]', '"x"']) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/device/register',
        headers: { ...bearer(a.provisioningKey), 'content-type': 'application/json' },
        payload,
      });
      expect(res.statusCode, payload).toBe(400);
    }
  });

  it('404 for a device type that no alias names', async () => {
    const res = await post(a.provisioningKey, {
      application: a.fleet.id,
      device_type: 'toaster-9000',
      uuid: newUuid(),
    });
    expect(res.status).toBe(404);
    expect(res.json).toMatch(/Unknown device type/);
    // Aliases resolve too (raspberry-pi3 is an alias of raspberrypi3).
    const viaAlias = await post(a.provisioningKey, {
      application: a.fleet.id,
      device_type: 'raspberry-pi3',
      uuid: newUuid(),
    });
    expect(viaAlias.status).toBe(201);
  });

  it('401 with an empty body for a missing, unknown, expired or revoked key', async () => {
    const body = { application: a.fleet.id, device_type: 'raspberrypi3', uuid: newUuid() };
    const expiring = await request(t.app, 'POST', '/api-key/v2/', a.admin, {
      actorType: 'application',
      actorTypeId: a.fleet.id,
      roles: ['provisioning-api-key'],
      expiryDate: new Date(t.clock.now() + 60_000).toISOString(),
    });
    const expiringKey = expiring.json as string;
    expect((await post(expiringKey, { ...body, uuid: newUuid() })).status).toBe(201);
    const revoked = await actorKey(t, a.admin, 'provisioning', a.fleet.id, 'to-revoke');
    const keyRow = await t.ctx.db.kysely
      .selectFrom('api_key')
      .select('id')
      .where('name', '=', 'to-revoke')
      .executeTakeFirstOrThrow();
    expect((await request(t.app, 'DELETE', `/v7/api_key(${keyRow.id})`, a.admin)).status).toBe(200);

    t.clock.advance(120_000);
    try {
      for (const key of [undefined, 'not-a-real-key-0123456789', expiringKey, revoked]) {
        const res = await post(key, body);
        expect(res.status).toBe(401);
        expect(res.body).toBe('');
      }
    } finally {
      t.clock.advance(-120_000);
    }
  });

  it('a provisioning key cannot register into another fleet (existing or not)', async () => {
    for (const application of [b.fleet.id, 999_999]) {
      const res = await post(a.provisioningKey, {
        application,
        device_type: 'raspberrypi3',
        uuid: newUuid(),
      });
      expect(res.status).toBe(403);
      expect(res.json).toMatch(/own fleet/);
    }
    const devices = await t.ctx.db.kysely
      .selectFrom('device')
      .select('id')
      .where('belongs_to__application', '=', b.fleet.id)
      .execute();
    expect(devices).toEqual([]);
  });

  it('device keys and user credentials cannot register devices', async () => {
    const dev = await register(t.app, a.provisioningKey, a.fleet.id);
    const body = { application: a.fleet.id, device_type: 'raspberrypi3', uuid: newUuid() };
    expect((await post(dev.key, body)).status).toBe(403);
    expect((await post(a.admin, body)).status).toBe(403);
  });

  it('accepts the key as ?apikey= too', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/device/register?apikey=${encodeURIComponent(a.provisioningKey)}`,
      payload: { application: a.fleet.id, device_type: 'raspberrypi3', uuid: newUuid() },
    });
    expect(res.statusCode).toBe(201);
  });
});

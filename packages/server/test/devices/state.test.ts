import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { createAppEnvVar, createDeviceEnvVar, newUuid, request } from '../support/fleet-fixtures.js';
import { bearer, createTestApp, type TestApp } from '../support/test-app.js';
import {
  type FleetWithKey,
  fleetWithKey,
  MANUAL_HEARTBEAT_ENV,
  poll,
  type RegisteredDevice,
  register,
} from './support.js';

type V3 = Record<
  string,
  {
    name: string;
    config: Record<string, string>;
    apps: Record<string, { id: number; name: string; environment: Record<string, string> }>;
  }
>;

/** The target-state endpoints (COMPAT.md A9): document, ETag/304, invalidation, reports, refusals. */
describe.each(dialects())('device state endpoints (%s)', (dialect) => {
  let t: TestApp;
  let a: FleetWithKey;
  let b: FleetWithKey;
  let dev: RegisteredDevice;
  let other: RegisteredDevice;

  beforeAll(async () => {
    t = await createTestApp(dialect, MANUAL_HEARTBEAT_ENV);
    a = await fleetWithKey(t);
    b = await fleetWithKey(t, a.admin);
    dev = await register(t.app, a.provisioningKey, a.fleet.id, { device_name: 'kitchen' });
    other = await register(t.app, a.provisioningKey, a.fleet.id);
  });
  afterAll(async () => t?.close());

  const v3 = async (device = dev) => {
    const res = await poll(t.app, device);
    expect(res.status).toBe(200);
    return { doc: (JSON.parse(res.body) as V3)[device.uuid], etag: res.etag };
  };
  const post = async (resource: string, body: Record<string, unknown>) => {
    const res = await request(t.app, 'POST', `/v7/${resource}`, a.admin, body);
    expect(res.status, res.body).toBe(201);
  };

  it('v3: name, fleet, merged config and environment (device overrides fleet), with an ETag', async () => {
    await createAppEnvVar(t, a.admin, a.fleet.id, 'SHARED', 'from-fleet');
    await createAppEnvVar(t, a.admin, a.fleet.id, 'FLEET_ONLY', 'f');
    await createDeviceEnvVar(t, a.admin, dev.id, 'SHARED', 'from-device');
    await post('application_config_variable', {
      application: a.fleet.id,
      name: 'BALENA_SUPERVISOR_LOCAL_MODE',
      value: '0',
    });
    await post('device_config_variable', {
      device: dev.id,
      name: 'BALENA_SUPERVISOR_LOCAL_MODE',
      value: '1',
    });
    const res = await poll(t.app, dev);
    expect(res.status).toBe(200);
    expect(res.etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    const body = JSON.parse(res.body) as V3;
    expect(Object.keys(body)).toEqual([dev.uuid]);
    expect(body[dev.uuid]).toEqual({
      name: 'kitchen',
      config: { BALENA_SUPERVISOR_LOCAL_MODE: '1', RESIN_SUPERVISOR_POLL_INTERVAL: '600000' },
      apps: {
        [a.fleet.uuid]: {
          id: a.fleet.id,
          name: a.fleet.app_name,
          is_host: false,
          class: 'fleet',
          environment: { FLEET_ONLY: 'f', SHARED: 'from-device' },
          releases: {},
        },
      },
    });
  });

  it('v2: the same content in the older layout', async () => {
    const res = await poll(t.app, dev, { version: 'v2' });
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body) as {
      local: { name: string; config: Record<string, string>; apps: Record<string, unknown> };
      dependent: unknown;
    };
    expect(body.local.name).toBe('kitchen');
    expect(body.local.config.BALENA_SUPERVISOR_LOCAL_MODE).toBe('1');
    expect(body.local.apps[String(a.fleet.id)]).toMatchObject({
      appId: a.fleet.id,
      name: a.fleet.app_name,
      environment: { FLEET_ONLY: 'f', SHARED: 'from-device' },
    });
    expect(body.dependent).toEqual({ apps: {}, devices: {} });
    expect(res.etag).not.toBe((await poll(t.app, dev)).etag);
  });

  it('If-None-Match with the current tag → 304 without a body; a stale or foreign tag → 200', async () => {
    const { etag } = await v3();
    const same = await poll(t.app, dev, { etag });
    expect(same.status).toBe(304);
    expect(same.body).toBe('');
    expect(same.etag).toBe(etag);
    expect((await poll(t.app, dev, { etag: `W/${etag}` })).status).toBe(304);
    expect((await poll(t.app, dev, { etag: `"nope", ${etag}` })).status).toBe(304);
    expect((await poll(t.app, dev, { etag: '"stale"' })).status).toBe(200);
    expect((await poll(t.app, dev, { etag: '*' })).status).toBe(304);
  });

  it('keeps only tags per device: a poll without its tag gets the same body and tag, rebuilt', async () => {
    const first = await v3();
    const v2 = await poll(t.app, dev, { version: 'v2' });
    expect(v2.status).toBe(200);
    const cached = t.app.devices.state.cache.get(dev.id);
    expect(cached?.etags).toEqual({ v2: v2.etag, v3: first.etag });
    expect(JSON.stringify(cached)).not.toContain('kitchen');
    const builds = t.app.devices.state.cache.builds;
    const again = await v3();
    expect(again).toEqual(first);
    expect(t.app.devices.state.cache.builds).toBe(builds + 1);
    // With its tag, the poll is answered from the cache: no build.
    expect((await poll(t.app, dev, { etag: first.etag })).status).toBe(304);
    expect(t.app.devices.state.cache.builds).toBe(builds + 1);
  });

  it('the cached document follows every change of its inputs, whoever makes it', async () => {
    const steps: [string, () => Promise<unknown>, (doc: V3[string]) => void][] = [
      [
        'fleet env var changed',
        () =>
          request(
            t.app,
            'PATCH',
            `/v7/application_environment_variable?$filter=application eq ${a.fleet.id} and name eq 'FLEET_ONLY'`,
            a.admin,
            { value: 'f2' },
          ),
        (doc) => expect(doc.apps[a.fleet.uuid]?.environment.FLEET_ONLY).toBe('f2'),
      ],
      [
        'device env var deleted (fleet value shows again)',
        () =>
          request(
            t.app,
            'DELETE',
            `/v7/device_environment_variable?$filter=device eq ${dev.id} and name eq 'SHARED'`,
            a.admin,
          ),
        (doc) => expect(doc.apps[a.fleet.uuid]?.environment.SHARED).toBe('from-fleet'),
      ],
      [
        'device renamed',
        () => request(t.app, 'PATCH', `/v7/device(${dev.id})`, a.admin, { device_name: 'pantry' }),
        (doc) => expect(doc.name).toBe('pantry'),
      ],
      [
        'fleet renamed',
        () =>
          request(t.app, 'PATCH', `/v7/application(${a.fleet.id})`, a.admin, { app_name: 'renamedfleet' }),
        (doc) => expect(doc.apps[a.fleet.uuid]?.name).toBe('renamedfleet'),
      ],
      [
        'fleet config var added',
        () =>
          post('application_config_variable', {
            application: a.fleet.id,
            name: 'BALENA_SUPERVISOR_PERSISTENT_LOGGING',
            value: 'true',
          }),
        (doc) => expect(doc.config.BALENA_SUPERVISOR_PERSISTENT_LOGGING).toBe('true'),
      ],
      [
        'written behind the API (another instance, SQL by hand)',
        () =>
          t.ctx.db.kysely
            .updateTable('device')
            .set({ device_name: 'garage' })
            .where('id', '=', dev.id)
            .execute(),
        (doc) => expect(doc.name).toBe('garage'),
      ],
    ];
    let { etag } = await v3();
    for (const [what, change, check] of steps) {
      expect((await poll(t.app, dev, { etag })).status, `${what}: before`).toBe(304);
      const res = await change();
      if (res && typeof res === 'object' && 'status' in res)
        expect((res as { status: number }).status, what).toBeLessThan(300);
      const after = await poll(t.app, dev, { etag });
      expect(after.status, what).toBe(200);
      check((JSON.parse(after.body) as V3)[dev.uuid] as V3[string]);
      etag = after.etag;
    }
  });

  it('moving the device to another fleet changes its document', async () => {
    const mover = await register(t.app, a.provisioningKey, a.fleet.id);
    const before = await v3(mover);
    const res = await request(t.app, 'PATCH', `/v7/device(${mover.id})`, a.admin, {
      belongs_to__application: b.fleet.id,
    });
    expect(res.status).toBe(200);
    const after = await poll(t.app, mover, { etag: before.etag });
    expect(after.status).toBe(200);
    expect(Object.keys((JSON.parse(after.body) as V3)[mover.uuid]?.apps ?? {})).toEqual([b.fleet.uuid]);
  });

  it('polls no database write: the device row is unchanged until a heartbeat flush', async () => {
    const snapshot = () =>
      t.ctx.db.kysely.selectFrom('device').selectAll().where('id', '=', other.id).executeTakeFirstOrThrow();
    const before = await snapshot();
    for (let i = 0; i < 20; i++) expect((await poll(t.app, other)).status).toBe(200);
    expect(await snapshot()).toEqual(before);
    const flushed = await t.app.devices.heartbeats.flush();
    expect(flushed.rowsWritten).toBeGreaterThanOrEqual(1);
    expect((await snapshot()).api_heartbeat_state).toBe('online');
  });

  it('accepts ?apikey= and Bearer alike', async () => {
    const q = await poll(t.app, other, { transport: 'query' });
    const h = await poll(t.app, other, { transport: 'bearer' });
    expect(q.status).toBe(200);
    expect(q.body).toBe(h.body);
  });

  it("an unknown uuid or another device's uuid is a bare 304 (no oracle), never its document", async () => {
    for (const uuid of [newUuid(), other.uuid]) {
      const res = await poll(t.app, dev, { uuid });
      expect(res.status).toBe(304);
      expect(res.body).toBe('');
      expect(res.etag).toBeUndefined();
    }
  });

  it('401 empty without a key or with a bad one; 403 for users and provisioning keys', async () => {
    for (const headers of [{}, bearer('not-a-valid-key-at-all-0123')]) {
      const res = await t.app.inject({ url: `/device/v3/${dev.uuid}/state`, headers });
      expect(res.statusCode).toBe(401);
      expect(res.body).toBe('');
    }
    for (const key of [a.admin, a.provisioningKey]) {
      const res = await t.app.inject({ url: `/device/v3/${dev.uuid}/state`, headers: bearer(key) });
      expect(res.statusCode).toBe(403);
    }
  });

  it('400 for a malformed uuid or unknown query parameters', async () => {
    for (const url of [
      '/device/v3/not-a-uuid/state',
      `/device/v3/${dev.uuid.toUpperCase()}/state`,
      `/device/v3/${dev.uuid}x/state`,
      `/device/v3/${dev.uuid}/state?debug=1`,
    ]) {
      const res = await t.app.inject({ url, headers: bearer(dev.key) });
      expect(res.statusCode, url).toBe(400);
    }
  });

  describe('PATCH (reported state)', () => {
    const patch = (version: 'v2' | 'v3', payload: unknown, device = dev, uuid = device.uuid) =>
      t.app.inject({
        method: 'PATCH',
        url: `/device/${version}/${uuid}/state`,
        headers: { ...bearer(device.key), 'content-type': 'application/json' },
        payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      });
    const reported = () =>
      request(
        t.app,
        'GET',
        `/v7/device(${dev.id})?$select=status,ip_address,os_version,supervisor_version,cpu_temp,memory_usage,is_undervolted,update_status,last_update_status_event`,
        a.admin,
      ).then((r) => (r.json as { d: Record<string, unknown>[] }).d[0]);

    it('v3 stores the known fields and ignores the rest', async () => {
      const res = await patch('v3', {
        [dev.uuid]: {
          status: 'Idle',
          ip_address: '10.0.0.2 192.168.1.7',
          os_version: 'balenaOS 6.0.1',
          supervisor_version: '17.0.0',
          cpu_temp: 51.6,
          memory_usage: 512,
          is_undervolted: true,
          update_status: 'done',
          apps: { whatever: { releases: {} } },
          is_on__commit: 'abc',
          api_heartbeat_state: 'offline',
        },
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.body).toBe('');
      expect(await reported()).toMatchObject({
        status: 'Idle',
        ip_address: '10.0.0.2 192.168.1.7',
        os_version: 'balenaOS 6.0.1',
        supervisor_version: '17.0.0',
        cpu_temp: 52,
        memory_usage: 512,
        is_undervolted: true,
        update_status: 'done',
        last_update_status_event: new Date(t.clock.now()).toISOString(),
      });
      const hb = await request(t.app, 'GET', `/v7/device(${dev.id})?$select=api_heartbeat_state`, a.admin);
      expect((hb.json as { d: { api_heartbeat_state: string }[] }).d[0]?.api_heartbeat_state).not.toBe(
        'offline',
      );
    });

    it('v2 reads the `local` part', async () => {
      const res = await patch('v2', { local: { status: 'Downloading', is_on__commit: 'x' }, dependent: {} });
      expect(res.statusCode).toBe(200);
      expect(await reported()).toMatchObject({ status: 'Downloading' });
    });

    it.each([
      ['malformed JSON', 'v3', '{"a":'],
      ['not an object', 'v3', '[1]'],
      ['a wrong type', 'v3', 'TYPED'],
      ['another uuid', 'v3', 'OTHER'],
      ['unknown v2 top-level key', 'v2', { local: {}, remote: {} }],
      ['too long a string', 'v2', { local: { status: 'x'.repeat(300) } }],
      ['a bad os_variant', 'v2', { local: { os_variant: 'beta' } }],
    ] as const)('400 for %s', async (_what, version, body) => {
      const payload =
        body === 'TYPED'
          ? { [dev.uuid]: { memory_usage: 'lots' } }
          : body === 'OTHER'
            ? { [other.uuid]: { status: 'Idle' } }
            : body;
      const res = await patch(version, payload);
      expect(res.statusCode).toBe(400);
    });

    it("401 for another device's uuid or an unknown one; nothing stored", async () => {
      const before = await reported();
      for (const uuid of [other.uuid, newUuid()]) {
        const res = await patch('v3', { [uuid]: { status: 'Hacked' } }, dev, uuid);
        expect(res.statusCode).toBe(401);
      }
      expect(await reported()).toEqual(before);
    });
  });
});

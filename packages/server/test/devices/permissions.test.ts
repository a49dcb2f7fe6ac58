import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namedKey } from '../api-keys/support.js';
import { dialects } from '../support/databases.js';
import { newUuid, request } from '../support/fleet-fixtures.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import {
  type FleetWithKey,
  fleetWithKey,
  MANUAL_HEARTBEAT_ENV,
  poll,
  type RegisteredDevice,
  register,
} from './support.js';

/** Who may call the device endpoints, and what device and provisioning keys can reach through /v7. */
describe.each(dialects())('device permissions (%s)', (dialect) => {
  let t: TestApp;
  let a: FleetWithKey;
  let b: FleetWithKey;
  let mine: RegisteredDevice;
  let sibling: RegisteredDevice;
  let foreign: RegisteredDevice;
  let userKey: string;

  beforeAll(async () => {
    t = await createTestApp(dialect, MANUAL_HEARTBEAT_ENV);
    a = await fleetWithKey(t);
    b = await fleetWithKey(t, a.admin);
    mine = await register(t.app, a.provisioningKey, a.fleet.id);
    sibling = await register(t.app, a.provisioningKey, a.fleet.id);
    foreign = await register(t.app, b.provisioningKey, b.fleet.id);
    userKey = await namedKey(t, a.admin, {}, 'admin-key');
  });
  afterAll(async () => t?.close());

  it("a device key cannot read another device's state, nor report it", async () => {
    for (const other of [sibling, foreign]) {
      const res = await poll(t.app, mine, { uuid: other.uuid });
      expect(res.status).toBe(304);
      expect(res.body).toBe('');
      const patch = await t.app.inject({
        method: 'PATCH',
        url: `/device/v3/${other.uuid}/state`,
        headers: { authorization: `Bearer ${mine.key}` },
        payload: { [other.uuid]: { status: 'pwned' } },
      });
      expect(patch.statusCode).toBe(401);
    }
  });

  it('a device key cannot register devices', async () => {
    const res = await request(t.app, 'POST', '/device/register', mine.key, {
      application: a.fleet.id,
      device_type: 'raspberrypi3',
      uuid: newUuid(),
    });
    expect(res.status).toBe(403);
  });

  it('a device key lists only its own fleet and its own device', async () => {
    const fleets = await request(t.app, 'GET', '/v7/application?$select=id', mine.key);
    expect(fleets.status).toBe(200);
    expect(fleets.json).toEqual({ d: [{ id: a.fleet.id }] });
    expect((await request(t.app, 'GET', `/v7/application(${b.fleet.id})`, mine.key)).json).toEqual({ d: [] });
    const devices = await request(t.app, 'GET', '/v7/device?$select=uuid', mine.key);
    expect(devices.json).toEqual({ d: [{ uuid: mine.uuid }] });
  });

  it('a device moved to another fleet sees the new fleet on its next request, not the old one', async () => {
    const mover = await register(t.app, a.provisioningKey, a.fleet.id);
    const before = await request(t.app, 'GET', '/v7/application?$select=id', mover.key);
    expect(before.json).toEqual({ d: [{ id: a.fleet.id }] });
    const moved = await request(t.app, 'PATCH', `/v7/device(uuid='${mover.uuid}')`, userKey, {
      belongs_to__application: b.fleet.id,
    });
    expect(moved.status).toBe(200);
    // The device principal (cached with its fleet) must not outlive the move.
    const after = await request(t.app, 'GET', '/v7/application?$select=id', mover.key);
    expect(after.json).toEqual({ d: [{ id: b.fleet.id }] });
  });

  it('a provisioning key cannot read devices (nor their state or history)', async () => {
    const list = await request(t.app, 'GET', '/v7/device?$select=uuid', a.provisioningKey);
    expect(list.status).toBe(403);
    expect(list.body).not.toContain(mine.uuid);
    const one = await request(t.app, 'GET', `/v7/device(uuid='${mine.uuid}')`, a.provisioningKey);
    expect(one.status).toBe(403);
    expect((await poll(t.app, { ...mine, key: a.provisioningKey })).status).toBe(403);
    const history = await request(
      t.app,
      'GET',
      `/mooring/v1/devices/${mine.uuid}/status-history`,
      a.provisioningKey,
    );
    expect(history.status).toBe(403);
  });

  /** Every device route × every kind of credential. */
  const routes = () =>
    [
      {
        name: 'POST /device/register',
        call: (key?: string) =>
          request(t.app, 'POST', '/device/register', key, {
            application: a.fleet.id,
            device_type: 'raspberrypi3',
            uuid: newUuid(),
          }),
      },
      {
        name: 'GET /device/v2/:uuid/state',
        call: (key?: string) => request(t.app, 'GET', `/device/v2/${mine.uuid}/state`, key),
      },
      {
        name: 'GET /device/v3/:uuid/state',
        call: (key?: string) => request(t.app, 'GET', `/device/v3/${mine.uuid}/state`, key),
      },
      {
        name: 'PATCH /device/v2/:uuid/state',
        call: (key?: string) =>
          request(t.app, 'PATCH', `/device/v2/${mine.uuid}/state`, key, { local: { status: 'Idle' } }),
      },
      {
        name: 'PATCH /device/v3/:uuid/state',
        call: (key?: string) =>
          request(t.app, 'PATCH', `/device/v3/${mine.uuid}/state`, key, { [mine.uuid]: { status: 'Idle' } }),
      },
      {
        name: 'GET /mooring/v1/devices/:uuid/status-history',
        call: (key?: string) => request(t.app, 'GET', `/mooring/v1/devices/${mine.uuid}/status-history`, key),
      },
    ] as const;
  const expected: Record<string, Record<string, number>> = {
    'POST /device/register': {
      anonymous: 401,
      session: 403,
      named: 403,
      provisioning: 201,
      device: 403,
      other_device: 403,
    },
    'GET /device/v2/:uuid/state': {
      anonymous: 401,
      session: 403,
      named: 403,
      provisioning: 403,
      device: 200,
      other_device: 304,
    },
    'GET /device/v3/:uuid/state': {
      anonymous: 401,
      session: 403,
      named: 403,
      provisioning: 403,
      device: 200,
      other_device: 304,
    },
    'PATCH /device/v2/:uuid/state': {
      anonymous: 401,
      session: 403,
      named: 403,
      provisioning: 403,
      device: 200,
      other_device: 401,
    },
    'PATCH /device/v3/:uuid/state': {
      anonymous: 401,
      session: 403,
      named: 403,
      provisioning: 403,
      device: 200,
      other_device: 401,
    },
    'GET /mooring/v1/devices/:uuid/status-history': {
      anonymous: 401,
      session: 200,
      named: 200,
      provisioning: 403,
      device: 403,
      other_device: 403,
    },
  };

  it('route × credential table', async () => {
    const credentials: Record<string, string | undefined> = {
      anonymous: undefined,
      session: a.admin,
      named: userKey,
      provisioning: a.provisioningKey,
      device: mine.key,
      other_device: foreign.key,
    };
    const got: Record<string, Record<string, number>> = {};
    for (const route of routes()) {
      got[route.name] = {};
      for (const [kind, key] of Object.entries(credentials)) {
        (got[route.name] as Record<string, number>)[kind] = (await route.call(key)).status;
      }
    }
    expect(got).toEqual(expected);
  });
});

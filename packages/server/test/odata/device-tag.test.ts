import { type BalenaSDK, getSdk } from 'balena-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorKey } from '../api-keys/support.js';
import { dialects } from '../support/databases.js';
import {
  addMember,
  adminToken,
  createDevice,
  createFleet,
  createOrganization,
  createUser,
  type DeviceFixture,
  encodeUrl,
  request,
} from '../support/fleet-fixtures.js';
import { ADMIN_PASSWORD, createTestApp, loginAs, type TestApp } from '../support/test-app.js';

/** `device_tag` (COMPAT.md A7): CRUD, uniqueness, `$count`, and the device-variable permission rules. */
describe.each(dialects())('device_tag (%s)', (dialect) => {
  let t: TestApp;
  let aliceSession: string;
  let bobSession: string;
  let d1: DeviceFixture;
  let d2: DeviceFixture;
  let foreign: DeviceFixture;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    const admin = await adminToken(t);
    const orgA = await createOrganization(t, admin, 'Tags A', 'tags-a');
    const orgB = await createOrganization(t, admin, 'Tags B', 'tags-b');
    const alice = await createUser(t, admin, 'alice');
    const bob = await createUser(t, admin, 'bob');
    await addMember(t, admin, orgA.id, alice.id);
    await addMember(t, admin, orgB.id, bob.id);
    aliceSession = await loginAs(t.app, 'alice', alice.password);
    bobSession = await loginAs(t.app, 'bob', bob.password);
    const fleetA = await createFleet(t, aliceSession, { app_name: 'tagfleet', organization: orgA.id });
    const fleetB = await createFleet(t, bobSession, { app_name: 'otherfleet', organization: orgB.id });
    d1 = await createDevice(t, aliceSession, { fleet: fleetA.id, device_name: 'd1' });
    d2 = await createDevice(t, aliceSession, { fleet: fleetA.id, device_name: 'd2' });
    foreign = await createDevice(t, bobSession, { fleet: fleetB.id, device_name: 'b1' });
  });
  afterAll(async () => t?.close());

  const tagsOf = async (token: string, device: number): Promise<{ tag_key: string; value: string }[]> => {
    const res = await request(
      t.app,
      'GET',
      encodeUrl(`/v7/device_tag?$select=tag_key,value&$filter=device eq ${device}&$orderby=tag_key asc`),
      token,
    );
    expect(res.status, res.body).toBe(200);
    return (res.json as { d: { tag_key: string; value: string }[] }).d;
  };

  it('creates, reads, updates, counts and deletes tags of a device', async () => {
    const created = await request(t.app, 'POST', '/v7/device_tag', aliceSession, {
      device: d1.id,
      tag_key: 'room',
      value: 'B12',
    });
    expect(created.status, created.body).toBe(201);
    const tag = created.json as { id: number; device: unknown; tag_key: string; value: string };
    expect(tag).toMatchObject({ device: { __id: d1.id }, tag_key: 'room', value: 'B12' });
    expect(created.headers.location).toBe(`/v7/device_tag(${tag.id})`);

    const again = await request(t.app, 'POST', '/v7/device_tag', aliceSession, {
      device: d1.id,
      tag_key: 'room',
      value: 'C3',
    });
    expect(again.status).toBe(409);
    expect(again.json).toBe('"device" and "tag_key" must be unique.');

    const patched = await request(t.app, 'PATCH', `/v7/device_tag(${tag.id})`, aliceSession, { value: 'C3' });
    expect(patched.status).toBe(200);
    await request(t.app, 'POST', '/v7/device_tag', aliceSession, {
      device: d1.id,
      tag_key: 'floor',
      value: '2',
    });
    expect(await tagsOf(aliceSession, d1.id)).toEqual([
      { tag_key: 'floor', value: '2' },
      { tag_key: 'room', value: 'C3' },
    ]);

    // The SDK's captured option: `$expand=device_tag/$count` on a device list.
    const counted = await request(
      t.app,
      'GET',
      encodeUrl(
        `/v7/device?$select=id&$filter=id in (${d1.id}, ${d2.id})&$expand=device_tag/$count&$orderby=id asc`,
      ),
      aliceSession,
    );
    expect(counted.json).toEqual({
      d: [
        { id: d1.id, device_tag: 2 },
        { id: d2.id, device_tag: 0 },
      ],
    });
    const expanded = await request(
      t.app,
      'GET',
      encodeUrl(`/v7/device(${d1.id})?$select=id&$expand=device_tag($select=tag_key;$orderby=tag_key desc)`),
      aliceSession,
    );
    expect(expanded.json).toEqual({
      d: [{ id: d1.id, device_tag: [{ tag_key: 'room' }, { tag_key: 'floor' }] }],
    });

    expect((await request(t.app, 'DELETE', `/v7/device_tag(${tag.id})`, aliceSession)).status).toBe(200);
    expect(await tagsOf(aliceSession, d1.id)).toEqual([{ tag_key: 'floor', value: '2' }]);
  });

  it('refuses an empty key, unknown fields and a missing value with 400', async () => {
    for (const body of [
      { device: d2.id, tag_key: '  ', value: 'x' },
      { device: d2.id, tag_key: 'k', value: 'x', colour: 'red' },
      { device: d2.id, tag_key: 'k' },
    ]) {
      const res = await request(t.app, 'POST', '/v7/device_tag', aliceSession, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect(await tagsOf(aliceSession, d2.id)).toEqual([]);
  });

  it('keeps tags inside the organization', async () => {
    const mine = await request(t.app, 'POST', '/v7/device_tag', aliceSession, {
      device: d2.id,
      tag_key: 'secret',
      value: 'alice',
    });
    const id = (mine.json as { id: number }).id;
    const all = await request(t.app, 'GET', '/v7/device_tag', bobSession);
    expect(
      (all.json as { d: { device: { __id: number } }[] }).d.every((r) => r.device.__id === foreign.id),
    ).toBe(true);
    expect((await request(t.app, 'GET', `/v7/device_tag(${id})`, bobSession)).json).toEqual({ d: [] });
    const onForeign = await request(t.app, 'POST', '/v7/device_tag', bobSession, {
      device: d2.id,
      tag_key: 'x',
      value: 'y',
    });
    expect(onForeign.status).toBe(400);
    expect(onForeign.json).toBe(`device ${d2.id} does not exist`);
    expect(
      (await request(t.app, 'PATCH', `/v7/device_tag(${id})`, bobSession, { value: 'bob' })).status,
    ).toBe(200);
    expect((await request(t.app, 'DELETE', `/v7/device_tag(${id})`, bobSession)).status).toBe(200);
    expect(await tagsOf(aliceSession, d2.id)).toEqual([{ tag_key: 'secret', value: 'alice' }]);
  });

  it('lets a device key manage its own tags only', async () => {
    const key = await actorKey(t, aliceSession, 'device', d1.id);
    const own = await request(t.app, 'POST', '/v7/device_tag', key, {
      device: d1.id,
      tag_key: 'by-device',
      value: '1',
    });
    expect(own.status, own.body).toBe(201);
    const other = await request(t.app, 'POST', '/v7/device_tag', key, {
      device: d2.id,
      tag_key: 'by-device',
      value: '1',
    });
    expect(other.status).toBe(400);
    const seen = await request(t.app, 'GET', '/v7/device_tag?$select=device', key);
    const devices = (seen.json as { d: { device: { __id: number } }[] }).d.map((r) => r.device.__id);
    expect(devices.length).toBeGreaterThan(0);
    expect(new Set(devices)).toEqual(new Set([d1.id]));
  });

  describe('with the real balena-sdk', () => {
    let sdk: BalenaSDK;
    beforeAll(async () => {
      const apiUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });
      // The SDK checks token expiry against the real clock.
      t.clock.set(Date.now());
      sdk = getSdk({ apiUrl, dataDirectory: false, isBrowser: false });
      await sdk.auth.login({ email: 'admin', password: ADMIN_PASSWORD });
    });

    it('sets (create, then update through 409 → PATCH), lists and removes device tags', async () => {
      await sdk.models.device.tags.set(d2.uuid, 'rack', '7');
      await sdk.models.device.tags.set(d2.uuid, 'rack', '8');
      const tags = await sdk.models.device.tags.getAllByDevice(d2.uuid);
      expect(tags.filter((tag) => tag.tag_key === 'rack').map((tag) => tag.value)).toEqual(['8']);
      await sdk.models.device.tags.remove(d2.uuid, 'rack');
      const after = await sdk.models.device.tags.getAllByDevice(d2.uuid);
      expect(after.map((tag) => tag.tag_key)).not.toContain('rack');
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MooringClient } from '../src/index.js';
import { dialects, rejection, type SdkServer, startServer } from './support.js';

const uuid = (n: number): string => n.toString(16).padStart(32, 'a');

describe.each(dialects())('SDK fleets, devices, env vars and OData (%s)', (dialect) => {
  let s: SdkServer;
  let admin: MooringClient;
  beforeAll(async () => {
    s = await startServer(dialect);
    admin = await s.admin();
  });
  afterAll(async () => s.close());

  const addDevice = async (fleetId: number, n: number): Promise<{ id: number }> =>
    admin.odata.post<{ id: number }>('device', {
      uuid: uuid(n),
      device_name: `dev-${n}`,
      belongs_to__application: fleetId,
      is_of__device_type: (await admin.odata.get<{ id: number }>("device_type(slug='raspberrypi4-64')"))[0]
        ?.id,
    });
  const setHeartbeat = (n: number, state: 'online' | 'offline' | 'timeout') =>
    s.t.ctx.db.kysely
      .updateTable('device')
      .set({ api_heartbeat_state: state })
      .where('uuid', '=', uuid(n))
      .execute();

  it('creates, lists, gets, renames and removes fleets with device and online counts', async () => {
    const fleet = await admin.fleets.create({
      name: 'Thermostats',
      deviceType: 'raspberrypi4-64',
      organization: 'admin',
    });
    expect(fleet).toMatchObject({
      name: 'Thermostats',
      slug: 'admin/thermostats',
      organizationId: 1,
      deviceType: 'raspberrypi4-64',
      deviceCount: 0,
    });
    await addDevice(fleet.id, 1);
    await addDevice(fleet.id, 2);
    await setHeartbeat(1, 'online');
    const listed = (await admin.fleets.list()).find((f) => f.id === fleet.id);
    expect(listed).toMatchObject({ deviceCount: 2, onlineCount: 1 });
    expect(await admin.fleets.get('admin/thermostats')).toMatchObject({ id: fleet.id, onlineCount: 1 });
    expect(await admin.fleets.get(fleet.id)).toMatchObject({ slug: 'admin/thermostats' });

    await admin.fleets.rename(fleet.id, 'Heaters');
    expect(await admin.fleets.get(fleet.id)).toMatchObject({ name: 'Heaters', slug: 'admin/heaters' });
    const key = await admin.fleets.createProvisioningKey('admin/heaters', {
      name: 'factory',
      expiryDate: null,
    });
    expect(key).toMatch(/^mk_p_/);
    expect((await admin.keys.list({ kind: 'provisioning' })).map((k) => k.name)).toContain('factory');

    const conflict = await rejection(
      admin.fleets.create({ name: 'Heaters', deviceType: 'raspberrypi4-64', organization: 'admin' }),
    );
    expect(conflict).toMatchObject({ code: 'Conflict', status: 409 });
    const spare = await admin.fleets.create({
      name: 'spare',
      deviceType: 'generic-amd64',
      organization: 'admin',
    });
    await admin.fleets.remove(spare.id);
    expect(await rejection(admin.fleets.get(spare.id))).toMatchObject({ code: 'NotFound', status: 404 });
    expect(
      await rejection(admin.fleets.create({ name: 'x', deviceType: 'no-such-type', organization: 'admin' })),
    ).toMatchObject({
      code: 'NotFound',
    });
  });

  it('lists and gets devices, checks online status, waits for online, renames, removes and makes device keys', async () => {
    const fleet = await admin.fleets.create({
      name: 'cameras',
      deviceType: 'raspberrypi4-64',
      organization: 'admin',
    });
    const d10 = await addDevice(fleet.id, 10);
    await addDevice(fleet.id, 11);
    await setHeartbeat(10, 'online');
    expect((await admin.devices.list({ fleet: fleet.id })).map((d) => d.uuid)).toEqual([uuid(10), uuid(11)]);
    expect(
      (await admin.devices.list({ fleet: 'admin/cameras', status: 'online' })).map((d) => d.uuid),
    ).toEqual([uuid(10)]);
    expect(await admin.devices.get(uuid(10))).toMatchObject({
      id: d10.id,
      name: 'dev-10',
      fleetId: fleet.id,
      deviceType: 'raspberrypi4-64',
      status: 'online',
      isOnline: true,
    });
    expect(await admin.devices.get(d10.id)).toMatchObject({ uuid: uuid(10) });
    expect(await admin.devices.isOnline(uuid(10))).toBe(true);
    expect(await admin.devices.isOnline(uuid(11))).toBe(false);

    expect(await admin.devices.waitOnline(uuid(11), { timeoutMs: 200, intervalMs: 50 })).toBe(false);
    // The device comes online only after the second poll has seen it offline (driven by the polls,
    // not by a timer racing them), so waitOnline must keep polling, and answer at a later poll.
    const seen: boolean[] = [];
    let beat: Promise<unknown> | undefined;
    const waiting = admin.devices.waitOnline(uuid(11), {
      timeoutMs: 20_000,
      intervalMs: 50,
      onPoll: (online) => {
        seen.push(online);
        if (seen.length === 2) beat = setHeartbeat(11, 'online');
      },
    });
    expect(await waiting).toBe(true);
    await beat;
    expect(seen.slice(0, 2)).toEqual([false, false]);
    expect(seen.at(-1)).toBe(true);
    expect(seen.length).toBeGreaterThan(2);

    await admin.devices.rename(uuid(11), 'front-door');
    expect(await admin.devices.get(uuid(11))).toMatchObject({ name: 'front-door' });
    const deviceKey = await admin.devices.generateKey(uuid(11), { name: 'own' });
    expect(deviceKey).toMatch(/^mk_d_/);
    const asDevice = s.client({ apiKey: deviceKey });
    expect(await asDevice.auth.whoami()).toMatchObject({ actorType: 'device', uuid: uuid(11) });

    await admin.devices.remove(uuid(11));
    expect(await rejection(admin.devices.get(uuid(11)))).toMatchObject({ code: 'NotFound', status: 404 });
    expect(await rejection(admin.devices.isOnline(uuid(99)))).toMatchObject({ code: 'NotFound' });
    expect(await rejection(admin.devices.waitOnline(uuid(99), { timeoutMs: 100 }))).toMatchObject({
      code: 'NotFound',
    });
  });

  it('statusHistory: a poll with the device key brings the device online, and the change is listed', async () => {
    const fleet = await admin.fleets.create({
      name: 'history',
      deviceType: 'generic-amd64',
      organization: 'admin',
    });
    await addDevice(fleet.id, 40);
    const deviceKey = await admin.devices.generateKey(uuid(40));
    const poll = await fetch(`${s.apiUrl}/device/v3/${uuid(40)}/state`, {
      headers: { authorization: `Bearer ${deviceKey}` },
    });
    expect(poll.status).toBe(200);
    await s.t.app.devices.heartbeats.flush();
    expect(await admin.devices.isOnline(uuid(40))).toBe(true);
    const history = await admin.devices.statusHistory(uuid(40), { limit: 5 });
    expect(history).toMatchObject({
      uuid: uuid(40),
      status: 'online',
      events: [{ from: 'unknown', to: 'online' }],
    });
    expect(history).not.toHaveProperty('stateAtSince');
    const changedAt = Date.parse(history.events[0]?.at ?? '');
    const day = await admin.devices.statusHistory(uuid(40), { since: new Date(changedAt - 86_400_000) });
    expect(day).toMatchObject({
      since: new Date(changedAt - 86_400_000).toISOString(),
      stateAtSince: 'unknown',
      events: [{ from: 'unknown', to: 'online' }],
    });
    const later = await admin.devices.statusHistory(uuid(40), {
      since: new Date(changedAt + 1).toISOString(),
    });
    expect(later).toMatchObject({ stateAtSince: 'online', events: [] });
    expect(await rejection(admin.devices.statusHistory(uuid(40), { since: 'yesterday' }))).toMatchObject({
      code: 'Validation',
    });
    expect(await rejection(admin.devices.statusHistory(uuid(98)))).toMatchObject({ code: 'NotFound' });
  });

  it('config variables and the poll interval, and the detection time they give a fleet and a device', async () => {
    const fleet = await admin.fleets.create({
      name: 'tuned',
      deviceType: 'generic-amd64',
      organization: 'admin',
    });
    await addDevice(fleet.id, 50);
    const defaults = await admin.fleets.detection('admin/tuned');
    expect(defaults).toMatchObject({ source: 'default', configuredMs: null });
    expect(await admin.config.pollInterval({ fleet: fleet.id })).toBeNull();

    await admin.config.setPollInterval({ fleet: 'admin/tuned' }, defaults.floorMs * 3);
    expect(await admin.config.pollInterval({ fleet: fleet.id })).toBe(defaults.floorMs * 3);
    expect(await admin.fleets.detection(fleet.id)).toMatchObject({
      source: 'fleet',
      pollIntervalMs: defaults.floorMs * 3,
      timeoutAfterMs: defaults.floorMs * 4.5,
    });
    await admin.config.setPollInterval({ device: uuid(50) }, defaults.floorMs * 2);
    expect((await admin.devices.statusHistory(uuid(50))).detection).toMatchObject({
      source: 'device',
      pollIntervalMs: defaults.floorMs * 2,
    });
    // Other configuration variables: the same list/set/remove as environment variables.
    await admin.config.set({ fleet: fleet.id, name: 'BALENA_SUPERVISOR_LOCAL_MODE', value: '0' });
    expect((await admin.config.list({ fleet: fleet.id })).map((v) => v.name)).toEqual([
      'BALENA_SUPERVISOR_LOCAL_MODE',
      'BALENA_SUPERVISOR_POLL_INTERVAL',
    ]);
    expect(await admin.env.list({ fleet: fleet.id })).toEqual([]);
    await admin.config.remove({ fleet: fleet.id, name: 'BALENA_SUPERVISOR_LOCAL_MODE' });

    await admin.config.setPollInterval({ fleet: fleet.id }, null);
    await admin.config.setPollInterval({ fleet: fleet.id }, null); // nothing left to remove: no error
    expect(await admin.fleets.detection(fleet.id)).toMatchObject({ source: 'default' });
    await expect(admin.config.setPollInterval({ fleet: fleet.id }, 1.5)).rejects.toBeInstanceOf(TypeError);
    expect(await rejection(admin.fleets.detection(999_999))).toMatchObject({ code: 'NotFound' });
  });

  it('lists, sets (create and update) and removes fleet and device variables', async () => {
    const fleet = await admin.fleets.create({
      name: 'envs',
      deviceType: 'raspberrypi4-64',
      organization: 'admin',
    });
    await addDevice(fleet.id, 20);
    await admin.env.set({ fleet: 'admin/envs', name: 'B', value: '2' });
    await admin.env.set({ fleet: fleet.id, name: 'A', value: '1' });
    await admin.env.set({ fleet: fleet.id, name: 'A', value: 'one' });
    expect((await admin.env.list({ fleet: fleet.id })).map(({ name, value }) => ({ name, value }))).toEqual([
      { name: 'A', value: 'one' },
      { name: 'B', value: '2' },
    ]);
    await admin.env.set({ device: uuid(20), name: 'LOG', value: 'debug' });
    expect(await admin.env.list({ device: uuid(20) })).toMatchObject([{ name: 'LOG', value: 'debug' }]);
    await admin.env.remove({ fleet: fleet.id, name: 'B' });
    expect((await admin.env.list({ fleet: fleet.id })).map((v) => v.name)).toEqual(['A']);
    expect(await rejection(admin.env.remove({ device: uuid(20), name: 'NOPE' }))).toMatchObject({
      code: 'NotFound',
    });
    const dup = await rejection(
      admin.odata.post('application_environment_variable', { application: fleet.id, name: 'A', value: 'x' }),
    );
    expect(dup).toMatchObject({ code: 'Conflict', status: 409 });
  });

  it('reads any resource through the typed OData helper and maps bad queries to Validation', async () => {
    const types = await admin.odata.get<{ slug: string }>('device_type', {
      $select: ['slug'],
      $filter: "startswith(slug,'raspberrypi4')",
      $orderby: 'slug asc',
      $top: 1,
    });
    expect(types).toEqual([{ slug: 'raspberrypi4-64' }]);
    expect(await admin.odata.count('device_type', { $filter: "slug eq 'generic-amd64'" })).toBe(1);
    const withExpand = await admin.odata.get<{ owns__device: unknown[] }>('application', {
      $select: 'id',
      $expand: 'owns__device($select=uuid)',
      $skip: 0,
    });
    expect(Array.isArray(withExpand[0]?.owns__device)).toBe(true);
    const bad = await rejection(admin.odata.get('device', { $filter: 'uuid eq' }));
    expect(bad).toMatchObject({ code: 'Validation', status: 400 });
    const unknown = await rejection(admin.odata.get('no_such_resource'));
    expect(unknown).toMatchObject({ code: 'Validation', status: 400 });
    await expect(admin.odata.get('device?$top=1')).rejects.toBeInstanceOf(TypeError);
    const fleet = await admin.fleets.create({
      name: 'odata-writes',
      deviceType: 'generic-amd64',
      organization: 'admin',
    });
    await addDevice(fleet.id, 30);
    await addDevice(fleet.id, 31);
    await admin.odata.patch(
      'device',
      { note: 'attic' },
      { $filter: `belongs_to__application eq ${fleet.id}` },
    );
    const notes = await admin.odata.get<{ note: string }>('device', {
      $select: 'note',
      $filter: `belongs_to__application eq ${fleet.id}`,
    });
    expect(notes).toEqual([{ note: 'attic' }, { note: 'attic' }]);
    await admin.odata.delete(`device(uuid='${uuid(30)}')`);
    await admin.odata.delete('device', { $filter: `uuid eq '${uuid(31)}'` });
    expect(await admin.odata.count('device', { $filter: `belongs_to__application eq ${fleet.id}` })).toBe(0);
    const raw = await admin.request<{ d: { id: number }[] }>('GET', '/v7/device_type', {
      query: '$select=id&$top=2',
    });
    expect(raw.d).toHaveLength(2);
  });
});

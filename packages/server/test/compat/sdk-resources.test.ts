import { type BalenaSDK, getSdk } from 'balena-sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { fixtureDb, insertApiKey, newUuid } from '../support/fleet-fixtures.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../support/test-app.js';

/**
 * The unmodified balena-sdk's resource models against a listening Mooring (COMPAT.md A5–A8, (c)),
 * asserting what each call returns, not only that it resolves. Every test builds the fleets and
 * devices it needs, under unique names, so tests can run alone or in any order.
 */
describe.each(dialects())('balena-sdk resources (%s)', (dialect) => {
  let t: TestApp;
  let apiUrl: string;
  let sdk: BalenaSDK;
  let counter = 0;
  const unique = (prefix: string): string => `${prefix}${++counter}`;
  const newSdk = (): BalenaSDK => getSdk({ apiUrl, dataDirectory: false, isBrowser: false });

  beforeAll(async () => {
    t = await createTestApp(dialect);
    apiUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });
    t.clock.set(Date.now());
    sdk = newSdk();
    await sdk.auth.login({ email: 'admin', password: ADMIN_PASSWORD });
  });
  afterAll(async () => t?.close());
  beforeEach(() => t.clock.set(Date.now()));

  const newFleet = (name = unique('fleet')) =>
    sdk.models.application.create({ name, deviceType: 'raspberrypi3', organization: 'admin' });

  const newDevice = async (fleetId: number, name = unique('sdk-dev-')) => {
    const dt = await sdk.models.deviceType.get('raspberrypi3', { $select: 'id' });
    return sdk.pine.post({
      resource: 'device',
      body: {
        belongs_to__application: fleetId,
        is_of__device_type: dt.id,
        uuid: newUuid(),
        device_name: name,
      },
    });
  };

  describe('application', () => {
    it('creates a fleet and finds it by id, slug, uuid and in listings', async () => {
      const name = unique('sdkapp');
      const app = await newFleet(name);
      expect(app).toMatchObject({
        id: expect.any(Number),
        app_name: name,
        slug: `admin/${name}`,
        organization: { __id: 1 },
        actor: { __id: expect.any(Number) },
        is_for__device_type: { __id: expect.any(Number) },
      });
      expect(app.uuid).toMatch(/^[0-9a-f]{32}$/);

      expect(await sdk.models.application.get(app.id)).toMatchObject({ id: app.id, app_name: name });
      expect(await sdk.models.application.get(`admin/${name}`)).toMatchObject({ id: app.id, uuid: app.uuid });
      expect(await sdk.models.application.get(`Admin/${name.toUpperCase()}`)).toMatchObject({ id: app.id });
      expect(await sdk.models.application.get(app.uuid)).toMatchObject({ id: app.id });
      const withType = await sdk.models.application.get(app.id, {
        $select: 'id',
        $expand: {
          is_for__device_type: { $select: 'slug', $expand: { is_of__cpu_architecture: { $select: 'slug' } } },
        },
      });
      expect(withType).toEqual({
        id: app.id,
        is_for__device_type: [{ slug: 'raspberrypi3', is_of__cpu_architecture: [{ slug: 'armv7hf' }] }],
      });

      expect(await sdk.models.application.has(`admin/${name}`)).toBe(true);
      expect(await sdk.models.application.has(app.id)).toBe(true);
      expect(await sdk.models.application.has('admin/no-such-fleet')).toBe(false);
      await expect(sdk.models.application.get('admin/no-such-fleet')).rejects.toMatchObject({
        code: 'BalenaApplicationNotFound',
      });
      await expect(sdk.models.application.get(999999)).rejects.toMatchObject({
        code: 'BalenaApplicationNotFound',
      });

      const all = await sdk.models.application.getAll();
      const names = all.map((a) => a.app_name);
      expect(names).toContain(name);
      expect(names).toEqual([...names].sort());
      const direct = await sdk.models.application.getAllDirectlyAccessible({ $select: ['id', 'app_name'] });
      expect(direct).toContainEqual({ id: app.id, app_name: name });
    });

    it('refuses a duplicate name in the same organization and an unknown device type', async () => {
      const name = unique('dupapp');
      await newFleet(name);
      await expect(newFleet(name)).rejects.toMatchObject({ statusCode: 409 });
      await expect(
        sdk.models.application.create({
          name: unique('badtype'),
          deviceType: 'no-such-board',
          organization: 'admin',
        }),
      ).rejects.toMatchObject({ code: 'BalenaInvalidDeviceType' });
      await expect(
        sdk.models.application.create({
          name: unique('badorg'),
          deviceType: 'raspberrypi3',
          organization: 'no-such-org',
        }),
      ).rejects.toMatchObject({ code: 'BalenaOrganizationNotFound' });
    });

    it('renames (recomputing the slug) and removes by slug and by id', async () => {
      const app = await newFleet();
      const renamed = unique('RenamedApp');
      await sdk.models.application.rename(app.id, renamed);
      expect(await sdk.models.application.get(app.id, { $select: ['app_name', 'slug'] })).toEqual({
        app_name: renamed,
        slug: `admin/${renamed.toLowerCase()}`,
      });
      await sdk.models.application.remove(`admin/${renamed.toLowerCase()}`);
      expect(await sdk.models.application.has(app.id)).toBe(false);

      const other = await newFleet();
      await sdk.models.application.remove(other.id);
      expect(await sdk.models.application.has(other.id)).toBe(false);
      await expect(sdk.models.application.remove(other.id)).rejects.toMatchObject({
        code: 'BalenaApplicationNotFound',
      });
    });
  });

  describe('organization and device type', () => {
    it('reads the bootstrap organization', async () => {
      expect(await sdk.models.organization.get('admin')).toMatchObject({ id: 1, handle: 'admin' });
      expect(await sdk.models.organization.get(1)).toMatchObject({ id: 1, handle: 'admin' });
      const all = await sdk.models.organization.getAll();
      expect(all.map((o) => o.handle)).toContain('admin');
      await expect(sdk.models.organization.get('no-such-org')).rejects.toMatchObject({
        code: 'BalenaOrganizationNotFound',
      });
    });

    it('reads device types by slug and alias, and the whole catalogue', async () => {
      const rpi3 = await sdk.models.deviceType.get('raspberrypi3');
      expect(rpi3).toMatchObject({
        slug: 'raspberrypi3',
        name: 'Raspberry Pi 3',
        is_of__cpu_architecture: { __id: expect.any(Number) },
      });
      expect(await sdk.models.deviceType.get('raspberry-pi3')).toMatchObject({
        id: rpi3.id,
        slug: 'raspberrypi3',
      });
      expect(await sdk.models.deviceType.getName('raspberrypi4-64')).toBe('Raspberry Pi 4 (using 64bit OS)');
      await expect(sdk.models.deviceType.get('no-such-board')).rejects.toMatchObject({
        code: 'BalenaInvalidDeviceType',
      });
      const all = await sdk.models.deviceType.getAll();
      const expected = await fixtureDb(t).selectFrom('device_type').select('slug').orderBy('name').execute();
      expect(all.map((d) => d.slug)).toEqual(expected.map((d) => d.slug));
    });

    it('lets anonymous callers read the catalogue but no fleets', async () => {
      const anon = newSdk();
      expect(await anon.models.deviceType.get('intel-nuc')).toMatchObject({ slug: 'intel-nuc' });
      expect(await anon.models.application.getAll()).toEqual([]);
      await expect(anon.pine.get({ resource: 'device' })).rejects.toMatchObject({
        code: 'BalenaNotLoggedIn',
      });
    });
  });

  describe('device', () => {
    it('lists devices by fleet (slug and id, with $select/$expand) and by organization', async () => {
      const app = await newFleet();
      const b = await newDevice(app.id, unique('sdk-dev-b'));
      const a = await newDevice(app.id, unique('sdk-dev-a'));
      const bySlug = await sdk.models.device.getAllByApplication(app.slug);
      expect(bySlug.map((d) => d.id)).toEqual([a.id, b.id]);
      expect(bySlug[0]).toMatchObject({
        uuid: a.uuid,
        device_name: a.device_name,
        belongs_to__application: { __id: app.id },
        is_online: false,
      });
      const byId = await sdk.models.device.getAllByApplication(app.id, {
        $select: ['id', 'device_name'],
        $expand: { is_of__device_type: { $select: 'slug' } },
      });
      expect(byId).toEqual([
        { id: a.id, device_name: a.device_name, is_of__device_type: [{ slug: 'raspberrypi3' }] },
        { id: b.id, device_name: b.device_name, is_of__device_type: [{ slug: 'raspberrypi3' }] },
      ]);
      const byOrg = await sdk.models.device.getAllByOrganization('admin', { $select: 'id' });
      expect(byOrg.map((d) => d.id)).toEqual(expect.arrayContaining([a.id, b.id]));
      expect(
        await sdk.models.device.getAllByApplication(app.id, {
          $select: 'id',
          $filter: { device_name: 'none' },
        }),
      ).toEqual([]);
    });

    it('gets one device by id, uuid and name, with its name and fleet name', async () => {
      const app = await newFleet();
      const dev = await newDevice(app.id);
      expect(await sdk.models.device.get(dev.id)).toMatchObject({ id: dev.id, uuid: dev.uuid });
      expect(await sdk.models.device.get(dev.uuid)).toMatchObject({
        id: dev.id,
        device_name: dev.device_name,
      });
      expect(await sdk.models.device.getName(dev.uuid)).toBe(dev.device_name);
      expect(await sdk.models.device.getApplicationName(dev.id)).toBe(app.app_name);
      expect(await sdk.models.device.getApplicationName(dev.uuid)).toBe(app.app_name);
      const byName = await sdk.models.device.getByName(dev.device_name);
      expect(byName.map((d) => d.id)).toEqual([dev.id]);
      await expect(sdk.models.device.get('f'.repeat(32))).rejects.toMatchObject({
        code: 'BalenaDeviceNotFound',
      });
      await expect(sdk.models.device.getByName('no-such-device')).rejects.toMatchObject({
        code: 'BalenaDeviceNotFound',
      });
    });

    it('renames and removes devices', async () => {
      const app = await newFleet();
      const dev = await newDevice(app.id);
      const other = await newDevice(app.id);
      const name = unique('renamed-dev');
      await sdk.models.device.rename(dev.uuid, name);
      expect(await sdk.models.device.getName(dev.id)).toBe(name);
      expect(await sdk.models.device.getName(other.id)).toBe(other.device_name);
      await sdk.models.device.remove(dev.uuid);
      await expect(sdk.models.device.get(dev.id)).rejects.toMatchObject({ code: 'BalenaDeviceNotFound' });
      await sdk.models.device.remove(other.id);
      expect(await sdk.models.device.getAllByApplication(app.id)).toEqual([]);
    });
  });

  describe('environment variables', () => {
    it('application.envVar: set creates, set again updates through 409 → PATCH, remove deletes', async () => {
      const app = await newFleet();
      const env = sdk.models.application.envVar;
      expect(await env.get(app.slug, 'FOO')).toBeUndefined();
      await env.set(app.slug, 'FOO', 'bar');
      expect(await env.get(app.slug, 'FOO')).toBe('bar');
      const [first] = await env.getAllByApplication(app.id);
      await env.set(app.slug, 'FOO', 'baz');
      expect(await env.get(app.id, 'FOO')).toBe('baz');
      await env.set(app.id, 'BAR', 'numeric parent');
      const all = await env.getAllByApplication(app.slug);
      expect(all.map((v) => [v.name, v.value])).toEqual([
        ['BAR', 'numeric parent'],
        ['FOO', 'baz'],
      ]);
      // The update path kept the row: same id, no duplicate.
      expect(all.find((v) => v.name === 'FOO')).toMatchObject({
        id: first?.id,
        application: { __id: app.id },
      });
      await env.remove(app.slug, 'FOO');
      expect(await env.get(app.slug, 'FOO')).toBeUndefined();
      expect((await env.getAllByApplication(app.id)).map((v) => v.name)).toEqual(['BAR']);
    });

    it('device.envVar: by device and by fleet, with the 409 → PATCH update path', async () => {
      const app = await newFleet();
      const dev = await newDevice(app.id);
      const other = await newDevice(app.id);
      const env = sdk.models.device.envVar;
      await env.set(dev.uuid, 'FOO', 'bar');
      await env.set(other.id, 'OTHER', '1');
      expect(await env.get(dev.uuid, 'FOO')).toBe('bar');
      const [first] = await env.getAllByDevice(dev.uuid);
      await env.set(dev.uuid, 'FOO', 'baz');
      expect(await env.get(dev.id, 'FOO')).toBe('baz');
      const mine = await env.getAllByDevice(dev.id);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({ id: first?.id, name: 'FOO', value: 'baz', device: { __id: dev.id } });
      const byFleet = await env.getAllByApplication(app.slug);
      expect(byFleet.map((v) => v.name)).toEqual(['FOO', 'OTHER']);
      await env.remove(dev.uuid, 'FOO');
      expect(await env.get(dev.uuid, 'FOO')).toBeUndefined();
      expect(await env.getAllByDevice(dev.uuid)).toEqual([]);
      expect(await env.get(other.uuid, 'OTHER')).toBe('1');
    });
  });

  describe('api keys', () => {
    it('lists, updates and revokes keys without ever returning secrets', async () => {
      const actor = await sdk.auth.getActorId();
      const keep = await insertApiKey(t, { actor, name: unique('key-keep'), description: 'kept' });
      const change = await insertApiKey(t, { actor, name: unique('key-change') });
      const unnamed = await insertApiKey(t, { actor, name: null });

      const all = await sdk.models.apiKey.getAll();
      expect(all.map((k) => k.id)).toEqual(expect.arrayContaining([keep, change, unnamed]));
      for (const k of all) {
        for (const secret of ['key', 'key_hash', 'signing_secret']) expect(k).not.toHaveProperty(secret);
      }
      expect(all.find((k) => k.id === keep)).toMatchObject({
        description: 'kept',
        expiry_date: null,
        is_of__actor: { __id: actor },
      });
      const named = await sdk.models.apiKey.getAllNamedUserApiKeys();
      expect(named.map((k) => k.id)).toEqual(expect.arrayContaining([keep, change]));
      expect(named.map((k) => k.id)).not.toContain(unnamed);

      const newName = unique('key-changed');
      await sdk.models.apiKey.update(change, {
        name: newName,
        description: 'new',
        expiryDate: '2030-01-01T00:00:00.000Z',
      });
      const [changed] = await sdk.models.apiKey.getAll({ $filter: { id: change } });
      expect(changed).toMatchObject({ name: newName, description: 'new' });
      expect(new Date(changed?.expiry_date ?? 0).toISOString()).toBe('2030-01-01T00:00:00.000Z');

      await sdk.models.apiKey.revoke(change);
      const after = await sdk.models.apiKey.getAll({ $select: ['id', 'name'] });
      expect(after.map((k) => k.id)).not.toContain(change);
      expect(after).toContainEqual({ id: keep, name: expect.any(String) });
      for (const k of after) expect(Object.keys(k).sort()).toEqual(['id', 'name']);
    });
  });

  describe('pine', () => {
    it('put replaces one entity; a write refuses options it would not honour', async () => {
      const app = await newFleet();
      const env = sdk.models.application.envVar;
      await env.set(app.id, 'FOO', 'bar');
      const [variable] = await env.getAllByApplication(app.id);
      const resource = 'application_environment_variable';
      const id = variable?.id as number;
      await sdk.pine.put({ resource, id, body: { name: 'FOO', value: 'put' } });
      expect(await env.get(app.id, 'FOO')).toBe('put');
      // A PUT is the whole entity: a field without a default cannot be left out.
      await expect(sdk.pine.put({ resource, id, body: { value: 'x' } })).rejects.toMatchObject({
        statusCode: 400,
        body: `"name" is required: PUT replaces the whole ${resource}`,
      });
      await expect(
        sdk.pine.put({ resource, id: 2_000_000_000, body: { name: 'NEW', value: 'x' } }),
      ).rejects.toMatchObject({ statusCode: 404 });
      await env.set(app.id, 'BAR', 'b');
      await expect(
        sdk.pine.delete({ resource, options: { $filter: { application: app.id }, $top: 1 } }),
      ).rejects.toMatchObject({
        statusCode: 400,
        body: '$top is not supported on DELETE: it changes every row the key or $filter selects',
      });
      expect((await env.getAllByApplication(app.id)).map((v) => [v.name, v.value])).toEqual([
        ['BAR', 'b'],
        ['FOO', 'put'],
      ]);
    });

    it('$in, $any, nested $expand and $count', async () => {
      const app = await newFleet();
      const a = await newDevice(app.id);
      const b = await newDevice(app.id);
      const c = await newDevice(app.id);

      const byIn = await sdk.pine.get({
        resource: 'device',
        options: { $select: 'id', $filter: { id: { $in: [a.id, c.id] } }, $orderby: { id: 'asc' } },
      });
      expect(byIn).toEqual([{ id: a.id }, { id: c.id }]);

      const byAny = await sdk.pine.get({
        resource: 'application',
        options: {
          $select: 'id',
          $filter: { owns__device: { $any: { $alias: 'd', $expr: { d: { device_name: b.device_name } } } } },
        },
      });
      expect(byAny).toEqual([{ id: app.id }]);

      const nested = await sdk.pine.get({
        resource: 'application',
        id: app.id,
        options: {
          $select: 'id',
          $expand: {
            owns__device: {
              $select: ['id', 'device_name'],
              $orderby: { id: 'asc' },
              $expand: { is_of__device_type: { $select: 'slug' } },
            },
          },
        },
      });
      expect(nested).toEqual({
        id: app.id,
        owns__device: [a, b, c].map((d) => ({
          id: d.id,
          device_name: d.device_name,
          is_of__device_type: [{ slug: 'raspberrypi3' }],
        })),
      });

      const count = await sdk.pine.get({
        resource: 'device',
        options: { $count: { $filter: { belongs_to__application: app.id } } },
      });
      expect(count).toBe(3);
      const none = await sdk.pine.get({
        resource: 'device',
        options: { $count: { $filter: { belongs_to__application: app.id, device_name: 'nobody' } } },
      });
      expect(none).toBe(0);
    });
  });
});

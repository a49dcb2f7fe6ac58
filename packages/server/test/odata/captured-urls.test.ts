import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import {
  adminToken,
  createAppEnvVar,
  createDevice,
  createDeviceEnvVar,
  createFleet,
  type DeviceFixture,
  deviceTypeId,
  encodeUrl,
  type FleetFixture,
  fixtureDb,
  insertApiKey,
  lit,
  request,
  type V7Response,
} from '../support/fleet-fixtures.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { CAPTURED_URLS } from './support/captured-urls.js';

/**
 * Every URL of COMPAT.md (c) "Full list of URLs the profile above must answer", with real ids, checked
 * for the documented wire shape (A0.3–A0.8): `{d:[…]}` envelopes (also for key lookups), `{d:N}` for
 * `/$count`, `{__id}` foreign keys, expansions as arrays, ISO dates, 201 + Location on POST, 200 with
 * an empty body on PATCH/DELETE (also on zero rows), 409 "unique" texts, 400 naming unknown names.
 * Read tests use the shared fixtures; every write test builds its own fleet so that no test depends
 * on another.
 */
type Row = Record<string, unknown>;

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
const ODD_NAME = "it's a&b/c+d #1";

function rows(res: V7Response): Row[] {
  expect(res.status, res.body).toBe(200);
  expect(String(res.headers['content-type'])).toContain('application/json');
  const body = res.json as { d?: unknown };
  expect(Array.isArray(body?.d), `expected {d:[…]}, got ${res.body}`).toBe(true);
  return body.d as Row[];
}

function one(res: V7Response): Row {
  const d = rows(res);
  expect(d, res.body).toHaveLength(1);
  return d[0] as Row;
}

function expectEmptyOk(res: V7Response): void {
  expect(res.status, res.body).toBe(200);
  expect(res.body).toBe('');
}

describe.each(dialects())('captured /v7 URLs (%s)', (dialect) => {
  let t: TestApp;
  let admin: string;
  let rpi3: number;
  let fleet: FleetFixture;
  let dev1: DeviceFixture;
  let dev2: DeviceFixture;
  let odd: DeviceFixture;
  let alphaKey: number;
  let scratchCount = 0;
  const scratchName = (): string => `scratch${++scratchCount}`;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    admin = await adminToken(t);
    rpi3 = await deviceTypeId(t, 'raspberrypi3');
    fleet = await createFleet(t, admin, { app_name: 'myapp', organization: 1 });
    dev1 = await createDevice(t, admin, { fleet: fleet.id, device_name: 'dev1' });
    dev2 = await createDevice(t, admin, { fleet: fleet.id, device_name: 'dev2' });
    odd = await createDevice(t, admin, { fleet: fleet.id, device_name: ODD_NAME });
    await createAppEnvVar(t, admin, fleet.id, 'FOO', 'bar');
    await createDeviceEnvVar(t, admin, dev1.id, 'FOO', 'bar');
    await createDeviceEnvVar(t, admin, dev2.id, 'ABC', 'one');
    await createDeviceEnvVar(t, admin, dev2.id, 'XYZ', 'two');
    alphaKey = await insertApiKey(t, { actor: 1, name: 'alpha', description: 'first' });
    await insertApiKey(t, { actor: 1, name: 'beta' });
    await insertApiKey(t, { actor: 1, name: null });
  });
  afterAll(async () => t?.close());

  const get = (readable: string): Promise<V7Response> => request(t.app, 'GET', encodeUrl(readable), admin);
  const send = (
    method: 'POST' | 'PATCH' | 'DELETE',
    readable: string,
    payload?: Record<string, unknown>,
  ): Promise<V7Response> => request(t.app, method, encodeUrl(readable), admin, payload);

  describe('application', () => {
    it('lists fleets ordered by name with {__id} foreign keys and ISO dates', async () => {
      const d = rows(await get('/v7/application?$orderby=app_name asc'));
      const names = d.map((r) => r.app_name as string);
      expect(names).toEqual([...names].sort());
      const row = d.find((r) => r.id === fleet.id);
      expect(row).toMatchObject({
        app_name: 'myapp',
        slug: 'admin/myapp',
        organization: { __id: 1 },
        is_for__device_type: { __id: rpi3 },
        actor: { __id: expect.any(Number) },
        is_of__class: 'fleet',
      });
      expect(row?.uuid).toMatch(/^[0-9a-f]{32}$/);
      expect(row?.created_at).toMatch(ISO);
      expect(row?.modified_at).toMatch(ISO);
    });

    it('applies $select and a filtered $expand of owns__device', async () => {
      const url = '/v7/application?$orderby=app_name asc&$select=id,app_name&$expand=owns__device';
      const offline = rows(await get(`${url}($select=id;$filter=is_online eq true)`));
      expect(offline.find((r) => r.id === fleet.id)).toEqual({
        id: fleet.id,
        app_name: 'myapp',
        owns__device: [],
      });
      const all = rows(await get(`${url}($select=id;$filter=is_online eq false)`));
      const mine = all.find((r) => r.id === fleet.id);
      expect(Object.keys(mine ?? {}).sort()).toEqual(['app_name', 'id', 'owns__device']);
      const owned = (mine?.owns__device ?? []) as Row[];
      const num = (a: number, b: number): number => a - b;
      expect(owned.map((r) => r.id as number).sort(num)).toEqual([dev1.id, dev2.id, odd.id].sort(num));
      for (const r of owned) expect(Object.keys(r)).toEqual(['id']);
    });

    it('answers the directly-accessible lambda with a literal comparison', async () => {
      const base =
        '/v7/application?$filter=is_directly_accessible_by__user/any(dau:1 eq 1)&$orderby=app_name asc';
      expect(rows(await get(base)).map((r) => r.id)).toContain(fleet.id);
      const ids = rows(await get(`${base}&$select=id`));
      expect(ids).toContainEqual({ id: fleet.id });
      for (const r of ids) expect(Object.keys(r)).toEqual(['id']);
    });

    it('wraps key lookups in {d:[…]}', async () => {
      expect(one(await get(`/v7/application(${fleet.id})`))).toMatchObject({
        id: fleet.id,
        slug: 'admin/myapp',
      });
      expect(rows(await get(`/v7/application(${fleet.id})?$select=id`))).toEqual([{ id: fleet.id }]);
      expect(rows(await get(`/v7/application(${fleet.id})?$select=actor`))).toEqual([
        { actor: { __id: fleet.actor } },
      ]);
      expect(rows(await get('/v7/application(999999)'))).toEqual([]);
    });

    it('finds a fleet by slug or uuid, with the slash percent-encoded or raw', async () => {
      const filter = `$filter=slug eq ${lit('admin/myapp')} or uuid eq ${lit('admin/myapp')}`;
      expect(one(await get(`/v7/application?${filter}`))).toMatchObject({ id: fleet.id });
      expect(rows(await get(`/v7/application?${filter}&$select=id`))).toEqual([{ id: fleet.id }]);
      expect(rows(await get(`/v7/application?${filter}&$select=actor`))).toEqual([
        { actor: { __id: fleet.actor } },
      ]);
      const raw = "/v7/application?$filter=slug eq 'admin/myapp' or uuid eq 'admin/myapp'&$select=id";
      expect(rows(await get(raw))).toEqual([{ id: fleet.id }]);
      const byUuid = `$filter=slug eq ${lit(fleet.uuid)} or uuid eq ${lit(fleet.uuid)}&$select=id`;
      expect(rows(await get(`/v7/application?${byUuid}`))).toEqual([{ id: fleet.id }]);
    });

    it('filters by app_name and by id', async () => {
      expect(one(await get("/v7/application?$filter=app_name eq 'myapp'"))).toMatchObject({ id: fleet.id });
      const byId = `/v7/application?$orderby=app_name asc&$select=id&$filter=id eq ${fleet.id}`;
      expect(rows(await get(byId))).toEqual([{ id: fleet.id }]);
    });

    it('expands the device type and its architecture, nested, as arrays', async () => {
      const url = `/v7/application(${fleet.id})?$select=id&$expand=is_for__device_type($select=slug;$expand=is_of__cpu_architecture($select=slug))`;
      expect(rows(await get(url))).toEqual([
        {
          id: fleet.id,
          is_for__device_type: [{ slug: 'raspberrypi3', is_of__cpu_architecture: [{ slug: 'armv7hf' }] }],
        },
      ]);
    });

    it('expands owns__device/$count to an integer', async () => {
      const d = rows(await get('/v7/application?$select=id&$expand=owns__device/$count'));
      expect(d).toContainEqual({ id: fleet.id, owns__device: 3 });
    });

    it('combines not(), datetime literals and $top', async () => {
      const url =
        "/v7/application?$orderby=app_name asc&$top=5&$filter=not(is_host eq true) and created_at ge datetime'2024-01-01T00:00:00.000Z'";
      const d = rows(await get(url));
      expect(d.length).toBeLessThanOrEqual(5);
      expect(d.map((r) => r.id)).toContain(fleet.id);
      const future = "/v7/application?$filter=created_at ge datetime'2999-01-01T00:00:00.000Z'";
      expect(rows(await get(future))).toEqual([]);
    });

    it('creates (201 + Location), renames, and deletes by key and by filter', async () => {
      const name = scratchName();
      const created = await send('POST', '/v7/application', {
        app_name: name,
        is_for__device_type: rpi3,
        organization: 1,
      });
      expect(created.status, created.body).toBe(201);
      expect(String(created.headers['content-type'])).toContain('application/json');
      const entity = created.json as Row;
      expect(entity).toMatchObject({
        id: expect.any(Number),
        app_name: name,
        slug: `admin/${name}`,
        organization: { __id: 1 },
        is_for__device_type: { __id: rpi3 },
        actor: { __id: expect.any(Number) },
      });
      expect(entity.created_at).toMatch(ISO);
      expect(entity).not.toHaveProperty('d');
      expect(String(created.headers.location)).toContain(`(${entity.id})`);

      expectEmptyOk(await send('PATCH', `/v7/application(${entity.id})`, { app_name: `${name}Renamed` }));
      expect(one(await get(`/v7/application(${entity.id})?$select=app_name,slug`))).toEqual({
        app_name: `${name}Renamed`,
        slug: `admin/${name}renamed`,
      });
      expectEmptyOk(await send('DELETE', `/v7/application(${entity.id})`));
      expect(rows(await get(`/v7/application(${entity.id})`))).toEqual([]);

      const second = await createFleet(t, admin, { app_name: scratchName(), organization: 1 });
      expectEmptyOk(await send('DELETE', `/v7/application?$filter=id in (${second.id})`));
      expect(rows(await get(`/v7/application(${second.id})`))).toEqual([]);
    });
  });

  describe('organization and device_type', () => {
    it('answers every organization key form', async () => {
      expect(one(await get("/v7/organization(handle='admin')"))).toMatchObject({ id: 1, handle: 'admin' });
      expect(rows(await get("/v7/organization(handle='admin')?$select=id"))).toEqual([{ id: 1 }]);
      expect(rows(await get('/v7/organization(id=1)?$select=id'))).toEqual([{ id: 1 }]);
      expect(rows(await get('/v7/organization(1)?$select=id'))).toEqual([{ id: 1 }]);
      expect(rows(await get("/v7/organization(handle='nope')"))).toEqual([]);
      const all = rows(await get('/v7/organization?$orderby=name asc'));
      expect(all.map((r) => r.handle)).toContain('admin');
    });

    it('resolves device types through their aliases', async () => {
      const alias = "$top=1&$filter=device_type_alias/any(dta:dta/is_referenced_by__alias eq 'raspberrypi3')";
      expect(rows(await get(`/v7/device_type?$orderby=name asc&$select=id&${alias}`))).toEqual([
        { id: rpi3 },
      ]);
      expect(
        rows(
          await get(
            `/v7/device_type?$orderby=name asc&$select=slug&${alias}&$expand=is_of__cpu_architecture($select=slug)`,
          ),
        ),
      ).toEqual([{ slug: 'raspberrypi3', is_of__cpu_architecture: [{ slug: 'armv7hf' }] }]);
      const full = one(await get(`/v7/device_type?$orderby=name asc&${alias}`));
      expect(full).toMatchObject({ id: rpi3, slug: 'raspberrypi3', name: 'Raspberry Pi 3' });
      expect(full.is_of__cpu_architecture).toEqual({ __id: expect.any(Number) });
      const legacy =
        "$filter=device_type_alias/any(dta:dta/is_referenced_by__alias eq 'raspberry-pi3')&$select=id";
      expect(rows(await get(`/v7/device_type?${legacy}`))).toEqual([{ id: rpi3 }]);
    });

    it('lists the whole catalogue ordered by name', async () => {
      const d = rows(await get('/v7/device_type?$orderby=name asc'));
      // Collation is the database's: compare with the order the same database produces.
      const expected = await fixtureDb(t).selectFrom('device_type').select('name').orderBy('name').execute();
      expect(d.map((r) => r.name)).toEqual(expected.map((r) => r.name));
    });
  });

  describe('device', () => {
    it('lists the devices of a fleet ordered by name', async () => {
      const d = rows(
        await get(`/v7/device?$orderby=device_name asc&$filter=belongs_to__application eq ${fleet.id}`),
      );
      expect(d.map((r) => r.device_name)).toEqual(['dev1', 'dev2', ODD_NAME]);
      expect(d[0]).toMatchObject({
        id: dev1.id,
        uuid: dev1.uuid,
        belongs_to__application: { __id: fleet.id },
        is_of__device_type: { __id: rpi3 },
        actor: { __id: expect.any(Number) },
        is_online: false,
        is_connected_to_vpn: false,
        api_heartbeat_state: 'unknown',
      });
      expect(d[0]?.created_at).toMatch(ISO);
    });

    it('applies $select with an expanded device type', async () => {
      const url = `/v7/device?$orderby=device_name asc&$select=id,device_name&$filter=belongs_to__application eq ${fleet.id}&$expand=is_of__device_type($select=slug)`;
      expect(rows(await get(url))).toEqual(
        [dev1, dev2, odd].map((d) => ({
          id: d.id,
          device_name: d.device_name,
          is_of__device_type: [{ slug: 'raspberrypi3' }],
        })),
      );
    });

    it('filters through a lambda on the fleet organization', async () => {
      const d = rows(
        await get(
          '/v7/device?$orderby=device_name asc&$filter=belongs_to__application/any(bta:bta/organization eq 1)',
        ),
      );
      expect(d.map((r) => r.id)).toEqual(expect.arrayContaining([dev1.id, dev2.id, odd.id]));
      expect(
        rows(await get('/v7/device?$filter=belongs_to__application/any(bta:bta/organization eq 999999)')),
      ).toEqual([]);
    });

    it('answers key lookups by id with the SDK selections', async () => {
      expect(one(await get(`/v7/device(${dev1.id})`))).toMatchObject({ id: dev1.id, uuid: dev1.uuid });
      expect(rows(await get(`/v7/device(${dev1.id})?$select=device_name`))).toEqual([
        { device_name: 'dev1' },
      ]);
      expect(rows(await get(`/v7/device(${dev1.id})?$select=id`))).toEqual([{ id: dev1.id }]);
      const status = one(await get(`/v7/device(${dev1.id})?$select=overall_status`));
      expect(Object.keys(status)).toEqual(['overall_status']);
      expect(typeof status.overall_status).toBe('string');
      const progress = one(await get(`/v7/device(${dev1.id})?$select=overall_progress`));
      expect(Object.keys(progress)).toEqual(['overall_progress']);
      // dev1 never reported download or provisioning progress: the computed field is null.
      expect(progress.overall_progress).toBeNull();
      expect(
        rows(
          await get(`/v7/device(${dev1.id})?$select=id&$expand=belongs_to__application($select=app_name)`),
        ),
      ).toEqual([{ id: dev1.id, belongs_to__application: [{ app_name: 'myapp' }] }]);
    });

    it('expands a navigation whose foreign key is also selected (device.register)', async () => {
      const url = `/v7/device?$orderby=device_name asc&$select=id,belongs_to__application,is_of__device_type&$filter=id eq ${dev1.id}&$expand=is_of__device_type($select=is_of__cpu_architecture;$expand=is_of__cpu_architecture($select=slug))`;
      expect(rows(await get(url))).toEqual([
        {
          id: dev1.id,
          belongs_to__application: { __id: fleet.id },
          is_of__device_type: [{ is_of__cpu_architecture: [{ slug: 'armv7hf' }] }],
        },
      ]);
    });

    it('answers key lookups by uuid', async () => {
      expect(one(await get(`/v7/device(uuid='${dev2.uuid}')`))).toMatchObject({
        id: dev2.id,
        device_name: 'dev2',
      });
      expect(rows(await get(`/v7/device(uuid='${dev2.uuid}')?$select=id`))).toEqual([{ id: dev2.id }]);
      expect(rows(await get(`/v7/device(uuid='${dev2.uuid}')?$select=actor`))).toEqual([
        { actor: { __id: dev2.actor } },
      ]);
      expect(rows(await get(`/v7/device(uuid='${dev2.uuid}')?$select=is_connected_to_vpn`))).toEqual([
        { is_connected_to_vpn: false },
      ]);
      expect(rows(await get(`/v7/device(uuid='${'f'.repeat(32)}')`))).toEqual([]);
    });

    it('filters by name, uuid, id and in-lists', async () => {
      expect(one(await get("/v7/device?$orderby=device_name asc&$filter=device_name eq 'dev1'")).id).toBe(
        dev1.id,
      );
      const sel = '/v7/device?$orderby=device_name asc&$select=id&$filter=';
      expect(rows(await get(`${sel}uuid eq '${dev1.uuid}'`))).toEqual([{ id: dev1.id }]);
      expect(rows(await get(`${sel}id eq ${dev2.id}`))).toEqual([{ id: dev2.id }]);
      expect(rows(await get(`${sel}id in (${dev1.id},${dev2.id})`))).toEqual([
        { id: dev1.id },
        { id: dev2.id },
      ]);
      expect(rows(await get(`${sel}uuid in ('${dev1.uuid}','${dev2.uuid}')`))).toEqual([
        { id: dev1.id },
        { id: dev2.id },
      ]);
    });

    it('finds a device whose name needs percent-encoding, encoded as the SDK does', async () => {
      const raw = `/v7/device?$filter=device_name%20eq%20%27it%27%27s%20a%26b%2Fc%2Bd%20%231%27`;
      expect(encodeUrl(`/v7/device?$filter=device_name eq ${lit(ODD_NAME)}`)).toBe(raw);
      const row = one(await request(t.app, 'GET', raw, admin));
      expect(row).toMatchObject({ id: odd.id, device_name: ODD_NAME });
    });

    it('counts with /$count', async () => {
      const res = await get(`/v7/device/$count?$filter=belongs_to__application eq ${fleet.id}`);
      expect(res.status, res.body).toBe(200);
      expect(String(res.headers['content-type'])).toContain('application/json');
      expect(res.json).toEqual({ d: 3 });
    });

    it('renames and deletes by an id filter', async () => {
      const own = await createFleet(t, admin, { app_name: scratchName(), organization: 1 });
      const a = await createDevice(t, admin, { fleet: own.id, device_name: 'before' });
      const b = await createDevice(t, admin, { fleet: own.id, device_name: 'other' });
      expectEmptyOk(await send('PATCH', `/v7/device?$filter=id in (${a.id})`, { device_name: 'newname' }));
      expect(rows(await get(`/v7/device(${a.id})?$select=device_name`))).toEqual([
        { device_name: 'newname' },
      ]);
      expect(rows(await get(`/v7/device(${b.id})?$select=device_name`))).toEqual([{ device_name: 'other' }]);
      expectEmptyOk(await send('DELETE', `/v7/device?$filter=id in (${a.id})`));
      expect(rows(await get(`/v7/device(${a.id})`))).toEqual([]);
      expect(rows(await get(`/v7/device(${b.id})?$select=id`))).toEqual([{ id: b.id }]);
    });
  });

  describe('api_key', () => {
    it('lists keys by name and never exposes secrets', async () => {
      const d = rows(await get('/v7/api_key?$orderby=name asc'));
      const mine = d.filter((r) => (r.is_of__actor as { __id: number } | null)?.__id === 1);
      expect(mine.length).toBeGreaterThanOrEqual(3);
      const alpha = mine.find((r) => r.name === 'alpha');
      expect(alpha).toMatchObject({
        id: alphaKey,
        description: 'first',
        expiry_date: null,
        is_of__actor: { __id: 1 },
      });
      expect(alpha?.created_at).toMatch(ISO);
      for (const r of d) {
        for (const secret of ['key', 'key_hash', 'signing_secret']) expect(r).not.toHaveProperty(secret);
      }
      const selected = rows(await get('/v7/api_key?$orderby=name asc&$select=id,name'));
      for (const r of selected) expect(Object.keys(r).sort()).toEqual(['id', 'name']);
      expect(selected).toContainEqual({ id: alphaKey, name: 'alpha' });
    });

    it('filters by owner and by name ne null', async () => {
      const named = rows(
        await get('/v7/api_key?$orderby=name asc&$filter=is_of__actor eq 1 and name ne null'),
      );
      expect(named.map((r) => r.name)).toEqual(expect.arrayContaining(['alpha', 'beta']));
      expect(named.some((r) => r.name === null)).toBe(false);
      const all = rows(await get('/v7/api_key?$filter=is_of__actor eq 1&$orderby=name asc'));
      expect(all.some((r) => r.name === null)).toBe(true);
      expect(rows(await get('/v7/api_key?$filter=is_of__actor eq 999999&$orderby=name asc'))).toEqual([]);
      // `key` is not a readable field: refusing it or leaving it out are both acceptable.
      const probe = await get('/v7/api_key?$select=key');
      if (probe.status !== 400) for (const r of rows(probe)) expect(r).not.toHaveProperty('key');
    });

    it('updates and revokes by key', async () => {
      const id = await insertApiKey(t, { actor: 1, name: 'to-change' });
      expectEmptyOk(
        await send('PATCH', `/v7/api_key(${id})`, { name: 'changed', description: 'd2', expiry_date: null }),
      );
      expect(one(await get(`/v7/api_key(${id})?$select=name,description,expiry_date`))).toEqual({
        name: 'changed',
        description: 'd2',
        expiry_date: null,
      });
      expectEmptyOk(await send('DELETE', `/v7/api_key(${id})`));
      expect(rows(await get(`/v7/api_key(${id})`))).toEqual([]);
    });
  });

  describe('environment variables', () => {
    it('reads fleet variables', async () => {
      const d = rows(
        await get(
          `/v7/application_environment_variable?$orderby=name asc&$filter=application eq ${fleet.id}`,
        ),
      );
      expect(d).toHaveLength(1);
      expect(d[0]).toMatchObject({
        name: 'FOO',
        value: 'bar',
        application: { __id: fleet.id },
        id: expect.any(Number),
      });
      expect(d[0]?.created_at).toMatch(ISO);
      const url = `/v7/application_environment_variable?$select=value&$filter=application eq ${fleet.id} and name eq 'FOO'`;
      expect(rows(await get(url))).toEqual([{ value: 'bar' }]);
    });

    it('reads device variables directly, through a lambda, and as a filtered expansion', async () => {
      const d = rows(
        await get(`/v7/device_environment_variable?$orderby=name asc&$filter=device eq ${dev1.id}`),
      );
      expect(d).toHaveLength(1);
      expect(d[0]).toMatchObject({ name: 'FOO', value: 'bar', device: { __id: dev1.id } });
      const byFleet = rows(
        await get(
          `/v7/device_environment_variable?$orderby=name asc&$filter=device/any(d:d/belongs_to__application eq ${fleet.id})`,
        ),
      );
      expect(byFleet.map((r) => r.name)).toEqual(['ABC', 'FOO', 'XYZ']);
      const url = `/v7/device_environment_variable?$select=value&$filter=device eq ${dev1.id} and name eq 'FOO'`;
      expect(rows(await get(url))).toEqual([{ value: 'bar' }]);
      const expanded = rows(
        await get(
          `/v7/device?$orderby=device_name asc&$select=id&$filter=belongs_to__application eq ${fleet.id}&$expand=device_environment_variable($select=name,value;$filter=startswith(name,'A'))`,
        ),
      );
      expect(expanded).toEqual([
        { id: dev1.id, device_environment_variable: [] },
        { id: dev2.id, device_environment_variable: [{ name: 'ABC', value: 'one' }] },
        { id: odd.id, device_environment_variable: [] },
      ]);
    });

    it.each([
      ['application_environment_variable', 'application'],
      ['device_environment_variable', 'device'],
    ] as const)(
      '%s: POST 201, duplicate 409 "unique", PATCH and DELETE by filter',
      async (resource, parentField) => {
        const own = await createFleet(t, admin, { app_name: scratchName(), organization: 1 });
        const parent =
          parentField === 'application'
            ? own.id
            : (await createDevice(t, admin, { fleet: own.id, device_name: 'd' })).id;
        const created = await send('POST', `/v7/${resource}`, {
          value: 'bar',
          [parentField]: parent,
          name: 'FOO',
        });
        expect(created.status, created.body).toBe(201);
        expect(created.json).toMatchObject({
          id: expect.any(Number),
          name: 'FOO',
          value: 'bar',
          [parentField]: { __id: parent },
        });
        expect(String(created.headers.location)).toContain(`(${(created.json as Row).id})`);

        const dup = await send('POST', `/v7/${resource}`, {
          value: 'other',
          [parentField]: parent,
          name: 'FOO',
        });
        expect(dup.status, dup.body).toBe(409);
        expect(typeof dup.json).toBe('string');
        expect(dup.json as string).toMatch(/unique/i);

        const filter = `/v7/${resource}?$filter=${parentField} eq ${parent} and name eq 'FOO'`;
        expectEmptyOk(await send('PATCH', filter, { value: 'baz' }));
        expect(
          rows(
            await get(`/v7/${resource}?$select=value&$filter=${parentField} eq ${parent} and name eq 'FOO'`),
          ),
        ).toEqual([{ value: 'baz' }]);
        expectEmptyOk(await send('DELETE', filter));
        expect(rows(await get(`/v7/${resource}?$filter=${parentField} eq ${parent}`))).toEqual([]);
      },
    );
  });

  it('answers PATCH and DELETE matching zero rows with 200 and an empty body', async () => {
    expectEmptyOk(await send('PATCH', '/v7/device?$filter=id in (999999)', { device_name: 'x' }));
    expectEmptyOk(await send('DELETE', '/v7/application?$filter=id in (999999)'));
    expectEmptyOk(await send('PATCH', '/v7/application(999999)', { app_name: 'nothing' }));
    expectEmptyOk(
      await send('DELETE', "/v7/device_environment_variable?$filter=device eq 999999 and name eq 'FOO'"),
    );
    expectEmptyOk(await send('DELETE', '/v7/api_key(999999)'));
  });

  it.each([
    ['/v7/nosuchresource', 'nosuchresource'],
    ['/v7/nosuchresource(1)', 'nosuchresource'],
    ['/v7/device?$select=id,nosuchfield', 'nosuchfield'],
    ['/v7/device?$filter=nosuchfield eq 1', 'nosuchfield'],
    ['/v7/device?$orderby=nosuchfield asc', 'nosuchfield'],
    ['/v7/device?$expand=nosuchnav', 'nosuchnav'],
    ['/v7/device?$filter=belongs_to__application/nosuchfield eq 1', 'nosuchfield'],
    ['/v7/application?$expand=owns__device($select=nosuchfield)', 'nosuchfield'],
    ["/v7/device(uuid_typo='x')", 'uuid_typo'],
  ])('refuses unknown names with 400 naming them: %s', async (url, name) => {
    const res = await get(url);
    expect(res.status, res.body).toBe(400);
    expect(res.body).toContain(name);
  });

  it.each([
    '/v7/device?$filter=id eq',
    '/v7/device?$filter=(id eq 1',
    "/v7/device?$filter=device_name eq 'unterminated",
    '/v7/device?$top=-1',
    '/v7/device?$top=abc',
    '/v7/device?$orderby=id sideways',
    '/v7/device?$expand=belongs_to__application($select=id',
    '/v7/device(1',
    '/v7/device?$filter=device_environment_variable/any(x:x)',
    '/v7/device?$filter=device_environment_variable/any(x:x eq 1)',
  ])('refuses malformed OData with 400: %s', async (url) => {
    const res = await get(url);
    expect(res.status, res.body).toBe(400);
  });

  it('answers every captured SDK URL (ids as recorded) with a {d} envelope and never 5xx', async () => {
    for (const url of CAPTURED_URLS) {
      const res = await request(t.app, 'GET', url, admin);
      expect(res.status, `${url} → ${res.body}`).toBe(200);
      expect(String(res.headers['content-type']), url).toContain('application/json');
      const d = (res.json as { d?: unknown }).d;
      expect(
        url.split('?')[0]?.endsWith('/$count') ? typeof d === 'number' : Array.isArray(d),
        `${url} → ${res.body}`,
      ).toBe(true);
    }
  });
});

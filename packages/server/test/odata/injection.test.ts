import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import {
  addMember,
  adminToken,
  createAppEnvVar,
  createDevice,
  createFleet,
  createOrganization,
  createUser,
  type DeviceFixture,
  encodeUrl,
  type FleetFixture,
  fixtureDb,
  lit,
  request,
  type V7Response,
} from '../support/fleet-fixtures.js';
import { createTestApp, loginAs, type TestApp } from '../support/test-app.js';

/**
 * SQL injection through every part of an OData URL and body: string literals (with correct OData
 * quote doubling, so the payload reaches the server intact), keys, field and navigation names,
 * resource names, query options. Each attempt must be refused with 400 or bound as a value; either
 * way no row outside the caller's tenant appears, nothing is 5xx, and every table keeps its rows.
 */
// Not `actor`: deleting a device may legitimately leave its actor row behind.
const TABLES = [
  'user',
  'organization',
  'organization_membership',
  'application',
  'device',
  'application_environment_variable',
  'device_environment_variable',
  'api_key',
  'device_type',
  'device_type_alias',
  'cpu_architecture',
] as const;

const PAYLOADS = [
  "' or 1=1 --",
  "'; drop table device; --",
  "x' or '1'='1",
  "\\' or 1=1 --",
  '" or ""="',
  "') or ('a'='a",
  '%27 or 1=1 --',
  '1; delete from device',
  '\' union select password_hash from "user" --',
  '*/ or 1=1 /*',
  "\u0000' or 1=1",
  "é' or 'ü'='ü",
];

describe.each(dialects())('OData injection (%s)', (dialect) => {
  let t: TestApp;
  let admin: string;
  let alice: string;
  let fleet: FleetFixture;
  let devices: DeviceFixture[];
  let baseline: Record<string, number>;
  /** Rows alice may see: her fleet's devices only (the admin fleet is in another organization). */
  let visibleDevices: Set<number>;

  const counts = async (): Promise<Record<string, number>> => {
    const out: Record<string, number> = {};
    for (const table of TABLES) {
      const res = await sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM ${sql.table(table)}`.execute(
        t.ctx.db.kysely,
      );
      out[table] = Number(res.rows[0]?.n);
    }
    return out;
  };

  beforeAll(async () => {
    t = await createTestApp(dialect);
    admin = await adminToken(t);
    const user = await createUser(t, admin, 'alice');
    const org = await createOrganization(t, admin, 'Org A', 'org-a');
    await addMember(t, admin, org.id, user.id);
    alice = await loginAs(t.app, user.username, user.password);
    fleet = await createFleet(t, admin, { app_name: 'injfleet', organization: org.id });
    devices = [
      await createDevice(t, admin, { fleet: fleet.id, device_name: 'dev-a' }),
      await createDevice(t, admin, { fleet: fleet.id, device_name: 'dev-b' }),
    ];
    visibleDevices = new Set(devices.map((d) => d.id));
    const hidden = await createFleet(t, admin, { app_name: 'hidden', organization: 1 });
    await createDevice(t, admin, { fleet: hidden.id, device_name: 'secret-dev' });
    await createAppEnvVar(t, admin, hidden.id, 'SECRET', 'hidden-value');
    baseline = await counts();
  });
  afterAll(async () => t?.close());
  afterEach(async () => {
    if (baseline) expect(await counts()).toEqual(baseline);
  });

  const get = (readable: string, token = alice): Promise<V7Response> =>
    request(t.app, 'GET', encodeUrl(readable), token);

  /**
   * Accepted (200) with exactly the rows `ids`, in any order. Each URL has one expected outcome: a
   * filter that is refused where it should bind (or bound where it should be refused) fails, so a
   * change that refuses every filter cannot pass these tests.
   */
  const bound = (res: V7Response, url: string, ids: readonly number[]): void => {
    expect(res.status, `${url} → ${res.body}`).toBe(200);
    const d = (res.json as { d: { id?: number }[] }).d;
    expect(Array.isArray(d), res.body).toBe(true);
    expect(
      d.map((r) => r.id).sort((a, b) => (a ?? 0) - (b ?? 0)),
      url,
    ).toEqual([...ids].sort((a, b) => a - b));
    expect(res.body).not.toContain('secret-dev');
    expect(res.body).not.toContain('hidden-value');
  };
  /** Refused as a bad request (400), never 5xx, nothing of another tenant in the message. */
  const refused = (res: V7Response, url: string): void => {
    expect(res.status, `${url} → ${res.body}`).toBe(400);
    expect(res.body).not.toContain('secret-dev');
    expect(res.body).not.toContain('hidden-value');
  };
  /** A NUL byte cannot be stored in PostgreSQL text, so literals holding one are refused on both. */
  const hasNul = (payload: string): boolean => payload.includes('\u0000');

  describe('string literals are bound as values', () => {
    it.each(PAYLOADS)('%j in eq / startswith / contains / in / tolower matches nothing', async (payload) => {
      for (const filter of [
        `device_name eq ${lit(payload)}`,
        `startswith(device_name,${lit(payload)})`,
        `contains(device_name,${lit(payload)})`,
        `device_name in (${lit(payload)},${lit(`${payload}2`)})`,
        `tolower(device_name) eq ${lit(payload)}`,
        `belongs_to__application/app_name eq ${lit(payload)}`,
        `device_environment_variable/any(e:e/value eq ${lit(payload)})`,
      ]) {
        const url = `/v7/device?$filter=${filter}`;
        const res = await get(url);
        // Bound as a value, the payload matches no device name.
        if (hasNul(payload)) refused(res, url);
        else bound(res, url, []);
      }
      for (const url of [`/v7/device(uuid=${lit(payload)})`, `/v7/application(slug=${lit(payload)})`]) {
        const res = await get(url);
        if (hasNul(payload)) refused(res, url);
        else bound(res, url, []);
      }
    });

    it('a value containing a doubled quote is found exactly', async () => {
      const name = "o'brien' or 1=1 --";
      const dev = await createDevice(t, admin, { fleet: fleet.id, device_name: name });
      try {
        const res = await get(`/v7/device?$select=id,device_name&$filter=device_name eq ${lit(name)}`);
        expect(res.status, res.body).toBe(200);
        expect((res.json as { d: unknown[] }).d).toEqual([{ id: dev.id, device_name: name }]);
      } finally {
        await request(t.app, 'DELETE', `/v7/device(${dev.id})`, admin);
      }
    });

    it('a long literal is bound when the URL fits, and refused as too long when not, never a 5xx', async () => {
      // ~4,000 bytes encoded: under MOORING_MAX_URL_LENGTH (8192), so bound and matching nothing.
      const fits = `/v7/device?$filter=device_name eq ${lit("' or 1=1 -- ".repeat(200))}`;
      bound(await get(fits), 'long literal', []);
      // ~10,000 bytes encoded: the request target itself is refused before any parsing.
      const res = await get(`/v7/device?$filter=device_name eq ${lit("' or 1=1 -- ".repeat(500))}`);
      expect(res.status, `${res.status} ${res.body.slice(0, 200)}`).toBe(414);
    });

    it('improperly quoted literals are syntax errors or plain OData, never raw SQL', async () => {
      for (const filter of [
        "device_name eq 'x' or 1 eq 1 --'",
        "device_name eq 'x'/**/or/**/1 eq 1",
        "device_name eq 'x'; drop table device",
        "device_name eq 'unterminated",
        'device_name eq "x" or 1 eq 1',
      ]) {
        refused(await get(`/v7/device?$filter=${filter}`), filter);
      }
      // Correctly doubled quotes: one literal, x' or '1'='1, which no device is named.
      const doubled = "device_name eq 'x'' or ''1''=''1'";
      bound(await get(`/v7/device?$filter=${doubled}`), doubled, []);
    });

    it('legitimate always-true OData returns exactly the rows of the tenant', async () => {
      for (const filter of ["device_name eq 'x' or 1 eq 1", 'id eq id', 'not(id eq 0)', '1 eq 1']) {
        bound(await get(`/v7/device?$filter=${filter}`), filter, [...visibleDevices]);
      }
    });
  });

  describe('keys', () => {
    it.each([
      ["device(uuid='x'' or ''1''=''1')", 200],
      ["device(uuid='x'' or 1=1 --')", 200],
      ["application(slug='org-a/injfleet'' or ''1''=''1')", 200],
      ["device(uuid='x' or '1'='1')", 400],
      ['device(1 or 1=1)', 400],
      ['device(1;drop table device)', 400],
      ['device(1) or 1=1', 400],
      ['device(0x1)', 400],
      ["device(password_hash='x')", 400],
      ["user(password_hash='x')", 400],
      ["device(uuid='x',id=1)", 400],
    ] as const)('%s → %i', async (path, expected) => {
      const res = await get(`/v7/${path}`);
      expect(res.status, res.body).toBe(expected);
      if (expected === 200) expect(res.json).toEqual({ d: [] });
    });
  });

  describe('field and navigation names are identifiers from the model, never SQL', () => {
    it.each([
      '$select=id;drop table x',
      '$select=id,(select password_hash from "user")',
      '$select=id,device_name--',
      '$select="id"',
      '$select=id as password_hash',
      '$select=*,password_hash',
      '$filter=id) or (1 eq 1',
      '$filter=id eq 1) or (1 eq 1',
      '$filter=id eq 1 union select * from "user"',
      '$filter=id eq 1; delete from device',
      '$filter="device_name" eq \'x\'',
      "$filter=device.device_name eq 'x'",
      "$filter=sqlite_version() eq 'x'",
      '$filter=pg_sleep(1) eq 1',
      "$filter=belongs_to__application/password_hash eq 'x'",
      '$filter=device_environment_variable/any(e;drop:e/id eq 1)',
      '$orderby=id; delete from device',
      '$orderby=id desc, (select 1)',
      '$orderby=id desc nulls first; drop table device',
      '$orderby=random()',
      '$expand=session',
      '$expand=belongs_to__application($select=id;drop table device)',
      '$expand=belongs_to__application/organization_membership',
      '$top=1;drop table device',
      '$top=1 or 1=1',
      '$skip=0 or 1=1',
    ])('device?%s → 400', async (query) => {
      const res = await get(`/v7/device?${query}`);
      expect(res.status, `${query} → ${res.body}`).toBe(400);
    });

    it('never exposes columns that are not in the model', async () => {
      for (const url of [
        '/v7/user?$select=id,password_hash',
        "/v7/user?$filter=password_hash ne ''",
        "/v7/organization_membership?$filter=user/password_hash ne ''",
        '/v7/api_key?$select=key_hash',
        "/v7/api_key?$filter=key_hash ne ''",
        '/v7/api_key?$orderby=signing_secret',
        '/v7/user?$orderby=password_hash',
      ]) {
        const res = await get(url, admin);
        expect(res.status, `${url} → ${res.body}`).toBe(400);
        expect(res.body).not.toMatch(/\$argon2|[0-9a-f]{64}/);
      }
    });
  });

  describe('resource names', () => {
    it.each([
      '/v7/device;drop table device',
      '/v7/"user"',
      '/v7/user--',
      '/v7/sqlite_master',
      '/v7/pg_catalog.pg_tables',
      '/v7/information_schema.tables',
      '/v7/session',
      '/v7/audit_event',
      '/v7/kysely_migration',
      '/v7/device/$count;drop table device',
      '/v7/device union select 1',
      '/v7/device%20where%201=1',
      '/v7/DEVICE',
      '/v7/device%00',
    ])('%s → 400 (or 404), never 5xx', async (path) => {
      const res = await request(t.app, 'GET', encodeUrl(path).replace('%2500', '%00'), alice);
      expect([400, 404], `${path} → ${res.status} ${res.body}`).toContain(res.status);
      expect(res.body).not.toContain('secret-dev');
    });
  });

  describe('writes', () => {
    it('PATCH and DELETE with injected filters touch nothing', async () => {
      for (const payload of PAYLOADS) {
        const filter = `$filter=device_name eq ${lit(payload)}`;
        const patch = await request(t.app, 'PATCH', encodeUrl(`/v7/device?${filter}`), alice, {
          note: 'hit',
        });
        // Accepted and bound (matching no device), or, with a NUL byte, refused: never either.
        const expected = hasNul(payload) ? 400 : 200;
        expect(patch.status, `${payload} → ${patch.status} ${patch.body}`).toBe(expected);
        const del = await request(t.app, 'DELETE', encodeUrl(`/v7/device?${filter}`), alice);
        expect(del.status, `${payload} → ${del.status} ${del.body}`).toBe(expected);
      }
      const hit = await fixtureDb(t).selectFrom('device').select('id').where('note', '=', 'hit').execute();
      expect(hit).toEqual([]);
    });

    it('injected field names in bodies are refused', async () => {
      const target = devices[0] as DeviceFixture;
      for (const body of [
        { "note = 'x', device_name": 'y' },
        { "device_name\" = 'pwned' --": 'x' },
        { 'note; drop table device; --': 'x' },
        { password_hash: 'x' },
      ]) {
        const res = await request(t.app, 'PATCH', `/v7/device(${target.id})`, alice, body);
        expect(res.status, `${JSON.stringify(body)} → ${res.body}`).toBe(400);
      }
      const res = await request(t.app, 'POST', '/v7/device_environment_variable', alice, {
        device: target.id,
        name: 'OK',
        value: 'v',
        'value) values (1); drop table device; --': 'x',
      });
      expect(res.status, res.body).toBe(400);
      const row = await fixtureDb(t)
        .selectFrom('device')
        .select('device_name')
        .where('id', '=', target.id)
        .executeTakeFirst();
      expect(row?.device_name).toBe(target.device_name);
    });

    it('stores injection text in values verbatim', async () => {
      const target = devices[1] as DeviceFixture;
      const value = '\'); drop table device; -- " ` \\ %27 $' + '{x}';
      const created = await request(t.app, 'POST', '/v7/device_environment_variable', alice, {
        device: target.id,
        name: 'INJ',
        value,
      });
      expect(created.status, created.body).toBe(201);
      const url = encodeUrl(
        `/v7/device_environment_variable?$select=value&$filter=device eq ${target.id} and value eq ${lit(value)}`,
      );
      const read = await request(t.app, 'GET', url, alice);
      expect(read.json).toEqual({ d: [{ value }] });
      const del = await request(
        t.app,
        'DELETE',
        encodeUrl(`/v7/device_environment_variable?$filter=device eq ${target.id} and name eq 'INJ'`),
        alice,
      );
      expect(del.status, del.body).toBe(200);
    });

    it('an injected device name is stored verbatim and the device stays findable', async () => {
      const target = devices[0] as DeviceFixture;
      const name = "x'); update device set device_name='pwned' --";
      const patch = await request(t.app, 'PATCH', `/v7/device(${target.id})`, alice, { device_name: name });
      expect(patch.status, patch.body).toBe(200);
      try {
        const names = await fixtureDb(t).selectFrom('device').select('device_name').execute();
        expect(names.map((r) => r.device_name)).not.toContain('pwned');
        const res = await get(`/v7/device?$select=id&$filter=device_name eq ${lit(name)}`);
        expect(res.json).toEqual({ d: [{ id: target.id }] });
      } finally {
        await request(t.app, 'PATCH', `/v7/device(${target.id})`, alice, { device_name: target.device_name });
      }
    });
  });
});

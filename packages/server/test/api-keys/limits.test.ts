import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { addMember, createUser, lit, request } from '../support/fleet-fixtures.js';
import { createTestApp, loginAs, type TestApp } from '../support/test-app.js';
import {
  buildLimitsWorld,
  call,
  type LimitsWorld,
  looseDb,
  MARKER,
  type Method,
  namedKey,
  show,
  snapshotAll,
  snapshotY,
  strings,
  type Transport,
  visitRows,
} from './support.js';

/**
 * API key limits (DESIGN.md §4, COMPAT.md (b) item 4): a key's effective rights are its limits
 * intersected with its owner's current rights. Read-only keys change nothing, fleet-limited keys never
 * see or touch another fleet, device keys see only their device, provisioning keys read nothing, and
 * a key loses its owner's organization as soon as the owner does.
 */

const transportArb = fc.constantFrom<Transport>('bearer', 'query');

describe.each(dialects())('API key limits (%s)', (dialect) => {
  let t: TestApp;
  let w: LimitsWorld;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    w = await buildLimitsWorld(t);
  });
  afterAll(async () => t?.close());

  /* -------------------------------------------------------------- 1. read-only keys */

  /** A request body each resource would accept from a credential allowed to write. */
  const postBody = (resource: string): Record<string, unknown> => {
    switch (resource) {
      case 'application':
        return { app_name: 'ronew', organization: w.org, is_for__device_type: 3 };
      case 'device':
        return { belongs_to__application: w.x.id, is_of__device_type: 3 };
      case 'application_environment_variable':
        return { application: w.x.id, name: 'RO_NEW', value: 'v' };
      case 'application_config_variable':
        return { application: w.x.id, name: 'BALENA_RO_NEW', value: 'v' };
      case 'device_environment_variable':
        return { device: w.d1.id, name: 'RO_NEW', value: 'v' };
      case 'device_config_variable':
        return { device: w.d1.id, name: 'BALENA_RO_NEW', value: 'v' };
      case 'api_key':
        return { name: 'ro-new' };
      case 'organization':
        return { name: 'ro org', handle: 'ro-org' };
      default:
        return { username: 'ro-user' };
    }
  };
  const patchBody = (resource: string): Record<string, unknown> => {
    switch (resource) {
      case 'application':
        return { app_name: 'renamed' };
      case 'device':
        return { device_name: 'renamed', status: 'renamed' };
      case 'api_key':
        return { name: 'renamed' };
      case 'organization':
        return { name: 'renamed' };
      case 'user':
        return { email: 'renamed@example.test' };
      default:
        return { value: 'renamed' };
    }
  };
  const navFilter: Readonly<Record<string, string>> = {
    application: `owns__device/any(d:d/device_name ne ${lit('q')})`,
    device: `belongs_to__application/app_name ne ${lit('q')}`,
    application_environment_variable: `application/app_name ne ${lit('q')}`,
    application_config_variable: `application/app_name ne ${lit('q')}`,
    device_environment_variable: `device/any(x:x/belongs_to__application gt 0)`,
    device_config_variable: `device/belongs_to__application/app_name ne ${lit('q')}`,
    api_key: 'id gt 0',
    organization: `application/any(a:a/id gt 0)`,
    user: `username ne ${lit('q')}`,
  };
  const READ_ONLY = new Set(['organization', 'user']);

  it('a read-only key (admin or member owner) gets 403/405 for every write and changes nothing', async () => {
    const resources = Object.keys(navFilter);
    const writeArb = fc.record({
      key: fc.constantFrom<'memberRead' | 'adminRead'>('memberRead', 'adminRead'),
      resource: fc.constantFrom(...resources),
      method: fc.constantFrom<Method>('POST', 'PATCH', 'DELETE'),
      target: fc.constantFrom('key', 'id-filter', 'all-filter', 'nav-filter'),
      pick: fc.nat(),
      transport: transportArb,
    });
    const before = await snapshotAll(t);
    await fc.assert(
      fc.asyncProperty(writeArb, async (c) => {
        const pool = w.allIds[c.resource] ?? [1];
        const id = c.pick % 5 === 0 ? 999999 : (pool[c.pick % pool.length] ?? 1);
        const url =
          c.method === 'POST'
            ? `/v7/${c.resource}`
            : c.target === 'key'
              ? `/v7/${c.resource}(${id})`
              : `/v7/${c.resource}?$filter=${c.target === 'id-filter' ? `id eq ${id}` : c.target === 'all-filter' ? 'id gt 0' : navFilter[c.resource]}`;
        const payload =
          c.method === 'POST'
            ? postBody(c.resource)
            : c.method === 'PATCH'
              ? patchBody(c.resource)
              : undefined;
        const res = await call(t, c.method, url, w.keys[c.key], c.transport, payload);
        const expected =
          READ_ONLY.has(c.resource) || (c.resource === 'api_key' && c.method === 'POST') ? 405 : 403;
        expect(res.status, show(c.method, url, c.transport, res)).toBe(expected);
        expect(await snapshotAll(t), show(c.method, url, c.transport, res)).toEqual(before);
      }),
      { numRuns: 120 },
    );
    // The keys do work for reading: the 403s above are about writing, not a broken credential.
    for (const key of [w.keys.memberRead, w.keys.adminRead]) {
      const res = await call(t, 'GET', '/v7/application?$select=id', key, 'query');
      expect(res.status).toBe(200);
      expect((res.json as { d: { id: number }[] }).d.map((r) => r.id)).toEqual(
        expect.arrayContaining([w.x.id, w.y.id]),
      );
    }
  });

  it('a read-only key cannot create provisioning, device or named keys', async () => {
    const before = await snapshotAll(t);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<'memberRead' | 'adminRead'>('memberRead', 'adminRead'),
        fc.constantFrom('provisioning-x', 'provisioning-y', 'device', 'v2', 'named'),
        transportArb,
        async (key, what, transport) => {
          const [url, payload]: [string, Record<string, unknown>] =
            what === 'provisioning-x'
              ? [`/api-key/application/${w.x.id}/provisioning`, {}]
              : what === 'provisioning-y'
                ? [`/api-key/application/${w.y.id}/provisioning`, {}]
                : what === 'device'
                  ? [`/api-key/device/${w.d1.id}/device-key`, {}]
                  : what === 'v2'
                    ? [
                        '/api-key/v2/',
                        {
                          actorType: 'application',
                          actorTypeId: w.x.id,
                          roles: ['provisioning-api-key'],
                          expiryDate: null,
                        },
                      ]
                    : ['/api-key/user/full', { name: 'escalate', expiryDate: null }];
          const res = await call(t, 'POST', url, w.keys[key], transport, payload);
          // Named keys need a fresh session (401); the others are refused for lack of write rights.
          expect(res.status, show('POST', url, transport, res)).toBe(what === 'named' ? 401 : 403);
        },
      ),
      { numRuns: 20 },
    );
    expect(await snapshotAll(t)).toEqual(before);
  });

  /* -------------------------------------------------------------- 2. fleet-limited keys */

  /** Queries aimed at Y through filters, lambdas, nested expands and navigation orderings. */
  const fleetQueries = (): Readonly<
    Record<string, { filters: string[]; expands: string[]; orderbys: string[] }>
  > => {
    const y = w.y.id;
    const yd = (w.yDevices[0] ?? w.d2).id;
    const yActor = w.y.actor;
    return {
      application: {
        filters: [
          `app_name ne ${lit('q')}`,
          `id eq ${y}`,
          `id in (${w.x.id},${y})`,
          `not(id eq ${w.x.id})`,
          `startswith(app_name,${lit(MARKER)})`,
          `owns__device/any(d:d/device_name ne ${lit('q')})`,
          `owns__device/any(d:d/device_environment_variable/any(v:v/name eq ${lit('ZED_DVAR')}))`,
          `application_environment_variable/any(v:v/value eq ${lit('zed-value')})`,
          `organization/handle eq ${lit('mor-org')}`,
        ],
        expands: [
          'owns__device($expand=device_environment_variable)',
          'owns__device($expand=belongs_to__application($expand=owns__device))',
          'organization($expand=application($expand=owns__device))',
          'application_environment_variable,application_config_variable',
          `owns__device($filter=belongs_to__application eq ${y})`,
        ],
        orderbys: ['organization/handle desc', 'app_name desc', 'id'],
      },
      device: {
        filters: [
          `belongs_to__application/app_name ne ${lit('q')}`,
          `belongs_to__application eq ${y}`,
          `id eq ${yd}`,
          `uuid eq ${lit((w.yDevices[0] ?? w.d2).uuid)}`,
          `belongs_to__application/organization eq ${w.org}`,
          `device_environment_variable/any(v:v/name ne ${lit('q')})`,
          `belongs_to__application/owns__device/any(d:d/device_name eq ${lit('zed-d1')})`,
        ],
        expands: [
          'belongs_to__application($expand=owns__device)',
          'device_environment_variable,device_config_variable',
          'belongs_to__application($expand=application_environment_variable,organization($expand=application))',
        ],
        orderbys: ['belongs_to__application/app_name desc', 'belongs_to__application/id asc', 'device_name'],
      },
      application_environment_variable: {
        filters: [
          `application/app_name ne ${lit('q')}`,
          `application eq ${y}`,
          `application/owns__device/any(d:d/id gt 0)`,
          `name eq ${lit('ZED_VAR')}`,
        ],
        expands: [
          'application($expand=owns__device)',
          'application($expand=organization($expand=application))',
        ],
        orderbys: ['application/app_name desc', 'name'],
      },
      device_environment_variable: {
        filters: [
          `device/any(x:x/belongs_to__application eq ${y})`,
          `device/belongs_to__application/app_name eq ${lit(`${MARKER}fleet`)}`,
          `device eq ${yd}`,
          `value ne ${lit('q')}`,
        ],
        expands: [
          'device($expand=belongs_to__application($expand=owns__device($expand=device_environment_variable)))',
          'device',
        ],
        orderbys: ['device/device_name desc', 'name'],
      },
      api_key: {
        filters: [
          `is_of__actor eq ${yActor}`,
          `name ne ${lit('q')}`,
          'id gt 0',
          `name eq ${lit(`${MARKER}-prov`)}`,
        ],
        expands: [],
        orderbys: ['name desc', 'id'],
      },
      organization: {
        filters: [
          `application/any(a:a/id eq ${y})`,
          `handle ne ${lit('q')}`,
          `application/any(a:a/owns__device/any(d:d/device_name ne ${lit('q')}))`,
        ],
        expands: [
          'application($expand=owns__device)',
          'application($expand=owns__device($expand=device_environment_variable),application_environment_variable)',
          'organization_membership($expand=user)',
        ],
        orderbys: ['name', 'handle desc'],
      },
    };
  };

  /** Every trace of Y in a response: its rows at any depth, references to them, marked strings. */
  const yLeaks = (resource: string, body: unknown): string[] => {
    const out: string[] = [];
    const isY = (res: string, id: unknown): boolean =>
      typeof id === 'number' && (w.yIds[res]?.has(id) ?? false);
    visitRows(
      resource,
      body,
      (res, row, path) => {
        if (isY(res, row.id)) out.push(`${path}: ${res} ${String(row.id)} of Y`);
      },
      (res, id, path) => {
        if (isY(res, id)) out.push(`${path}: reference to ${res} ${String(id)} of Y`);
      },
    );
    for (const s of strings(body)) {
      if (s.value.includes(MARKER) || w.yUuids.has(s.value))
        out.push(`${s.path} = ${JSON.stringify(s.value)}`);
    }
    return out;
  };

  it('a fleet-limited key never reads a row of another fleet, at any depth', async () => {
    const q = fleetQueries();
    const failures = new Set<string>();
    const queryArb = fc.constantFrom(...Object.keys(q)).chain((resource) => {
      const spec = q[resource] as (typeof q)[string];
      const opt = (xs: string[]) =>
        xs.length ? fc.option(fc.constantFrom(...xs), { nil: undefined }) : fc.constant(undefined);
      return fc.record({
        resource: fc.constant(resource),
        filter: opt(spec.filters),
        expand: opt(spec.expands),
        orderby: opt(spec.orderbys),
        byKey: fc.boolean(),
        key: fc.constantFrom<'memberFleetX' | 'adminFleetX'>('memberFleetX', 'adminFleetX'),
        transport: transportArb,
      });
    });
    await fc.assert(
      fc.asyncProperty(queryArb, async (c) => {
        const parts = [
          c.filter && `$filter=${c.filter}`,
          c.expand && `$expand=${c.expand}`,
          c.orderby && `$orderby=${c.orderby}`,
        ].filter(Boolean);
        const target =
          c.byKey && c.resource !== 'organization'
            ? `${c.resource}(${[...(w.yIds[c.resource] ?? [])][0]})`
            : c.resource;
        const url = `/v7/${target}${parts.length ? `?${parts.join('&')}` : ''}`;
        const res = await call(t, 'GET', url, w.keys[c.key], c.transport);
        expect(yLeaks(c.resource, res.json), show('GET', url, c.transport, res)).toEqual([]);
        // Server errors are collected, not thrown, so that one broken query shape does not stop the leak search.
        if (res.status !== 200) failures.add(show('GET', url, c.transport, res));
      }),
      { numRuns: 200 },
    );
    expect([...failures]).toEqual([]);
    // The key is not simply blind: it does see X.
    const res = await call(t, 'GET', '/v7/application?$expand=owns__device', w.keys.memberFleetX, 'bearer');
    expect((res.json as { d: { id: number; owns__device: unknown[] }[] }).d).toMatchObject([
      { id: w.x.id, owns__device: [{ id: w.d1.id }, { id: w.d2.id }] },
    ]);
  });

  it("a fleet-limited key's writes aimed at another fleet leave it unchanged", async () => {
    const y = w.y.id;
    const ids = (r: string): number[] => [...(w.yIds[r] ?? [])];
    const targets: Readonly<
      Record<string, { filters: string[]; patch: Record<string, unknown>; post?: Record<string, unknown> }>
    > = {
      application: {
        filters: [
          `id eq ${y}`,
          `app_name eq ${lit(`${MARKER}fleet`)}`,
          `owns__device/any(d:d/id gt 0) and id eq ${y}`,
        ],
        patch: { app_name: 'hijacked' },
      },
      device: {
        filters: [
          `belongs_to__application eq ${y}`,
          `belongs_to__application/app_name eq ${lit(`${MARKER}fleet`)}`,
        ],
        patch: { device_name: 'hijacked', note: 'hijacked' },
        post: { belongs_to__application: y, is_of__device_type: 3 },
      },
      application_environment_variable: {
        filters: [`application eq ${y}`, `application/app_name eq ${lit(`${MARKER}fleet`)}`],
        patch: { value: 'hijacked' },
        post: { application: y, name: 'HIJACK', value: 'x' },
      },
      application_config_variable: {
        filters: [`application eq ${y}`],
        patch: { value: 'hijacked' },
        post: { application: y, name: 'BALENA_HIJACK', value: 'x' },
      },
      device_environment_variable: {
        filters: [
          `device/belongs_to__application eq ${y}`,
          `device/any(x:x/belongs_to__application eq ${y})`,
        ],
        patch: { value: 'hijacked' },
        post: { device: ids('device')[0], name: 'HIJACK', value: 'x' },
      },
      device_config_variable: {
        filters: [`device/belongs_to__application eq ${y}`],
        patch: { value: 'hijacked' },
        post: { device: ids('device')[0], name: 'BALENA_HIJACK', value: 'x' },
      },
      api_key: {
        filters: [`is_of__actor eq ${w.y.actor}`, `name eq ${lit(`${MARKER}-prov`)}`],
        patch: { name: 'hijacked' },
      },
    };
    const before = await snapshotY(t, w);
    const writeArb = fc.constantFrom(...Object.keys(targets)).chain((resource) =>
      fc.record({
        resource: fc.constant(resource),
        method: fc.constantFrom<Method>('PATCH', 'DELETE', 'POST'),
        by: fc.oneof(
          fc.constantFrom(...ids(resource)).map((id) => `(${id})`),
          fc.constantFrom(...(targets[resource]?.filters ?? [])).map((f) => `?$filter=${f}`),
        ),
        key: fc.constantFrom<'memberFleetX' | 'adminFleetX'>('memberFleetX', 'adminFleetX'),
        transport: transportArb,
      }),
    );
    await fc.assert(
      fc.asyncProperty(writeArb, async (c) => {
        const spec = targets[c.resource] as (typeof targets)[string];
        const url = c.method === 'POST' ? `/v7/${c.resource}` : `/v7/${c.resource}${c.by}`;
        const payload =
          c.method === 'POST' ? (spec.post ?? { name: 'x' }) : c.method === 'PATCH' ? spec.patch : undefined;
        const res = await call(t, c.method, url, w.keys[c.key], c.transport, payload);
        const msg = show(c.method, url, c.transport, res);
        expect(res.status, msg).toBeLessThan(500);
        expect(res.status, msg).not.toBe(201);
        if (res.status === 200) expect(res.body, msg).toBe('');
        expect(await snapshotY(t, w), msg).toEqual(before);
      }),
      { numRuns: 80 },
    );
  });

  it('a fleet-limited key cannot create keys for another fleet', async () => {
    const before = await snapshotAll(t);
    for (const key of [w.keys.memberFleetX, w.keys.adminFleetX]) {
      for (const transport of ['bearer', 'query'] as const) {
        for (const [url, payload] of [
          [`/api-key/application/${w.y.id}/provisioning`, {}],
          [`/api-key/device/${(w.yDevices[0] ?? w.d2).id}/device-key`, {}],
          [
            '/api-key/v2/',
            {
              actorType: 'application',
              actorTypeId: w.y.id,
              roles: ['provisioning-api-key'],
              expiryDate: null,
            },
          ],
        ] as const) {
          const res = await call(t, 'POST', url, key, transport, payload);
          // The other fleet lies outside the key's fleet list, so to this key it does not exist:
          // 404, as for any unknown fleet or device (never a 403 that would confirm it exists).
          expect(res.status, show('POST', url, transport, res)).toBe(404);
        }
      }
    }
    expect(await snapshotAll(t)).toEqual(before);
  });

  /* -------------------------------------------------------------- 3. device keys */

  it('a device key sees only its own device, fleet and variables', async () => {
    const otherDevices = (w.allIds.device ?? []).filter((id) => id !== w.d1.id);
    const ownVars = new Set(w.deviceVars.get(w.d1.id) ?? []);
    const failures = new Set<string>();
    const queryArb = fc.record({
      url: fc.constantFrom(
        '/v7/device',
        `/v7/device(${w.d2.id})`,
        `/v7/device?$filter=belongs_to__application eq ${w.x.id}`,
        `/v7/device?$filter=id ne ${w.d1.id}`,
        '/v7/device?$expand=belongs_to__application($expand=owns__device($expand=device_environment_variable))',
        '/v7/device?$expand=device_environment_variable,device_config_variable',
        '/v7/device_environment_variable',
        `/v7/device_environment_variable?$filter=device eq ${w.d2.id}`,
        '/v7/device_environment_variable?$expand=device($expand=belongs_to__application($expand=owns__device))',
        '/v7/device_config_variable',
        '/v7/application',
        `/v7/application(${w.y.id})`,
        '/v7/application?$expand=owns__device,application_environment_variable',
        `/v7/application?$filter=owns__device/any(d:d/id eq ${w.d2.id})`,
        '/v7/application_environment_variable?$expand=application($expand=owns__device)',
      ),
      transport: transportArb,
    });
    await fc.assert(
      fc.asyncProperty(queryArb, async ({ url, transport }) => {
        const res = await call(t, 'GET', url, w.keys.deviceD1, transport);
        const msg = show('GET', url, transport, res);
        if (res.status !== 200) failures.add(msg);
        const resource = (/^\/v7\/([a-z_]+)/.exec(url)?.[1] ?? '') as string;
        const seen: string[] = [];
        visitRows(resource, res.json, (res2, row, path) => {
          const id = row.id as number;
          if (res2 === 'device' && id !== w.d1.id) seen.push(`${path}: device ${id}`);
          if (res2 === 'application' && id !== w.x.id) seen.push(`${path}: application ${id}`);
          if (res2 === 'device_environment_variable' && !ownVars.has(id))
            seen.push(`${path}: device var ${id}`);
          if (res2 === 'application_environment_variable' && !(w.fleetVars.get(w.x.id) ?? []).includes(id))
            seen.push(`${path}: fleet var ${id}`);
        });
        expect(seen, msg).toEqual([]);
        expect(otherDevices.length).toBeGreaterThan(0);
      }),
      { numRuns: 60 },
    );
    expect([...failures]).toEqual([]);

    const key = w.keys.deviceD1;
    const get = async (url: string) =>
      (await call(t, 'GET', url, key, 'bearer')).json as { d: { id: number }[] };
    expect((await get('/v7/device?$select=id')).d).toEqual([{ id: w.d1.id }]);
    expect(await get(`/v7/device(${w.d2.id})`)).toEqual({ d: [] });
    expect((await get('/v7/device_environment_variable?$select=id')).d.map((r) => r.id)).toEqual([
      ...ownVars,
    ]);
    expect((await get('/v7/application?$select=id')).d).toEqual([{ id: w.x.id }]);
    const keys = await call(t, 'GET', '/v7/api_key', key, 'bearer');
    if (keys.status === 200) expect(keys.json).toEqual({ d: [] });
    else expect(keys.status, show('GET', '/v7/api_key', 'bearer', keys)).toBe(403);
  });

  it('a device key changes only reported fields of its own device', async () => {
    const d2Row = async () => ({
      device: await looseDb(t).selectFrom('device').selectAll().where('id', '=', w.d2.id).execute(),
      vars: await looseDb(t)
        .selectFrom('device_environment_variable')
        .selectAll()
        .where('device', '=', w.d2.id)
        .execute(),
    });
    const before = await d2Row();
    const yBefore = await snapshotY(t, w);
    const d2Var = (w.deviceVars.get(w.d2.id) ?? [])[0];
    const writeArb = fc.record({
      req: fc.constantFrom<[Method, string, Record<string, unknown> | undefined]>(
        ['PATCH', `/v7/device(${w.d2.id})`, { status: 'pwned' }],
        ['PATCH', `/v7/device?$filter=id ne ${w.d1.id}`, { os_version: 'pwned' }],
        ['PATCH', `/v7/device?$filter=uuid eq ${lit(w.d2.uuid)}`, { status: 'pwned' }],
        ['DELETE', `/v7/device(${w.d2.id})`, undefined],
        ['PATCH', `/v7/device_environment_variable(${d2Var})`, { value: 'pwned' }],
        ['DELETE', `/v7/device_environment_variable?$filter=device eq ${w.d2.id}`, undefined],
        ['POST', '/v7/device_environment_variable', { device: w.d2.id, name: 'PWNED', value: 'x' }],
        ['PATCH', `/v7/application(${w.x.id})`, { app_name: 'pwned' }],
      ),
      transport: transportArb,
    });
    await fc.assert(
      fc.asyncProperty(writeArb, async ({ req: [method, url, payload], transport }) => {
        const res = await call(t, method, url, w.keys.deviceD1, transport, payload);
        const msg = show(method, url, transport, res);
        expect(res.status, msg).toBeLessThan(500);
        expect(res.status, msg).not.toBe(201);
        expect(await d2Row(), msg).toEqual(before);
        expect(await snapshotY(t, w), msg).toEqual(yBefore);
      }),
      { numRuns: 40 },
    );

    const own = `/v7/device(${w.d1.id})`;
    const renamed = await call(t, 'PATCH', own, w.keys.deviceD1, 'bearer', {
      device_name: 'renamed-by-device',
    });
    expect(renamed.status, show('PATCH', own, 'bearer', renamed)).toBe(403);
    const status = `Idle ${dialect}`;
    const reported = await call(t, 'PATCH', own, w.keys.deviceD1, 'query', {
      status,
      os_version: 'balenaOS 6.0.0',
    });
    expect(reported.status, show('PATCH', own, 'query', reported)).toBe(200);
    const row = await looseDb(t)
      .selectFrom('device')
      .selectAll()
      .where('id', '=', w.d1.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status, os_version: 'balenaOS 6.0.0', device_name: w.d1.device_name });
  });

  /* -------------------------------------------------------------- 4. provisioning keys */

  it('a provisioning key reads nothing through /v7 and identifies as its fleet', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          'device',
          'application',
          'application_environment_variable',
          'device_environment_variable',
          'api_key',
          'organization',
          'user',
        ),
        transportArb,
        async (resource, transport) => {
          const url = `/v7/${resource}`;
          const res = await call(t, 'GET', url, w.keys.provisioningX, transport);
          expect(res.status, show('GET', url, transport, res)).toBe(403);
        },
      ),
      { numRuns: 20 },
    );
    for (const transport of ['bearer', 'query'] as const) {
      const res = await call(t, 'GET', '/actor/v1/whoami', w.keys.provisioningX, transport);
      expect(res.status, show('GET', '/actor/v1/whoami', transport, res)).toBe(200);
      expect(res.json).toMatchObject({ actorType: 'application', actorTypeId: w.x.id, slug: w.x.slug });
    }
  });

  /* -------------------------------------------------------------- 5. owner rights intersect */

  it('a named key loses access as soon as its owner leaves the organization', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<string[] | undefined>(
          undefined,
          ['read'],
          ['fleets:read'],
          ['fleets:write', 'devices:read'],
        ),
        fc.boolean(),
        transportArb,
        async (scopes, restrict, transport) => {
          const user = await createUser(t, w.admin, `leaver${++n}`);
          await addMember(t, w.admin, w.org, user.id);
          const session = await loginAs(t.app, user.username, user.password);
          const key = await namedKey(t, session, {
            ...(scopes ? { scopes } : {}),
            ...(restrict ? { fleets: [w.x.id] } : {}),
          });
          const url = '/v7/application?$select=id';
          const visible = await call(t, 'GET', url, key, transport);
          expect(visible.status, show('GET', url, transport, visible)).toBe(200);
          expect((visible.json as { d: { id: number }[] }).d.map((r) => r.id)).toContain(w.x.id);

          await looseDb(t)
            .deleteFrom('organization_membership')
            .where('user', '=', user.id)
            .where('is_member_of__organization', '=', w.org)
            .execute();
          const gone = await call(t, 'GET', url, key, transport);
          expect(gone.status, show('GET', url, transport, gone)).toBe(200);
          expect(gone.json, show('GET', url, transport, gone)).toEqual({ d: [] });
          const org = await call(t, 'GET', '/v7/organization', key, transport);
          expect(org.json, show('GET', '/v7/organization', transport, org)).toEqual({ d: [] });
        },
      ),
      { numRuns: 6 },
    );
    // The session of a remaining member is unaffected.
    const res = await request(t.app, 'GET', '/v7/application?$select=id', w.memberSession);
    expect((res.json as { d: unknown[] }).d).toHaveLength(2);
  });
});

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import {
  addMember,
  adminToken,
  createAppEnvVar,
  createDevice,
  createDeviceEnvVar,
  createFleet,
  createOrganization,
  createUser,
  deviceTypeId,
  encodeUrl,
  fixtureDb,
  insertApiKey,
  lit,
  newUuid,
  request,
} from '../support/fleet-fixtures.js';
import { createTestApp, loginAs, type TestApp } from '../support/test-app.js';

/**
 * Multi-tenancy (COMPAT.md "differs" 2): a member sees and changes only the rows of their own
 * organizations, whatever the OData query. Organization A (alice) and B (bob) each own two fleets with
 * devices and variables; every B name carries the marker `bee-`/`BEE_`. Thousands of generated
 * queries run as alice; no B row may appear at any nesting level, counts must agree with rows, no
 * answer may be 5xx, and generated writes aimed at B must leave B's rows exactly as they were.
 */

type Kind = 'id' | 'str' | 'fk' | 'bool';
interface Spec {
  readonly fields: Readonly<Record<string, { kind: Kind; target?: string; nullable?: boolean }>>;
  readonly one: Readonly<Record<string, string>>;
  readonly many: Readonly<Record<string, string>>;
}
const id = { kind: 'id' } as const;
const str = { kind: 'str' } as const;
const fk = (target: string) => ({ kind: 'fk', target }) as const;

/** The v7 contract (COMPAT.md A5–A8): fields and navigations the generator may use. */
const SPEC: Readonly<Record<string, Spec>> = {
  application: {
    fields: {
      id,
      app_name: str,
      slug: str,
      uuid: str,
      organization: fk('organization'),
      is_for__device_type: fk('device_type'),
      actor: fk('actor'),
    },
    one: { organization: 'organization', is_for__device_type: 'device_type' },
    many: { owns__device: 'device', application_environment_variable: 'application_environment_variable' },
  },
  device: {
    fields: {
      id,
      device_name: str,
      uuid: str,
      note: { kind: 'str', nullable: true },
      belongs_to__application: fk('application'),
      is_of__device_type: fk('device_type'),
      actor: fk('actor'),
      is_online: { kind: 'bool' },
    },
    one: { belongs_to__application: 'application', is_of__device_type: 'device_type' },
    many: { device_environment_variable: 'device_environment_variable' },
  },
  application_environment_variable: {
    fields: { id, name: str, value: str, application: fk('application') },
    one: { application: 'application' },
    many: {},
  },
  device_environment_variable: {
    fields: { id, name: str, value: str, device: fk('device') },
    one: { device: 'device' },
    many: {},
  },
  organization: {
    fields: { id, name: str, handle: str },
    one: {},
    many: { application: 'application', organization_membership: 'organization_membership' },
  },
  organization_membership: {
    fields: { id, role: str, user: fk('user'), is_member_of__organization: fk('organization') },
    one: { user: 'user', is_member_of__organization: 'organization' },
    many: {},
  },
  user: {
    fields: { id, username: str, email: { kind: 'str', nullable: true }, actor: fk('actor') },
    one: {},
    many: { organization_membership: 'organization_membership' },
  },
  api_key: {
    fields: {
      id,
      name: { kind: 'str', nullable: true },
      description: { kind: 'str', nullable: true },
      is_of__actor: fk('actor'),
    },
    one: {},
    many: {},
  },
  device_type: {
    fields: { id, slug: str, name: str, is_of__cpu_architecture: fk('cpu_architecture') },
    one: { is_of__cpu_architecture: 'cpu_architecture' },
    many: { describes__device: 'device', device_type_alias: 'device_type_alias' },
  },
  cpu_architecture: {
    fields: { id, slug: str },
    one: {},
    many: { is_supported_by__device_type: 'device_type' },
  },
  device_type_alias: {
    fields: { id, is_referenced_by__alias: str, device_type: fk('device_type') },
    one: { device_type: 'device_type' },
    many: {},
  },
};
const READ_RESOURCES: readonly string[] = (
  'application device application_environment_variable device_environment_variable organization ' +
  'organization_membership user api_key device_type'
).split(' ');
const CATALOGUE = new Set(['device_type', 'cpu_architecture', 'device_type_alias']);

interface World {
  readonly alice: string;
  readonly admin: string;
  readonly aliceUserId: number;
  /** Ids of B's rows, per resource (plus `actor`). */
  readonly bIds: Readonly<Record<string, ReadonlySet<number>>>;
  /** Ids of every non-catalogue row, A and B, per resource (the generator's value pool). */
  readonly allIds: Readonly<Record<string, readonly number[]>>;
  readonly bUuids: ReadonlySet<string>;
  readonly strings: readonly string[];
  readonly orgA: number;
  readonly orgB: number;
  readonly fleetsA: readonly number[];
  readonly fleetsB: readonly number[];
  readonly devicesB: readonly { id: number; uuid: string }[];
  readonly devicesA: readonly { id: number; uuid: string }[];
  /** How many of A's devices have each device type (the bound for describes__device/$count). */
  readonly aDevicesByType: ReadonlyMap<number, number>;
  readonly aDeviceCount: number;
  readonly rpi3: number;
}

async function buildWorld(t: TestApp): Promise<World> {
  const admin = await adminToken(t);
  const alice = await createUser(t, admin, 'alice');
  const bob = await createUser(t, admin, 'bee-bob');
  const orgA = await createOrganization(t, admin, 'Org A', 'aaa-org');
  const orgB = await createOrganization(t, admin, 'bee-Org', 'bee-org');
  await addMember(t, admin, orgA.id, alice.id);
  await addMember(t, admin, orgB.id, bob.id);
  const types = ['raspberrypi3', 'raspberrypi4-64'];
  const bIds: Record<string, Set<number>> = {};
  const allIds: Record<string, number[]> = {};
  const note = (resource: string, rowId: number, isB: boolean): void => {
    allIds[resource] = [...(allIds[resource] ?? []), rowId];
    if (isB) bIds[resource] = new Set([...(bIds[resource] ?? []), rowId]);
  };
  note('organization', orgA.id, false);
  note('organization', orgB.id, true);
  note('user', alice.id, false);
  note('user', bob.id, true);
  note('actor', alice.actor, false);
  note('actor', bob.actor, true);
  const bUuids = new Set<string>();
  const fleets: Record<'A' | 'B', number[]> = { A: [], B: [] };
  const devices: Record<'A' | 'B', { id: number; uuid: string }[]> = { A: [], B: [] };
  const aDevicesByType = new Map<number, number>();
  for (const side of ['A', 'B'] as const) {
    const isB = side === 'B';
    const p = isB ? 'bee' : 'alpha';
    for (const n of ['one', 'two']) {
      const fleet = await createFleet(t, admin, {
        app_name: `${p}-${n}`,
        organization: isB ? orgB.id : orgA.id,
      });
      fleets[side].push(fleet.id);
      note('application', fleet.id, isB);
      note('actor', fleet.actor, isB);
      if (isB) bUuids.add(fleet.uuid);
      note(
        'application_environment_variable',
        await createAppEnvVar(t, admin, fleet.id, isB ? 'BEE_VAR' : 'A_VAR', isB ? 'bee-value' : 'a-value'),
        isB,
      );
      // B also uses intel-nuc, which no A device uses: a leak through the public catalogue shows.
      const deviceTypes = isB ? [...types, 'intel-nuc'] : types;
      for (const [i, type] of deviceTypes.entries()) {
        const dev = await createDevice(t, admin, {
          fleet: fleet.id,
          device_name: `${isB ? 'bee' : 'a'}-dev-${n}-${i}`,
          deviceType: type,
        });
        devices[side].push({ id: dev.id, uuid: dev.uuid });
        note('device', dev.id, isB);
        note('actor', dev.actor, isB);
        if (isB) bUuids.add(dev.uuid);
        else {
          const typeId = await deviceTypeId(t, type);
          aDevicesByType.set(typeId, (aDevicesByType.get(typeId) ?? 0) + 1);
        }
        const varId = await createDeviceEnvVar(
          t,
          admin,
          dev.id,
          isB ? 'BEE_DVAR' : 'A_DVAR',
          isB ? `bee-dvalue-${i}` : `a-dvalue-${i}`,
        );
        note('device_environment_variable', varId, isB);
      }
      const key = await insertApiKey(t, {
        actor: fleet.actor,
        name: `${isB ? 'bee' : 'a'}-prov-${n}`,
        kind: 'provisioning',
      });
      note('api_key', key, isB);
    }
  }
  note('api_key', await insertApiKey(t, { actor: alice.actor, name: 'a-key', description: 'mine' }), false);
  note(
    'api_key',
    await insertApiKey(t, { actor: bob.actor, name: 'bee-key', description: 'bee-secret' }),
    true,
  );
  const memberships = await fixtureDb(t).selectFrom('organization_membership').selectAll().execute();
  for (const m of memberships) {
    if (m.is_member_of__organization === orgA.id || m.is_member_of__organization === orgB.id) {
      note('organization_membership', m.id, m.is_member_of__organization === orgB.id);
    }
  }
  return {
    alice: await loginAs(t.app, alice.username, alice.password),
    admin,
    aliceUserId: alice.id,
    bIds,
    allIds,
    bUuids,
    // Names and values of both sides (B's carry the marker), as filter literals.
    strings:
      "alpha-one|bee-one|a-dev-one-0|bee-dev-two-1|A_VAR|BEE_VAR|a-value|bee-value|bee-dvalue-0|aaa-org|bee-org|bee-org/bee-one|aaa-org/alpha-two|alice|bee-bob|bee-key|member|raspberrypi3|it's|x".split(
        '|',
      ),
    orgA: orgA.id,
    orgB: orgB.id,
    fleetsA: fleets.A,
    fleetsB: fleets.B,
    devicesA: devices.A,
    devicesB: devices.B,
    aDevicesByType,
    aDeviceCount: devices.A.length,
    rpi3: await deviceTypeId(t, 'raspberrypi3'),
  };
}

/** Every trace of B in a response: ids, `{__id}` references, marked strings, uuids, inflated counts. */
function findLeaks(w: World, resource: string, body: unknown): string[] {
  const out: string[] = [];
  const isB = (res: string | undefined, value: unknown): boolean =>
    res !== undefined && typeof value === 'number' && (w.bIds[res]?.has(value) ?? false);
  const marked = (s: string): boolean => s.includes('bee-') || s.includes('BEE_') || w.bUuids.has(s);
  const walk = (res: string | undefined, value: unknown, path: string): void => {
    if (typeof value === 'string') {
      if (marked(value)) out.push(`${path} = ${JSON.stringify(value)}`);
      return;
    }
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) walk(res, item, `${path}[${i}]`);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const row = value as Record<string, unknown>;
    const spec = res === undefined ? undefined : SPEC[res];
    if (isB(res, row.id)) out.push(`${path}: ${res} row ${row.id} of B`);
    for (const [k, v] of Object.entries(row)) {
      const field = spec?.fields[k];
      const nav = spec?.one[k] ?? spec?.many[k];
      if (v !== null && typeof v === 'object' && !Array.isArray(v) && '__id' in v) {
        if (isB(field?.target, (v as { __id: unknown }).__id)) out.push(`${path}.${k}: reference to B`);
      } else if (typeof v === 'number' && nav !== undefined && spec?.many[k] !== undefined) {
        // An expanded `/$count`: it may count only rows alice can see.
        const bound =
          res === 'device_type' && k === 'describes__device'
            ? (w.aDevicesByType.get(row.id as number) ?? 0)
            : CATALOGUE.has(nav)
              ? Number.POSITIVE_INFINITY
              : (w.allIds[nav]?.length ?? 0) - (w.bIds[nav]?.size ?? 0);
        if (v > bound) out.push(`${path}.${k}/$count = ${v} > ${bound} visible`);
      } else {
        walk(nav, v, `${path}.${k}`);
      }
    }
  };
  // Unwrap the `{d: […]}` envelope so that rows are checked as rows of `resource`.
  const rows = body !== null && typeof body === 'object' && 'd' in body ? (body as { d: unknown }).d : body;
  walk(resource, rows, resource);
  return out;
}

/* ------------------------------------------------------------------ query generators */

function valueArb(w: World, kind: Kind, target: string | undefined, resource: string): fc.Arbitrary<string> {
  switch (kind) {
    case 'id':
    case 'fk': {
      const pool = [...(w.allIds[kind === 'id' ? resource : (target ?? '')] ?? []), 1, 2, 999999];
      return fc.constantFrom(...pool).map(String);
    }
    case 'bool':
      return fc.constantFrom('true', 'false');
    case 'str':
      return fc.constantFrom(...w.strings, ...w.bUuids, ...w.devicesA.map((d) => d.uuid)).map(lit);
  }
}

function leafArb(w: World, resource: string, prefix: string): fc.Arbitrary<string> {
  const spec = SPEC[resource] as Spec;
  return fc.constantFrom(...Object.entries(spec.fields)).chain(([name, f]) => {
    const path = `${prefix}${name}`;
    const v = valueArb(w, f.kind, f.target, resource);
    const forms: fc.Arbitrary<string>[] = [
      fc.tuple(fc.constantFrom('eq', 'ne'), v).map(([op, x]) => `${path} ${op} ${x}`),
      fc.constant(`${path} ${f.nullable ? 'eq' : 'ne'} null`),
    ];
    if (f.kind === 'str') {
      forms.push(
        fc
          .tuple(fc.constantFrom('startswith', 'contains'), fc.constantFrom('bee-', 'a', 'e', 'BEE_'))
          .map(([fn, x]) => `${fn}(${path},${lit(x)})`),
      );
    }
    if (f.kind === 'id' || f.kind === 'fk') {
      forms.push(fc.tuple(fc.constantFrom('gt', 'le'), v).map(([op, x]) => `${path} ${op} ${x}`));
      forms.push(fc.array(v, { minLength: 1, maxLength: 3 }).map((xs) => `${path} in (${xs.join(',')})`));
    }
    return fc.oneof(...forms);
  });
}

function filterArb(
  w: World,
  resource: string,
  prefix: string,
  depth: number,
  memo = new Map<string, fc.Arbitrary<string>>(),
): fc.Arbitrary<string> {
  const key = `${resource}|${prefix}|${depth}`;
  const cached = memo.get(key);
  if (cached) return cached;
  const leaf = leafArb(w, resource, prefix);
  if (depth === 0) {
    memo.set(key, leaf);
    return leaf;
  }
  const spec = SPEC[resource] as Spec;
  const sub = filterArb(w, resource, prefix, depth - 1, memo);
  const options: { arbitrary: fc.Arbitrary<string>; weight: number }[] = [
    { arbitrary: leaf, weight: 3 },
    { arbitrary: fc.tuple(sub, sub).map(([a, b]) => `(${a}) and (${b})`), weight: 1 },
    { arbitrary: fc.tuple(sub, sub).map(([a, b]) => `(${a}) or (${b})`), weight: 1 },
    { arbitrary: sub.map((a) => `not(${a})`), weight: 1 },
  ];
  for (const [nav, target] of Object.entries(spec.one)) {
    options.push({ arbitrary: filterArb(w, target, `${prefix}${nav}/`, depth - 1, memo), weight: 2 });
  }
  for (const [nav, target] of Object.entries(spec.many)) {
    const v = `v${depth}`;
    const inner = filterArb(w, target, `${v}/`, depth - 1, memo);
    options.push({
      arbitrary: fc
        .tuple(fc.constantFrom('any', 'all'), inner)
        .map(([op, e]) => `${prefix}${nav}/${op}(${v}:${e})`),
      weight: 2,
    });
  }
  const arb = fc.oneof(...options);
  memo.set(key, arb);
  return arb;
}

function selectArb(resource: string): fc.Arbitrary<string> {
  const fields = Object.keys((SPEC[resource] as Spec).fields).filter((f) => f !== 'id');
  // Always select `id`, so that a leaked row is recognisable whatever else is selected.
  return fc.subarray(fields).map((fs) => ['id', ...fs].join(','));
}

function orderbyArb(resource: string): fc.Arbitrary<string> {
  const spec = SPEC[resource] as Spec;
  const paths = Object.keys(spec.fields);
  for (const [nav, target] of Object.entries(spec.one)) {
    for (const f of Object.keys((SPEC[target] as Spec).fields)) paths.push(`${nav}/${f}`);
  }
  return fc
    .uniqueArray(fc.constantFrom(...paths), { minLength: 1, maxLength: 2 })
    .chain((ps) => fc.tuple(...ps.map((p) => fc.constantFrom(`${p} asc`, `${p} desc`, p))))
    .map((parts) => parts.join(','));
}

function expandArb(w: World, resource: string, depth: number): fc.Arbitrary<string> {
  const spec = SPEC[resource] as Spec;
  const navs = [...Object.keys(spec.one), ...Object.keys(spec.many)];
  if (navs.length === 0) return fc.constant('');
  const item = (nav: string): fc.Arbitrary<string> => {
    const target = (spec.one[nav] ?? spec.many[nav]) as string;
    const options = fc
      .record({
        select: fc.option(selectArb(target), { nil: undefined }),
        filter: fc.option(filterArb(w, target, '', 1), { nil: undefined }),
        expand:
          depth > 0 ? fc.option(expandArb(w, target, depth - 1), { nil: undefined }) : fc.constant(undefined),
        orderby: fc.option(orderbyArb(target), { nil: undefined }),
        top: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
      })
      .map((o) => {
        const parts: string[] = [];
        if (o.select) parts.push(`$select=${o.select}`);
        if (o.filter) parts.push(`$filter=${o.filter}`);
        if (o.expand) parts.push(`$expand=${o.expand}`);
        if (o.orderby) parts.push(`$orderby=${o.orderby}`);
        if (o.top !== undefined) parts.push(`$top=${o.top}`);
        return parts.length === 0 ? nav : `${nav}(${parts.join(';')})`;
      });
    if (spec.many[nav] === undefined) return options;
    const counted = fc.oneof(
      fc.constant(`${nav}/$count`),
      filterArb(w, target, '', 1).map((f) => `${nav}/$count($filter=${f})`),
    );
    return fc.oneof({ arbitrary: options, weight: 3 }, { arbitrary: counted, weight: 1 });
  };
  return fc
    .uniqueArray(fc.constantFrom(...navs), { minLength: 1, maxLength: 2 })
    .chain((ns) => fc.tuple(...ns.map(item)))
    .map((items) => items.join(','));
}

function queryArb(w: World, resource: string): fc.Arbitrary<string> {
  return fc
    .record({
      select: fc.option(selectArb(resource), { nil: undefined }),
      filter: fc.option(filterArb(w, resource, '', 2), { nil: undefined }),
      expand: fc.option(expandArb(w, resource, 2), { nil: undefined }),
      orderby: fc.option(orderbyArb(resource), { nil: undefined }),
      top: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
      skip: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
    })
    .chain((o) => {
      const parts: string[] = [];
      if (o.select) parts.push(`$select=${o.select}`);
      if (o.filter) parts.push(`$filter=${o.filter}`);
      if (o.expand) parts.push(`$expand=${o.expand}`);
      if (o.orderby) parts.push(`$orderby=${o.orderby}`);
      if (o.top !== undefined) parts.push(`$top=${o.top}`);
      if (o.skip !== undefined) parts.push(`$skip=${o.skip}`);
      // The server must not depend on the order of query options.
      return fc.shuffledSubarray(parts, { minLength: parts.length, maxLength: parts.length });
    })
    .map((parts) => (parts.length === 0 ? `/v7/${resource}` : `/v7/${resource}?${parts.join('&')}`));
}

/* ------------------------------------------------------------------ B snapshot */

async function snapshotB(t: TestApp, w: World): Promise<unknown> {
  const db = fixtureDb(t);
  const ids = (r: string): number[] => [...(w.bIds[r] ?? [])];
  const actors = ids('actor');
  return {
    organization: await db.selectFrom('organization').selectAll().where('id', '=', w.orgB).execute(),
    membership: await db
      .selectFrom('organization_membership')
      .selectAll()
      .where('is_member_of__organization', '=', w.orgB)
      .orderBy('id')
      .execute(),
    user: await db.selectFrom('user').selectAll().where('id', 'in', ids('user')).orderBy('id').execute(),
    application: await db
      .selectFrom('application')
      .selectAll()
      .where('organization', '=', w.orgB)
      .orderBy('id')
      .execute(),
    device: await db
      .selectFrom('device')
      .selectAll()
      .where((eb) => eb.or([eb('id', 'in', ids('device')), eb('belongs_to__application', 'in', w.fleetsB)]))
      .orderBy('id')
      .execute(),
    appVars: await db
      .selectFrom('application_environment_variable')
      .selectAll()
      .where('application', 'in', w.fleetsB)
      .orderBy('id')
      .execute(),
    deviceVars: await db
      .selectFrom('device_environment_variable')
      .selectAll()
      .where('device', 'in', ids('device'))
      .orderBy('id')
      .execute(),
    apiKeys: await db
      .selectFrom('api_key')
      .selectAll()
      .where('is_of__actor', 'in', actors)
      .orderBy('id')
      .execute(),
  };
}

/* ------------------------------------------------------------------ tests */

describe.each(dialects())('tenant isolation (%s)', (dialect) => {
  const numRuns = dialect === 'sqlite' ? 500 : 300;

  describe('reads', () => {
    let t: TestApp;
    let w: World;
    beforeAll(async () => {
      t = await createTestApp(dialect);
      w = await buildWorld(t);
    });
    afterAll(async () => t?.close());

    const get = (url: string, token: string) => request(t.app, 'GET', encodeUrl(url), token);

    it('the leak detector finds B when the caller may see it (sanity check, as admin)', async () => {
      for (const resource of ['application', 'device', 'device_environment_variable', 'api_key', 'user']) {
        const res = await get(`/v7/${resource}`, w.admin);
        expect(res.status, res.body).toBe(200);
        expect(findLeaks(w, resource, res.json).length, resource).toBeGreaterThan(0);
      }
      const res = await get('/v7/device_type?$select=id&$expand=describes__device/$count', w.admin);
      expect(res.status, res.body).toBe(200);
      expect(findLeaks(w, 'device_type', res.json).length, res.body).toBeGreaterThan(0);
    });

    it('alice sees exactly her organization in plain listings', async () => {
      for (const resource of READ_RESOURCES) {
        const res = await get(`/v7/${resource}`, w.alice);
        expect(res.status, `${resource}: ${res.body}`).toBe(200);
        expect(findLeaks(w, resource, res.json), resource).toEqual([]);
        if (CATALOGUE.has(resource)) continue;
        const seen = ((res.json as { d: { id: number }[] }).d ?? []).map((r) => r.id).sort((a, b) => a - b);
        const own = (w.allIds[resource] ?? []).filter((i) => !w.bIds[resource]?.has(i));
        expect(seen, resource).toEqual(expect.arrayContaining(own));
      }
    });

    it.each(READ_RESOURCES)(
      'generated queries on %s never show B and never fail with 5xx',
      async (resource) => {
        const statuses: Record<number, string[]> = {};
        let withRows = 0;
        await fc.assert(
          fc.asyncProperty(queryArb(w, resource), async (url) => {
            const res = await get(url, w.alice);
            statuses[res.status] = [...(statuses[res.status] ?? []), `${url} → ${res.body.slice(0, 200)}`];
            expect(res.status, `${url} → ${res.body}`).toBeLessThan(500);
            if (res.status === 200) expect(findLeaks(w, resource, res.json), url).toEqual([]);
            if (res.status === 200 && ((res.json as { d?: unknown[] }).d?.length ?? 0) > 0) withRows++;
          }),
          { numRuns },
        );
        // Refusals are allowed, but a generator that mostly hits 400 proves nothing: the queries use
        // only contract fields and navigations, so nearly all must be answered.
        const ok = statuses[200]?.length ?? 0;
        const total = Object.values(statuses).reduce((n, xs) => n + xs.length, 0);
        expect(
          ok / total,
          JSON.stringify(Object.fromEntries(Object.entries(statuses).map(([s, xs]) => [s, xs.slice(0, 3)]))),
        ).toBeGreaterThanOrEqual(0.9);
        // And answers without rows prove little about leaks: a change that emptied every answer
        // must fail. 21–65 % of answers have rows (measured per resource); the floor is 10 %.
        expect(
          withRows / total,
          `${resource}: ${withRows} of ${total} answers had rows`,
        ).toBeGreaterThanOrEqual(0.1);
      },
    );

    it('/$count agrees with the rows alice can list, for generated filters', async () => {
      let tried = 0;
      let answered = 0;
      let withRows = 0;
      const arb = fc
        .constantFrom(...READ_RESOURCES)
        .chain((r) => fc.tuple(fc.constant(r), filterArb(w, r, '', 2)));
      await fc.assert(
        fc.asyncProperty(arb, async ([resource, filter]) => {
          tried++;
          const count = await get(`/v7/${resource}/$count?$filter=${filter}`, w.alice);
          const list = await get(`/v7/${resource}?$select=id&$filter=${filter}`, w.alice);
          expect(count.status, `${resource} count ${filter} → ${count.body}`).toBeLessThan(500);
          expect(list.status, `${resource} ${filter} → ${list.body}`).toBeLessThan(500);
          if (count.status !== 200 || list.status !== 200) return;
          const rows = (list.json as { d: unknown[] }).d;
          answered++;
          if (rows.length > 0) withRows++;
          expect(findLeaks(w, resource, rows)).toEqual([]);
          expect((count.json as { d: number }).d, `${resource} ${filter}`).toBe(rows.length);
        }),
        { numRuns },
      );
      // The early return above skips refused filters; without a floor, refusing every filter would
      // pass. Measured: every generated filter is answered, and ~60 % of them with rows.
      expect(answered / tried, `${answered} of ${tried} filters answered`).toBeGreaterThanOrEqual(0.9);
      expect(withRows / tried, `${withRows} of ${tried} filters answered with rows`).toBeGreaterThanOrEqual(
        0.3,
      );
    });

    it('public catalogue lookups do not reveal whether B has matching devices', async () => {
      const bDev = w.devicesB[0] as { id: number; uuid: string };
      const probes = [
        `startswith(d/device_name,'bee-')`,
        `d/device_name eq 'bee-dev-one-2'`,
        `d/uuid eq '${bDev.uuid}'`,
        `d/id eq ${bDev.id}`,
        `d/belongs_to__application eq ${w.fleetsB[0]}`,
        `d/belongs_to__application/organization eq ${w.orgB}`,
        `d/belongs_to__application/app_name eq 'bee-one'`,
        `d/device_environment_variable/any(e:e/name eq 'BEE_DVAR')`,
        `d/belongs_to__application/application_environment_variable/any(e:startswith(e/value,'bee-'))`,
      ];
      const catalogue = (await fixtureDb(t).selectFrom('device_type').select('id').execute()).length;
      for (const p of probes) {
        const inner = p.replaceAll('d/', '');
        const empty = [
          `/v7/device_type?$filter=describes__device/any(d:${p})`,
          `/v7/cpu_architecture?$filter=is_supported_by__device_type/any(t:t/describes__device/any(d:${p}))`,
          `/v7/device_type_alias?$filter=device_type/describes__device/any(d:${p})`,
          `/v7/device?$filter=${inner}`,
          `/v7/application?$filter=owns__device/any(d:${p})`,
          `/v7/organization?$filter=application/any(a:a/owns__device/any(d:${p}))`,
        ];
        for (const url of empty) {
          const res = await get(url, w.alice);
          expect(res.status, `${url} → ${res.body}`).toBe(200);
          expect((res.json as { d: unknown[] }).d, url).toEqual([]);
        }
        const all = await get(`/v7/device_type/$count?$filter=describes__device/all(d:not(${p}))`, w.alice);
        expect(all.json, `all(not ${p}) → ${all.body}`).toEqual({ d: catalogue });
        const expanded = await get(
          `/v7/device_type?$select=id&$expand=describes__device($select=id;$filter=${inner})`,
          w.alice,
        );
        for (const row of (expanded.json as { d: { describes__device: unknown[] }[] }).d) {
          expect(row.describes__device, expanded.body.slice(0, 200)).toEqual([]);
        }
        const counted = await get(
          `/v7/device_type?$select=id&$expand=describes__device/$count($filter=${inner})`,
          w.alice,
        );
        for (const row of (counted.json as { d: { describes__device: number }[] }).d)
          expect(row.describes__device).toBe(0);
      }
      const users = await get(
        `/v7/user?$filter=organization_membership/any(m:m/is_member_of__organization eq ${w.orgB})`,
        w.alice,
      );
      expect((users.json as { d: unknown[] }).d).toEqual([]);
      const keys = await get(`/v7/api_key?$filter=startswith(name,'bee-')`, w.alice);
      expect((keys.json as { d: unknown[] }).d).toEqual([]);
      const byKey = await get(`/v7/device(uuid='${bDev.uuid}')`, w.alice);
      expect(byKey.json).toEqual({ d: [] });
    });
  });

  describe('writes', () => {
    let t: TestApp;
    let w: World;
    beforeAll(async () => {
      t = await createTestApp(dialect);
      w = await buildWorld(t);
    });
    afterAll(async () => t?.close());

    it('generated PATCH/DELETE/POST by alice aimed at B leave B unchanged', async () => {
      const before = await snapshotB(t, w);
      const bFleet = fc.constantFrom(...w.fleetsB);
      const bDevice = fc.constantFrom(...w.devicesB);
      const aFleet = fc.constantFrom(...w.fleetsA);
      const bId = (r: string) => fc.constantFrom(...(w.bIds[r] ?? [0]));
      const targets: Record<string, fc.Arbitrary<string>[]> = {
        device: [
          bId('device').map((i) => `device(${i})`),
          bDevice.map((d) => `device(uuid='${d.uuid}')`),
          bId('device').map((i) => `device?$filter=id eq ${i}`),
          fc
            .array(bId('device'), { minLength: 1, maxLength: 3 })
            .map((xs) => `device?$filter=id in (${xs.join(',')})`),
          fc.constant(`device?$filter=belongs_to__application/organization eq ${w.orgB}`),
          fc.constant(`device?$filter=belongs_to__application/any(a:a/organization eq ${w.orgB})`),
          fc.constant(`device?$filter=startswith(device_name,'bee-')`),
          fc.constant(`device?$filter=device_environment_variable/any(e:e/name eq 'BEE_DVAR')`),
        ],
        application: [
          bId('application').map((i) => `application(${i})`),
          fc.constant(`application?$filter=organization eq ${w.orgB}`),
          fc.constant(`application?$filter=organization/handle eq 'bee-org'`),
          fc.constant(`application?$filter=owns__device/any(d:startswith(d/device_name,'bee-'))`),
        ],
        application_environment_variable: [
          bId('application_environment_variable').map((i) => `application_environment_variable(${i})`),
          bFleet.map(
            (f) => `application_environment_variable?$filter=application eq ${f} and name eq 'BEE_VAR'`,
          ),
          fc.constant(`application_environment_variable?$filter=application/organization eq ${w.orgB}`),
        ],
        device_environment_variable: [
          bId('device_environment_variable').map((i) => `device_environment_variable(${i})`),
          bDevice.map((d) => `device_environment_variable?$filter=device eq ${d.id} and name eq 'BEE_DVAR'`),
          fc.constant(
            `device_environment_variable?$filter=device/belongs_to__application/organization eq ${w.orgB}`,
          ),
          fc.constant(`device_environment_variable?$filter=startswith(value,'bee-')`),
        ],
        api_key: [
          bId('api_key').map((i) => `api_key(${i})`),
          fc.constant(`api_key?$filter=startswith(name,'bee-')`),
        ],
        organization: [fc.constant(`organization(${w.orgB})`), fc.constant(`organization(handle='bee-org')`)],
        user: [bId('user').map((i) => `user(${i})`)],
        organization_membership: [bId('organization_membership').map((i) => `organization_membership(${i})`)],
      };
      const bodies: Record<string, fc.Arbitrary<Record<string, unknown>>> = {
        device: fc.oneof(
          fc.constant({ device_name: 'pwned' }),
          fc.constant({ note: 'pwned' }),
          aFleet.map((f) => ({ belongs_to__application: f })),
        ),
        application: fc.oneof(fc.constant({ app_name: 'pwned' }), fc.constant({ organization: w.orgA })),
        application_environment_variable: fc.oneof(
          fc.constant({ value: 'pwned' }),
          fc.constant({ name: 'PWNED' }),
        ),
        device_environment_variable: fc.oneof(
          fc.constant({ value: 'pwned' }),
          fc.constant({ name: 'PWNED' }),
        ),
        api_key: fc.oneof(
          fc.constant({ name: 'pwned' }),
          fc.constant({ expiry_date: '2000-01-01T00:00:00.000Z' }),
        ),
        organization: fc.constant({ name: 'pwned' }),
        user: fc.constant({ username: 'pwned' }),
        organization_membership: fc.constant({ role: 'administrator' }),
      };
      const updates = fc.constantFrom(...Object.keys(targets)).chain((r) =>
        fc.record({
          method: fc.constantFrom('PATCH' as const, 'DELETE' as const),
          url: fc.oneof(...(targets[r] ?? [])),
          body: bodies[r] as fc.Arbitrary<Record<string, unknown>>,
        }),
      );
      // Moving alice's own rows into B, and creating rows under B's parents.
      const aDevice = fc.constantFrom(...w.devicesA);
      const intrusions = fc.oneof(
        fc.tuple(aDevice, bFleet).map(([d, f]) => ({
          method: 'PATCH' as const,
          url: `device(${d.id})`,
          body: { belongs_to__application: f } as Record<string, unknown>,
        })),
        bFleet.map((f) => ({
          method: 'POST' as const,
          url: 'device',
          body: {
            belongs_to__application: f,
            is_of__device_type: w.rpi3,
            device_name: 'pwned',
            uuid: newUuid(),
          },
        })),
        bFleet.map((f) => ({
          method: 'POST' as const,
          url: 'application_environment_variable',
          body: { application: f, name: 'PWNED', value: 'x' },
        })),
        bDevice.map((d) => ({
          method: 'POST' as const,
          url: 'device_environment_variable',
          body: { device: d.id, name: 'PWNED', value: 'x' },
        })),
        fc.constant({
          method: 'POST' as const,
          url: 'application',
          body: { organization: w.orgB, app_name: 'pwned-app', is_for__device_type: w.rpi3 },
        }),
        fc.constant({
          method: 'POST' as const,
          url: 'organization_membership',
          body: { user: w.aliceUserId, is_member_of__organization: w.orgB, role: 'member' },
        }),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.oneof({ arbitrary: updates, weight: 4 }, { arbitrary: intrusions, weight: 1 }),
          async (req) => {
            const url = encodeUrl(`/v7/${req.url}`);
            const res = await request(
              t.app,
              req.method,
              url,
              w.alice,
              req.method === 'DELETE' ? undefined : req.body,
            );
            expect(res.status, `${req.method} ${url} → ${res.body}`).toBeLessThan(500);
            if (req.method === 'POST') expect(res.status, `${req.method} ${url} → ${res.body}`).not.toBe(201);
            expect(
              await snapshotB(t, w),
              `${req.method} ${url} ${JSON.stringify(req.body)} → ${res.status}`,
            ).toEqual(before);
          },
        ),
        { numRuns },
      );
      // And alice still cannot see B afterwards.
      for (const resource of READ_RESOURCES) {
        const res = await request(t.app, 'GET', `/v7/${resource}`, w.alice);
        expect(findLeaks(w, resource, res.json), resource).toEqual([]);
      }
    });
  });
});

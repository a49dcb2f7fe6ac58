import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/principal.js';
import { pinsOneRow } from '../../src/odata/compiler/pinned.js';
import { parseODataUrl } from '../../src/odata/parse-url.js';
import { bindPrincipal } from '../../src/permissions/bind.js';
import type { Action, PredicateForm } from '../../src/permissions/permissions.js';
import { rowFilter } from '../../src/resources/access.js';
import { resourceDef } from '../../src/resources/model.js';
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
  fixtureDb,
  insertApiKey,
} from '../support/fleet-fixtures.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * The two forms of a permission predicate (permissions.ts `PredicateForm`): `scan` (IN lists) and
 * `point` (correlated EXISTS, for queries pinned to one row). They must select exactly the same rows
 * for every resource, action and principal shape; the point form is only a cheaper plan.
 */

describe('pinsOneRow: which root queries get the point form', () => {
  const pinned = (url: string): boolean => {
    const request = parseODataUrl(url);
    const def = resourceDef(request.resource);
    if (!def) throw new Error(`unknown resource in ${url}`);
    return pinsOneRow(def, request);
  };

  it.each([
    "/device?$filter=uuid eq 'abc'&$select=uuid,is_online",
    "/device?$filter=(uuid eq 'abc') and (device_name eq 'x')",
    "/device?$filter=device_name eq 'x' and 'abc' eq uuid",
    '/device?$filter=id eq 5',
    '/device(5)',
    "/device(uuid='abc')",
    "/application?$filter=slug eq 'org/fleet'",
    "/user?$filter=username eq 'alice'",
  ])('pinned: %s', (url) => {
    expect(pinned(url)).toBe(true);
  });

  it.each([
    '/device',
    "/device?$filter=device_name eq 'x'",
    "/device?$filter=uuid ne 'abc'",
    "/device?$filter=uuid eq 'a' or uuid eq 'b'",
    "/device?$filter=belongs_to__application/slug eq 'org/fleet'",
    "/device?$filter=not(uuid eq 'abc')",
    '/device?$filter=uuid eq null',
    '/device?$filter=owns__device_environment_variable/any(v:v/id eq 1)',
    // unique only together with the organization: not one row
    "/application?$filter=app_name eq 'x'",
  ])('not pinned: %s', (url) => {
    expect(pinned(url)).toBe(false);
  });
});

const RESOURCES = [
  'organization',
  'organization_membership',
  'user',
  'application',
  'device',
  'application_environment_variable',
  'device_environment_variable',
  'api_key',
] as const;
const ACTIONS: readonly Action[] = ['read', 'update', 'delete'];

describe.each(dialects())('permission predicate forms select the same rows (%s)', (dialect) => {
  let t: TestApp;
  const principals: Record<string, Principal> = {};

  beforeAll(async () => {
    t = await createTestApp(dialect);
    const admin = await adminToken(t);
    const alice = await createUser(t, admin, 'alice');
    const bob = await createUser(t, admin, 'bob');
    const carol = await createUser(t, admin, 'carol');
    const orgA = await createOrganization(t, admin, 'A', 'org-a');
    const orgB = await createOrganization(t, admin, 'B', 'org-b');
    await addMember(t, admin, orgA.id, alice.id);
    await addMember(t, admin, orgA.id, carol.id);
    await addMember(t, admin, orgB.id, bob.id);
    const fleets = [];
    for (const [org, name] of [
      [orgA, 'a-one'],
      [orgA, 'a-two'],
      [orgB, 'b-one'],
    ] as const) {
      const fleet = await createFleet(t, admin, { app_name: name, organization: org.id });
      fleets.push(fleet);
      await createAppEnvVar(t, admin, fleet.id, 'VAR', name);
      for (const n of [1, 2]) {
        const device = await createDevice(t, admin, { fleet: fleet.id, device_name: `${name}-${n}` });
        await createDeviceEnvVar(t, admin, device.id, 'DVAR', `${name}-${n}`);
        await insertApiKey(t, { actor: device.actor, name: null, kind: 'device' });
      }
      await insertApiKey(t, { actor: fleet.actor, name: null, kind: 'provisioning' });
    }
    for (const user of [alice, bob])
      await insertApiKey(t, { actor: user.actor, name: `${user.username}-key` });
    const member = (user: { id: number; actor: number }, limits?: Principal['limits']): Principal => ({
      actorId: user.actor,
      kind: 'user',
      via: limits ? 'api-key' : 'session',
      userId: user.id,
      applicationId: undefined,
      deviceId: undefined,
      isAdmin: false,
      sessionId: undefined,
      authTime: undefined,
      apiKeyId: undefined,
      limits,
    });
    principals.alice = member(alice);
    principals.bob = member(bob);
    principals['alice, key limited to fleet a-two'] = member(alice, {
      areas: { fleets: 'write', devices: 'write', env: 'write', keys: 'write' },
      fleetIds: [fleets[1]?.id as number],
    });
    principals['alice, read-only key limited to fleets a-one and b-one'] = member(alice, {
      areas: { fleets: 'read', devices: 'read', env: 'read', keys: 'read' },
      fleetIds: [fleets[0]?.id as number, fleets[2]?.id as number],
    });
  });

  afterAll(async () => {
    await t?.close();
  });

  async function ids(resource: string, action: Action, principal: Principal, form: PredicateForm) {
    const filter = rowFilter(resource, action, principal);
    if (filter.kind !== 'where') return { kind: filter.kind, ids: [] as number[], text: '' };
    const predicate = filter.predicate('t0', form);
    const table = resourceDef(resource)?.table as string;
    const compiled = sql<{
      id: number;
    }>`SELECT t0.id FROM ${sql.table(table)} t0 WHERE ${predicate} ORDER BY t0.id`.compile(t.ctx.db.kysely);
    const result = await t.ctx.db.kysely.executeQuery<{ id: number }>({
      ...compiled,
      parameters: bindPrincipal(compiled.parameters, principal),
    });
    return { kind: filter.kind, ids: result.rows.map((row) => Number(row.id)), text: predicate.text };
  }

  it('every resource, action and principal: point rows = scan rows, and the forms differ in SQL', async () => {
    let compared = 0;
    for (const [who, principal] of Object.entries(principals)) {
      for (const resource of RESOURCES) {
        for (const action of ACTIONS) {
          const scan = await ids(resource, action, principal, 'scan');
          const point = await ids(resource, action, principal, 'point');
          const label = `${who}: ${action} ${resource}`;
          expect(point.ids, label).toEqual(scan.ids);
          if (scan.kind !== 'where') continue;
          compared++;
          if (scan.text.includes('IN (SELECT')) {
            expect(point.text, label).toContain('EXISTS (SELECT 1');
            expect(point.text, label).not.toContain('IN (SELECT');
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(40);
  });

  it('the rows are the principal’s own: alice never gets bob’s, and a fleet limit narrows', async () => {
    for (const resource of RESOURCES) {
      const alice = await ids(resource, 'read', principals.alice as Principal, 'point');
      const bob = await ids(resource, 'read', principals.bob as Principal, 'point');
      expect(alice.ids.length, resource).toBeGreaterThan(0);
      expect(bob.ids.length, resource).toBeGreaterThan(0);
      expect(
        alice.ids.filter((id) => bob.ids.includes(id)),
        resource,
      ).toEqual([]);
    }
    const all = await ids('device', 'read', principals.alice as Principal, 'point');
    const limited = await ids(
      'device',
      'read',
      principals['alice, key limited to fleet a-two'] as Principal,
      'point',
    );
    expect(all.ids).toHaveLength(4);
    expect(limited.ids).toHaveLength(2);
    expect(all.ids).toEqual(expect.arrayContaining(limited.ids));
  });

  it('a status read by uuid compiles to the point form and answers only readable devices', async () => {
    const fleetDevices = await fixtureDb(t).selectFrom('device').select(['uuid', 'device_name']).execute();
    const odata = t.app.mooring.odata;
    for (const row of fleetDevices) {
      const url = `/device?$filter=uuid%20eq%20'${row.uuid}'&$select=uuid`;
      const answer = JSON.parse(await odata.readJson(url, principals.alice as Principal)) as { d: unknown[] };
      expect(answer.d, row.device_name).toHaveLength(row.device_name.startsWith('a-') ? 1 : 0);
      const plan = odata.reads.prepare(url, principals.alice as Principal).plan;
      expect(plan?.sql).toContain('EXISTS (SELECT 1 FROM application pa');
    }
  });
});

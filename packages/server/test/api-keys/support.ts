import type { Kysely } from 'kysely';
import { REGISTRY } from '../../src/resources/model.js';
import {
  addMember,
  adminToken,
  createAppEnvVar,
  createDevice,
  createDeviceEnvVar,
  createFleet,
  createOrganization,
  createUser,
  type DeviceFixture,
  encodeUrl,
  type FleetFixture,
  request,
  type UserFixture,
  type V7Response,
} from '../support/fleet-fixtures.js';
import { bearer, loginAs, type TestApp } from '../support/test-app.js';

/*
 * Fixtures for the API key limit tests: one organization whose member owns fleet X (devices D1, D2)
 * and fleet Y. Every name, value and key of Y carries the marker "zed", so a row of Y that leaks into a
 * response is recognisable at any nesting level even when only some fields are selected.
 */

export const MARKER = 'zed';
export type Transport = 'bearer' | 'query';
export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** The tables a snapshot covers: every /v7-writable resource plus what keys and ownership hang off. */
export const SNAPSHOT_TABLES = [
  'application',
  'device',
  'application_environment_variable',
  'device_environment_variable',
  'application_config_variable',
  'device_config_variable',
  'api_key',
  'actor',
  'organization',
  'organization_membership',
  'user',
] as const;

type Row = Record<string, unknown>;
/** Tables read here are not all in src/db/schema.ts (variables); typed loosely on purpose. */
type LooseDb = Record<string, Row>;

export function looseDb(t: TestApp): Kysely<LooseDb> {
  return t.ctx.db.kysely as unknown as Kysely<LooseDb>;
}

/**
 * Every row of the snapshot tables, ordered by id. `last_used_at` is left out: presenting a key
 * legitimately records its use (off the request path, on a timer), and that is not a change by the key.
 */
export async function snapshotAll(t: TestApp): Promise<Record<string, Row[]>> {
  const out: Record<string, Row[]> = {};
  for (const table of SNAPSHOT_TABLES) {
    const rows = await looseDb(t).selectFrom(table).selectAll().orderBy('id').execute();
    out[table] = rows.map(({ last_used_at: _ignored, ...rest }) => rest);
  }
  return out;
}

/** Any request with the credential as `Authorization: Bearer` or `?apikey=`; `url` in readable form. */
export async function call(
  t: TestApp,
  method: Method,
  readableUrl: string,
  key: string,
  transport: Transport,
  payload?: Record<string, unknown>,
): Promise<V7Response> {
  const base = encodeUrl(readableUrl);
  const url =
    transport === 'query'
      ? `${base}${base.includes('?') ? '&' : '?'}apikey=${encodeURIComponent(key)}`
      : base;
  const res = await t.app.inject({
    method,
    url,
    headers: transport === 'bearer' ? bearer(key) : {},
    ...(payload === undefined ? {} : { payload }),
  });
  let json: unknown;
  try {
    json = res.body === '' ? undefined : JSON.parse(res.body);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, body: res.body, headers: res.headers, json };
}

/** Describes a response for assertion messages (the key itself is never included). */
export function show(method: string, url: string, transport: Transport, res: V7Response): string {
  return `${method} ${url} [${transport}] → ${res.status} ${res.body.slice(0, 400)}`;
}

/** `POST /api-key/user/full` with a fresh session: the key string. */
export async function namedKey(
  t: TestApp,
  session: string,
  body: { scopes?: string[]; fleets?: (number | string)[] },
  name = 'limits-test',
): Promise<string> {
  const res = await request(t.app, 'POST', '/api-key/user/full', session, {
    name,
    expiryDate: null,
    ...body,
  });
  if (res.status !== 200) throw new Error(`named key: ${res.status} ${res.body}`);
  return res.json as string;
}

/** Provisioning or device key through the legacy endpoints, optionally named. */
export async function actorKey(
  t: TestApp,
  session: string,
  kind: 'provisioning' | 'device',
  id: number,
  name?: string,
): Promise<string> {
  const url =
    kind === 'provisioning' ? `/api-key/application/${id}/provisioning` : `/api-key/device/${id}/device-key`;
  const res = await request(t.app, 'POST', url, session, name === undefined ? {} : { name });
  if (res.status !== 200) throw new Error(`${kind} key: ${res.status} ${res.body}`);
  return res.json as string;
}

export interface LimitsWorld {
  readonly admin: string;
  readonly member: UserFixture;
  readonly memberSession: string;
  readonly org: number;
  readonly x: FleetFixture;
  readonly y: FleetFixture;
  readonly d1: DeviceFixture;
  readonly d2: DeviceFixture;
  readonly yDevices: readonly DeviceFixture[];
  /** Row ids per resource (and `actor`) of everything that hangs off Y. */
  readonly yIds: Readonly<Record<string, ReadonlySet<number>>>;
  readonly yUuids: ReadonlySet<string>;
  /** Row ids per resource of the whole world (generators' value pool). */
  readonly allIds: Readonly<Record<string, readonly number[]>>;
  /** Variable ids per device / fleet. */
  readonly deviceVars: ReadonlyMap<number, readonly number[]>;
  readonly fleetVars: ReadonlyMap<number, readonly number[]>;
  readonly keys: {
    readonly memberRead: string;
    readonly adminRead: string;
    readonly memberFleetX: string;
    readonly adminFleetX: string;
    readonly deviceD1: string;
    readonly provisioningX: string;
  };
}

async function post(
  t: TestApp,
  session: string,
  resource: string,
  body: Record<string, unknown>,
): Promise<number> {
  const res = await request(t.app, 'POST', `/v7/${resource}`, session, body);
  if (res.status !== 201) throw new Error(`create ${resource}: ${res.status} ${res.body}`);
  return (res.json as { id: number }).id;
}

export async function buildLimitsWorld(t: TestApp): Promise<LimitsWorld> {
  const admin = await adminToken(t);
  const member = await createUser(t, admin, 'mia');
  const org = await createOrganization(t, admin, 'Mooring Org', 'mor-org');
  await addMember(t, admin, org.id, member.id);
  const session = await loginAs(t.app, member.username, member.password);

  const allIds: Record<string, number[]> = {};
  const yIds: Record<string, Set<number>> = {};
  const yUuids = new Set<string>();
  const deviceVars = new Map<number, number[]>();
  const fleetVars = new Map<number, number[]>();
  const note = (resource: string, id: number, isY: boolean): void => {
    allIds[resource] = [...(allIds[resource] ?? []), id];
    if (isY) yIds[resource] = new Set([...(yIds[resource] ?? []), id]);
  };

  const fleets: FleetFixture[] = [];
  const devices: DeviceFixture[][] = [];
  for (const [isY, name, p, P] of [
    [false, 'xray', 'xray', 'X'],
    [true, `${MARKER}fleet`, MARKER, 'ZED'],
  ] as const) {
    const fleet = await createFleet(t, session, { app_name: name, organization: org.id });
    fleets.push(fleet);
    note('application', fleet.id, isY);
    note('actor', fleet.actor, isY);
    if (isY) yUuids.add(fleet.uuid);
    const vars = [
      await createAppEnvVar(t, session, fleet.id, `${P}_VAR`, `${p}-value`),
      await createAppEnvVar(t, session, fleet.id, `${P}_OTHER`, `${p}-other`),
    ];
    for (const v of vars) note('application_environment_variable', v, isY);
    fleetVars.set(fleet.id, vars);
    note(
      'application_config_variable',
      await post(t, session, 'application_config_variable', {
        application: fleet.id,
        name: `BALENA_${P}_POLL`,
        value: `${p}-cfg`,
      }),
      isY,
    );
    const fleetDevices: DeviceFixture[] = [];
    for (const n of [1, 2]) {
      const dev = await createDevice(t, session, { fleet: fleet.id, device_name: `${p}-d${n}` });
      fleetDevices.push(dev);
      note('device', dev.id, isY);
      note('actor', dev.actor, isY);
      if (isY) yUuids.add(dev.uuid);
      const dv = await createDeviceEnvVar(t, session, dev.id, `${P}_DVAR`, `${p}-dvalue-${n}`);
      note('device_environment_variable', dv, isY);
      const dc = await post(t, session, 'device_config_variable', {
        device: dev.id,
        name: `BALENA_${P}_DCFG`,
        value: `${p}-dcfg-${n}`,
      });
      note('device_config_variable', dc, isY);
      deviceVars.set(dev.id, [dv]);
    }
    devices.push(fleetDevices);
  }
  const [x, y] = fleets as [FleetFixture, FleetFixture];
  const [d1, d2] = devices[0] as [DeviceFixture, DeviceFixture];
  const yDevices = devices[1] as DeviceFixture[];

  // Keys: provisioning and device keys on both fleets, then the named keys under test.
  const provisioningX = await actorKey(t, session, 'provisioning', x.id, 'xray-prov');
  await actorKey(t, session, 'provisioning', y.id, `${MARKER}-prov`);
  const deviceD1 = await actorKey(t, session, 'device', d1.id, 'xray-d1-key');
  await actorKey(t, session, 'device', (yDevices[0] as DeviceFixture).id, `${MARKER}-dev-key`);
  const keys = {
    memberRead: await namedKey(t, session, { scopes: ['read'] }, 'mia-read'),
    memberFleetX: await namedKey(t, session, { fleets: [x.id] }, 'mia-fleet-x'),
    adminRead: await namedKey(t, admin, { scopes: ['read'] }, 'admin-read'),
    adminFleetX: await namedKey(t, admin, { fleets: [x.slug] }, 'admin-fleet-x'),
    deviceD1,
    provisioningX,
  };
  const keyRows = await looseDb(t)
    .selectFrom('api_key')
    .select(['id', 'is_of__actor'])
    .orderBy('id')
    .execute();
  for (const row of keyRows)
    note('api_key', Number(row.id), yIds.actor?.has(Number(row.is_of__actor)) ?? false);

  return {
    admin,
    member,
    memberSession: session,
    org: org.id,
    x,
    y,
    d1,
    d2,
    yDevices,
    yIds,
    yUuids,
    allIds,
    deviceVars,
    fleetVars,
    keys,
  };
}

/** Y's rows only (for "writes aimed at Y leave Y as it was"). */
export async function snapshotY(t: TestApp, w: LimitsWorld): Promise<Record<string, Row[]>> {
  const all = await snapshotAll(t);
  const ids = (r: string): ReadonlySet<number> => w.yIds[r] ?? new Set();
  const yDeviceIds = ids('device');
  const pick = (table: string, keep: (row: Row) => boolean): Row[] => (all[table] ?? []).filter(keep);
  return {
    application: pick('application', (r) => Number(r.id) === w.y.id),
    device: pick(
      'device',
      (r) => ids('device').has(Number(r.id)) || Number(r.belongs_to__application) === w.y.id,
    ),
    application_environment_variable: pick(
      'application_environment_variable',
      (r) => Number(r.application) === w.y.id,
    ),
    application_config_variable: pick('application_config_variable', (r) => Number(r.application) === w.y.id),
    device_environment_variable: pick('device_environment_variable', (r) => yDeviceIds.has(Number(r.device))),
    device_config_variable: pick('device_config_variable', (r) => yDeviceIds.has(Number(r.device))),
    api_key: pick('api_key', (r) => ids('actor').has(Number(r.is_of__actor))),
    actor: pick('actor', (r) => ids('actor').has(Number(r.id))),
  };
}

/**
 * Visits every row of a /v7 response, at any `$expand` depth, with the resource it is a row of; and
 * every `{__id}` reference with the resource it points to.
 */
export function visitRows(
  resource: string,
  body: unknown,
  visit: (resource: string, row: Row, path: string) => void,
  visitRef: (resource: string, id: unknown, path: string) => void = () => undefined,
): void {
  const walk = (res: string, value: unknown, path: string): void => {
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) walk(res, item, `${path}[${i}]`);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const row = value as Row;
    visit(res, row, path);
    const def = REGISTRY[res];
    for (const [k, v] of Object.entries(row)) {
      if (v !== null && typeof v === 'object' && !Array.isArray(v) && '__id' in v) {
        const target = def?.fields[k]?.references;
        if (target) visitRef(target, (v as { __id: unknown }).__id, `${path}.${k}`);
        continue;
      }
      const nav = def?.navigations[k];
      if (nav && (Array.isArray(v) || (v !== null && typeof v === 'object')))
        walk(nav.target, v, `${path}.${k}`);
    }
  };
  const rows = body !== null && typeof body === 'object' && 'd' in body ? (body as { d: unknown }).d : body;
  walk(resource, rows, resource);
}

/** Every string in a JSON tree with its path. */
export function strings(value: unknown, path = ''): { path: string; value: string }[] {
  if (typeof value === 'string') return [{ path, value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value as Row).flatMap(([k, v]) => strings(v, `${path}.${k}`));
  }
  return [];
}

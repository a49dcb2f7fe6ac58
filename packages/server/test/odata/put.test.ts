import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLimitsWorld, type LimitsWorld, looseDb, namedKey } from '../api-keys/support.js';
import { dialects } from '../support/databases.js';
import {
  createAppEnvVar,
  createFleet,
  createOrganization,
  deviceTypeId,
  encodeUrl,
  fixtureDb,
  type V7Response,
} from '../support/fleet-fixtures.js';
import { bearer, createTestApp, type TestApp } from '../support/test-app.js';

/**
 * Issue 18 §7: `PUT /v7/<resource>(key)` replaces one entity as balena's does (docs/odata-writes.md),
 * for every credential transport, with PATCH's permission and key-limit rules plus balena's "create
 * and update" requirement, and never creates a row under a caller-chosen key.
 */
describe.each(dialects())('PUT /v7 (%s)', (dialect) => {
  let t: TestApp;
  let w: LimitsWorld;
  let fullKey: string;
  let xVar: number;
  let yVar: number;
  let foreignVar: number;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    w = await buildLimitsWorld(t);
    fullKey = await namedKey(t, w.memberSession, {}, 'put-full');
    xVar = w.fleetVars.get(w.x.id)?.[0] as number;
    yVar = w.fleetVars.get(w.y.id)?.[0] as number;
    const otherOrg = await createOrganization(t, w.admin, 'Elsewhere', 'elsewhere');
    const otherFleet = await createFleet(t, w.admin, { app_name: 'elsewhere', organization: otherOrg.id });
    foreignVar = await createAppEnvVar(t, w.admin, otherFleet.id, 'FOREIGN', 'secret-value');
  });
  afterAll(async () => t?.close());

  type Transport = 'bearer' | 'query' | 'none';
  const put = async (
    url: string,
    body: Record<string, unknown>,
    key?: string,
    transport: Transport = 'bearer',
  ): Promise<V7Response> => {
    const base = encodeUrl(url);
    const res = await t.app.inject({
      method: 'PUT',
      url: transport === 'query' ? `${base}${base.includes('?') ? '&' : '?'}apikey=${key}` : base,
      headers: transport === 'bearer' && key !== undefined ? bearer(key) : {},
      payload: body,
    });
    return {
      status: res.statusCode,
      body: res.body,
      headers: res.headers,
      json: res.body === '' ? undefined : JSON.parse(res.body),
    };
  };
  const variable = (id: number) =>
    fixtureDb(t)
      .selectFrom('application_environment_variable')
      .select(['name', 'value'])
      .where('id', '=', id)
      .executeTakeFirst();
  const varCount = async (): Promise<number> =>
    (await fixtureDb(t).selectFrom('application_environment_variable').select('id').execute()).length;

  it.each([
    ['session', 'bearer'],
    ['full key', 'bearer'],
    ['full key', 'query'],
  ] as const)('replaces a variable with a %s (%s), answering 200 with an empty body', async (who, how) => {
    const credential = who === 'session' ? w.memberSession : fullKey;
    const res = await put(
      `/v7/application_environment_variable(${xVar})`,
      { name: 'X_VAR', value: `by-${who}-${how}` },
      credential,
      how,
    );
    expect(res.status, res.body).toBe(200);
    expect(res.body).toBe('');
    expect(await variable(xVar)).toEqual({ name: 'X_VAR', value: `by-${who}-${how}` });
  });

  it('refuses a read-only key on either transport and an anonymous caller, changing nothing', async () => {
    const before = await variable(xVar);
    for (const how of ['bearer', 'query'] as const) {
      const res = await put(
        `/v7/application_environment_variable(${xVar})`,
        { name: 'X_VAR', value: 'ro' },
        w.keys.memberRead,
        how,
      );
      expect(res.status, res.body).toBe(403);
    }
    const anonymous = await put(`/v7/application_environment_variable(${xVar})`, { name: 'X', value: 'a' });
    expect(anonymous.status).toBe(401);
    expect(await variable(xVar)).toEqual(before);
  });

  it('keeps a fleet-limited key to its fleet, and a device key out', async () => {
    const inX = await put(
      `/v7/application_environment_variable(${xVar})`,
      { name: 'X_VAR', value: 'fleet-key' },
      w.keys.memberFleetX,
    );
    expect(inX.status, inX.body).toBe(200);
    const before = await variable(yVar);
    const inY = await put(
      `/v7/application_environment_variable(${yVar})`,
      { name: 'Y_VAR', value: 'fleet-key' },
      w.keys.memberFleetX,
      'query',
    );
    expect(inY.status, inY.body).toBe(404);
    const device = await put(
      `/v7/application_environment_variable(${xVar})`,
      { name: 'X_VAR', value: 'device' },
      w.keys.deviceD1,
    );
    expect(device.status, device.body).toBe(403);
    expect(await variable(yVar)).toEqual(before);
    expect(await variable(xVar)).toEqual({ name: 'X_VAR', value: 'fleet-key' });
  });

  it('never creates: a missing or invisible row is 404 and no row appears', async () => {
    const count = await varCount();
    const missing = await put(
      '/v7/application_environment_variable(987654)',
      {
        name: 'NEW',
        value: 'v',
      },
      fullKey,
    );
    expect(missing.status).toBe(404);
    const foreign = await put(
      `/v7/application_environment_variable(${foreignVar})`,
      { name: 'FOREIGN', value: 'stolen' },
      fullKey,
    );
    expect(foreign.status).toBe(404);
    expect(foreign.body).toBe(missing.body);
    expect(await varCount()).toBe(count);
    expect(await variable(foreignVar)).toEqual({ name: 'FOREIGN', value: 'secret-value' });
  });

  it('sets what the body leaves out back to its default, and requires fields without one', async () => {
    const d1 = `/v7/device(${w.d1.id})`;
    const setup = await t.app.inject({
      method: 'PATCH',
      url: d1,
      headers: bearer(w.memberSession),
      payload: { note: 'remember me', is_undervolted: true, os_version: 'balenaOS 5' },
    });
    expect(setup.statusCode, setup.body).toBe(200);
    const res = await put(
      d1,
      {
        device_name: 'replaced',
        is_of__device_type: await deviceTypeId(t, 'raspberrypi3'),
        belongs_to__application: { __id: w.x.id },
      },
      w.memberSession,
    );
    expect(res.status, res.body).toBe(200);
    const row = await looseDb(t)
      .selectFrom('device')
      .select(['device_name', 'note', 'is_undervolted', 'os_version', 'uuid'])
      .where('id', '=', w.d1.id)
      .executeTakeFirstOrThrow();
    expect({ ...row, is_undervolted: Number(row.is_undervolted) }).toEqual({
      device_name: 'replaced',
      note: null,
      is_undervolted: 0,
      os_version: null,
      uuid: w.d1.uuid,
    });

    const partial = await put(`/v7/application_environment_variable(${xVar})`, { value: 'only' }, fullKey);
    expect(partial.status).toBe(400);
    expect(partial.json).toBe('"name" is required: PUT replaces the whole application_environment_variable');
  });

  it('applies PATCH rules to the body: fixed fields, uniqueness, parents', async () => {
    const fixed = await put(
      `/v7/application_environment_variable(${xVar})`,
      { application: w.x.id, name: 'X_VAR', value: 'v' },
      fullKey,
    );
    expect(fixed.status).toBe(400);
    expect(fixed.json).toBe('"application" cannot be changed');
    const other = await createAppEnvVar(t, w.memberSession, w.x.id, 'TAKEN', 'v');
    const clash = await put(
      `/v7/application_environment_variable(${other})`,
      { name: 'X_VAR', value: 'v' },
      fullKey,
    );
    expect(clash.status).toBe(409);
    expect(clash.json).toBe('"application" and "name" must be unique.');
    // Moving D2 to fleet Y with a key limited to fleet X: refused as by PATCH (Y is invisible to it).
    const move = await put(
      `/v7/device(${w.d2.id})`,
      {
        device_name: 'moved',
        is_of__device_type: await deviceTypeId(t, 'raspberrypi3'),
        belongs_to__application: w.y.id,
      },
      w.keys.memberFleetX,
    );
    expect(move.status).toBe(400);
    expect(move.json).toBe(`belongs_to__application ${w.y.id} does not exist`);
    const d2 = await fixtureDb(t)
      .selectFrom('device')
      .select('belongs_to__application')
      .where('id', '=', w.d2.id)
      .executeTakeFirstOrThrow();
    expect(d2.belongs_to__application).toBe(w.x.id);
  });

  it.each([
    ['/v7/application_environment_variable', 400, 'PUT replaces one entity: /v7/<resource>(<key>)'],
    ['/v7/application_environment_variable/$count', 400, 'PUT replaces one entity: /v7/<resource>(<key>)'],
    ['/v7/application_environment_variable(1)?$filter=id eq 1', 400, '$filter is not supported on PUT'],
    ['/v7/application_environment_variable(1)?$select=id', 400, '$select is not supported on PUT'],
    ['/v7/api_key(1)', 405, '"api_key" cannot be replaced through /v7'],
    ['/v7/organization(1)', 405, '"organization" cannot be replaced through /v7'],
  ])('PUT %s → %i', async (url, status, message) => {
    const res = await put(url, { name: 'N', value: 'v' }, fullKey);
    expect(res.status).toBe(status);
    expect(res.json).toBe(message);
  });
});

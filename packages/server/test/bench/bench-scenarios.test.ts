import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAnswer, verifyScenario } from '../../../../scripts/bench/check.js';
import {
  type BenchRequest,
  deviceHeartbeats,
  deviceStatusBearer,
  deviceStatusQueryKey,
  deviceStatusSession,
  fleetDeviceList,
  type Send,
  whoami,
} from '../../../../scripts/bench/scenarios.js';
import { type SeedResult, type SeedSizes, seedDatabase } from '../../../../scripts/bench/seed.js';
import { dialects } from '../support/databases.js';
import { createTestApp, loginAs, type TestApp } from '../support/test-app.js';

/*
 * Keeps the HTTP benchmark's seeding and request builders from rotting (scripts/bench-http.ts): a
 * small seed through the real migrations, then every scenario's requests through the real app, with
 * the same checks the benchmark runs before timing.
 */
const SIZES: SeedSizes = {
  organizations: 2,
  usersPerOrganization: 2,
  fleets: 4,
  devices: 440, // 110 per fleet: the fleet list must stop at $top=100
  namedKeys: 12,
  deviceKeys: 10,
};

describe.each(dialects())('benchmark seed and scenarios (%s)', (dialect) => {
  let t: TestApp;
  let seed: SeedResult;
  const send: Send = async (request: BenchRequest) => {
    const res = await t.app.inject({ method: request.method, url: request.path, headers: request.headers });
    return { status: res.statusCode, body: res.body };
  };

  beforeAll(async () => {
    t = await createTestApp(dialect);
    seed = await seedDatabase(t.ctx.db, t.ctx.keys.apiKeyPepper, SIZES, t.clock.now());
  });
  afterAll(async () => t?.close());

  it('seeds the requested rows', async () => {
    const db = t.ctx.db.kysely;
    const count = async (table: 'device' | 'application' | 'api_key' | 'user'): Promise<number> =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await count('device')).toBe(440);
    expect(await count('application')).toBe(4);
    expect(await count('api_key')).toBe(12 + 10);
    expect(await count('user')).toBe(1 + 4); // the bootstrap admin + seeded members
    expect(new Set(seed.devices.map((d) => d.uuid)).size).toBe(440);
    expect(seed.deviceKeys).toHaveLength(10);
  });

  it('named key as Bearer and as ?apikey= answer the expected device status', async () => {
    const bearer = deviceStatusBearer(seed);
    expect(new Set(bearer.requests.map((r) => r.headers.authorization)).size).toBe(6); // one org's keys
    expect(await verifyScenario(send, bearer, 30)).toBeNull();
    expect(await verifyScenario(send, deviceStatusQueryKey(seed), 30)).toBeNull();
  });

  it('session tokens from real logins answer the expected device status', async () => {
    const members = seed.users.filter((u) => u.organization === seed.users[0]?.organization);
    const tokens = await Promise.all(members.map((u) => loginAs(t.app, u.username, u.password)));
    expect(await verifyScenario(send, deviceStatusSession(seed, tokens))).toBeNull();
  });

  it("a fleet's device list stops at 100 and expands the device type", async () => {
    const scenario = fleetDeviceList(seed);
    expect(scenario.requests[0]?.expect).toMatchObject({ count: 100, slug: seed.deviceTypeSlug });
    expect(await verifyScenario(send, scenario)).toBeNull();
  });

  it('whoami with a named key answers its owner', async () => {
    expect(await verifyScenario(send, whoami(seed))).toBeNull();
  });

  it('heartbeat requests use one distinct device key per device', () => {
    const requests = deviceHeartbeats(seed).requests;
    expect(requests).toHaveLength(10);
    expect(new Set(requests.map((r) => r.headers.authorization)).size).toBe(10);
    expect(requests[0]?.path).toBe(`/device/v3/${seed.deviceKeys[0]?.uuid}/state`);
  });

  it('the check refuses 401s, wrong devices and wrong shapes', async () => {
    const request = deviceStatusBearer(seed).requests[0] as BenchRequest;
    const anonymous = await send({ ...request, headers: { authorization: 'Bearer mk_u_nope' } });
    expect(checkAnswer(request.expect, anonymous)).toMatch(/^status 401/);
    const other = deviceStatusBearer(seed).requests[1] as BenchRequest;
    expect(checkAnswer(request.expect, await send(other))).toMatch(/wrong device/);
    expect(checkAnswer(request.expect, { status: 200, body: '{"d":[]}' })).toMatch(/expected one device/);
  });
});

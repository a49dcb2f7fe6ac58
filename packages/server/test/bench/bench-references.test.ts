import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referenceApp, writeReferenceDatabase } from '../../../../scripts/bench/reference.js';
import {
  type BenchRequest,
  deviceStatusBearer,
  deviceStatusPath,
  deviceStatusQueryKey,
  deviceStatusSession,
  whoami,
  workingSet,
} from '../../../../scripts/bench/scenarios.js';
import { type SeedResult, type SeedSizes, seedDatabase } from '../../../../scripts/bench/seed.js';
import { signedReferenceApp } from '../../../../scripts/bench/signed-reference.js';
import { dialects } from '../support/databases.js';
import { createTestApp, loginAs, type TestApp } from '../support/test-app.js';

/*
 * The benchmark's reference designs (scripts/bench/reference.ts, signed-reference.ts) must answer
 * every request of the scenarios they are compared with exactly as Mooring does (status and bytes),
 * or the ratio compares different work. A small seed through the real migrations, real logins.
 */
const SIZES: SeedSizes = {
  organizations: 2,
  usersPerOrganization: 2,
  fleets: 2,
  devices: 60,
  namedKeys: 8,
  deviceKeys: 4,
};

describe.each(dialects())('benchmark reference designs (%s)', (dialect) => {
  let t: TestApp;
  let seed: SeedResult;
  let tokens: string[];
  let dir: string;
  let reference: FastifyInstance;
  let signed: FastifyInstance;

  const answer = async (app: FastifyInstance, request: Pick<BenchRequest, 'path' | 'headers'>) => {
    const res = await app.inject({ method: 'GET', url: request.path, headers: request.headers });
    return { status: res.statusCode, body: res.body };
  };

  beforeAll(async () => {
    t = await createTestApp(dialect);
    seed = await seedDatabase(t.ctx.db, t.ctx.keys.apiKeyPepper, SIZES, t.clock.now());
    const members = workingSet(seed).users;
    tokens = await Promise.all(members.map((u) => loginAs(t.app, u.username, u.password)));
    dir = mkdtempSync(join(tmpdir(), 'mooring-reference-'));
    const file = join(dir, 'reference.sqlite');
    writeReferenceDatabase(
      file,
      seed,
      tokens.map((token, i) => ({ token, user: (members[i] as { id: number }).id })),
    );
    reference = referenceApp(file);
    signed = signedReferenceApp(file);
  });
  afterAll(async () => {
    await reference?.close();
    await signed?.close();
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['status-bearer', () => deviceStatusBearer(seed).requests],
    ['status-apikey', () => deviceStatusQueryKey(seed).requests],
    ['status-session', () => deviceStatusSession(seed, tokens).requests],
    ['whoami', () => whoami(seed).requests],
  ])('%s: the reference design answers 200 with the bytes Mooring answers', async (_id, requests) => {
    const sample = requests().slice(0, 12);
    expect(sample.length).toBeGreaterThan(0);
    for (const request of sample) {
      const ours = await answer(t.app, request);
      expect(ours.status).toBe(200);
      expect(await answer(reference, request)).toEqual(ours);
    }
  });

  it('the reference design refuses what Mooring refuses: an unknown key, another organization', async () => {
    const request = deviceStatusBearer(seed).requests[0] as BenchRequest;
    const unknown = { path: request.path, headers: { authorization: 'Bearer mk_u_not-a-key-of-this-seed' } };
    expect((await answer(t.app, unknown)).status).toBe(401);
    expect((await answer(reference, unknown)).status).toBe(401);
    expect((await answer(reference, { path: '/actor/v1/whoami', headers: unknown.headers })).status).toBe(
      401,
    );
    // A device of the other organization: Mooring answers an empty list, and so does the reference.
    const { org } = workingSet(seed);
    const foreign = seed.devices.find((d) => d.organization !== org);
    expect(foreign).toBeDefined();
    const cross = { path: deviceStatusPath(foreign?.uuid ?? ''), headers: request.headers };
    const ours = await answer(t.app, cross);
    expect(ours).toEqual({ status: 200, body: '{"d":[]}' });
    expect(await answer(reference, cross)).toEqual(ours);
  });

  it('the signed reference answers a signed status read with the bytes Mooring answers for that device', async () => {
    for (const request of deviceStatusBearer(seed).requests.slice(0, 6)) {
      const ours = await answer(t.app, request);
      expect(ours.status).toBe(200);
      for (const alg of ['ed25519', 'hmac-sha256']) {
        const headers = {
          'signature-input': `sig1=("@method" "@authority" "@path" "@query");keyid="k";alg="${alg}";nonce="n"`,
          signature: 'sig1=:AAAA:',
        };
        expect(await answer(signed, { path: request.path, headers })).toEqual(ours);
      }
    }
    const unsigned = await answer(signed, {
      path: deviceStatusBearer(seed).requests[0]?.path ?? '/',
      headers: {},
    });
    expect(unsigned.status).toBe(401);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { adminToken, deviceTypeId } from '../support/fleet-fixtures.js';
import { bearer, createTestApp, type TestApp } from '../support/test-app.js';
import {
  createSigningKey,
  rawSignatureHeaders,
  type SigningKey,
  send,
  signatureHeaders,
  signed,
} from './support.js';

describe.each(dialects())('signed requests as a credential (%s)', (dialect) => {
  let t: TestApp;
  let admin: string;
  let hmac: SigningKey;
  let ed: SigningKey;
  let org: number;
  let deviceType: number;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    admin = await adminToken(t);
    hmac = await createSigningKey(t, admin, 'hmac-sha256');
    ed = await createSigningKey(t, admin, 'ed25519');
    const orgs = await t.app.inject({ method: 'GET', url: '/v7/organization', headers: bearer(admin) });
    org = (orgs.json() as { d: { id: number }[] }).d[0]?.id ?? 0;
    deviceType = await deviceTypeId(t, 'raspberrypi3');
  });
  afterAll(async () => t?.close());

  const fleetBody = (name: string): string =>
    JSON.stringify({ app_name: name, organization: org, is_for__device_type: deviceType });

  it.each(['hmac', 'ed'] as const)(
    'accepts a %s-signed GET with a query and a POST with a body',
    async (which) => {
      const key = which === 'hmac' ? hmac : ed;
      const get = await signed(t, key, { method: 'GET', url: '/v7/application?$select=id,app_name' });
      expect(get.status, get.body).toBe(200);
      const post = await signed(t, key, {
        method: 'POST',
        url: '/v7/application',
        body: fleetBody(`signed-${which}`),
      });
      expect(post.status, post.body).toBe(201);
      const who = await signed(t, key, { method: 'GET', url: '/actor/v1/whoami' });
      expect(who.status, who.body).toBe(200);
    },
  );

  it('stores the HMAC secret encrypted, and the Ed25519 key as its public half only', async () => {
    const rows = await t.ctx.db.kysely
      .selectFrom('api_key')
      .select(['public_id', 'signing_alg', 'signing_secret', 'signing_public_key'])
      .where('public_id', 'in', [hmac.keyId, ed.keyId])
      .execute();
    const h = rows.find((r) => r.public_id === hmac.keyId);
    const e = rows.find((r) => r.public_id === ed.keyId);
    const secret = Buffer.from(hmac.material);
    expect(h?.signing_alg).toBe('hmac-sha256');
    expect(h?.signing_secret).toMatch(/^v1\./);
    for (const encoding of ['base64url', 'base64', 'hex'] as const) {
      expect(h?.signing_secret).not.toContain(secret.toString(encoding));
    }
    expect(e?.signing_alg).toBe('ed25519');
    expect(e?.signing_secret).toBeNull();
    expect(e?.signing_public_key).toHaveLength(43);
  });

  // Ed25519 is verified on the thread pool (src/api-keys/signing-keys.ts): its refusals too.
  it.each(['hmac', 'ed'] as const)(
    'refuses a %s signature replayed onto a different method, path, query or body',
    async (which) => {
      const key = which === 'hmac' ? hmac : ed;
      const cases = [
        {
          signedAs: { method: 'GET', url: '/v7/application' },
          sent: { method: 'DELETE', url: '/v7/application' },
        },
        { signedAs: { method: 'GET', url: '/v7/application' }, sent: { method: 'GET', url: '/v7/device' } },
        {
          signedAs: { method: 'GET', url: '/v7/application?$select=id' },
          sent: { method: 'GET', url: '/v7/application?$select=app_name' },
        },
        {
          signedAs: { method: 'POST', url: '/v7/application', body: fleetBody('one') },
          sent: { method: 'POST', url: '/v7/application', body: fleetBody('two') },
        },
      ];
      for (const c of cases) {
        const headers = await signatureHeaders(t, key, c.signedAs);
        const res = await send(t, { ...c.sent, headers });
        expect(res.status, `${c.sent.method} ${c.sent.url}`).toBe(401);
      }
      const before = await t.ctx.db.kysely.selectFrom('application').select('app_name').execute();
      expect(before.map((r) => r.app_name)).not.toContain('two');
    },
  );

  it('names the missing component, and answers unknown key and wrong signature alike', async () => {
    const uncoveredQuery = await send(t, {
      method: 'GET',
      url: '/v7/application?$select=id',
      headers: await rawSignatureHeaders(t, hmac, { method: 'GET', url: '/v7/application?$select=id' }),
    });
    expect(uncoveredQuery.status).toBe(401);
    const challenge = String(uncoveredQuery.headers['www-authenticate']);
    expect(challenge).toContain('error="missing_component"');
    expect(challenge).toContain('@query');
    expect(uncoveredQuery.body).toContain('@query');

    const body = fleetBody('uncovered-body');
    const uncoveredBody = await send(t, {
      method: 'POST',
      url: '/v7/application',
      body,
      headers: await rawSignatureHeaders(t, hmac, { method: 'POST', url: '/v7/application', body }),
    });
    expect(uncoveredBody.status).toBe(401);
    expect(String(uncoveredBody.headers['www-authenticate'])).toContain('content-digest');

    const noAuthority = await send(t, {
      method: 'GET',
      url: '/v7/application',
      headers: await rawSignatureHeaders(t, hmac, {
        method: 'GET',
        url: '/v7/application',
        components: ['@method', '@path'],
      }),
    });
    expect(noAuthority.status).toBe(401);
    expect(noAuthority.body).toContain('@authority');

    const noNonce = await send(t, {
      method: 'GET',
      url: '/v7/application',
      headers: await rawSignatureHeaders(t, hmac, {
        method: 'GET',
        url: '/v7/application',
        params: { created: Math.floor(t.clock.now() / 1000), keyid: hmac.keyId },
      }),
    });
    expect(noNonce.status).toBe(401);
    expect(String(noNonce.headers['www-authenticate'])).toContain('error="missing_param"');
    expect(noNonce.body).toContain('nonce');

    const unknown = await signed(
      t,
      { ...hmac, keyId: 'NoSuchKey0000' },
      { method: 'GET', url: '/v7/application' },
    );
    const wrong = await signed(
      t,
      { ...hmac, material: new Uint8Array(32).fill(7) },
      { method: 'GET', url: '/v7/application' },
    );
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.body).toBe(wrong.body);
    expect(unknown.headers['www-authenticate']).toBe(wrong.headers['www-authenticate']);
    expect(String(unknown.headers['www-authenticate'])).toContain('error="invalid_signature"');
  });

  it('hints at decoding the secret when the base64url text was used as the HMAC key', async () => {
    const asText = new TextEncoder().encode(Buffer.from(hmac.material).toString('base64url'));
    const res = await signed(t, { ...hmac, material: asText }, { method: 'GET', url: '/v7/application' });
    expect(res.status).toBe(401);
    expect(res.body).toMatch(/unpadded base64url, decode it to its 32 bytes/);
    expect(String(res.headers['www-authenticate'])).toContain('error="invalid_signature"');
  });

  it('refuses created outside ±300 s and a reused nonce', async () => {
    const now = Math.floor(t.clock.now() / 1000);
    for (const created of [now - 301, now + 301]) {
      const res = await signed(t, hmac, { method: 'GET', url: '/v7/application', created });
      expect(res.status, String(created)).toBe(401);
    }
    for (const created of [now - 299, now + 299]) {
      const res = await signed(t, hmac, { method: 'GET', url: '/v7/application', created });
      expect(res.status, String(created)).toBe(200);
    }
    const headers = await signatureHeaders(t, ed, { method: 'GET', url: '/v7/application' });
    expect((await send(t, { method: 'GET', url: '/v7/application', headers })).status).toBe(200);
    const replay = await send(t, { method: 'GET', url: '/v7/application', headers });
    expect(replay.status).toBe(401);
    expect(String(replay.headers['www-authenticate'])).toContain('error="replayed"');
  });

  it('refuses the bearer and query forms of a signature-required key, but not its signatures', async () => {
    const strict = await createSigningKey(t, admin, 'hmac-sha256', {
      requiresSignature: true,
      name: 'strict',
    });
    const viaBearer = await t.app.inject({
      method: 'GET',
      url: '/v7/application',
      headers: bearer(strict.key),
    });
    expect(viaBearer.statusCode).toBe(401);
    const viaQuery = await t.app.inject({ method: 'GET', url: `/v7/application?apikey=${strict.key}` });
    expect(viaQuery.statusCode).toBe(401);
    expect((await signed(t, strict, { method: 'GET', url: '/v7/application' })).status).toBe(200);
    // A signing key without the requirement still works as a bearer key.
    expect(
      (await t.app.inject({ method: 'GET', url: '/v7/application', headers: bearer(hmac.key) })).statusCode,
    ).toBe(200);
  });

  it('refuses a revoked key at once, even right after it was cached, and an expired key', async () => {
    const doomed = await createSigningKey(t, admin, 'ed25519', { name: 'doomed' });
    expect((await signed(t, doomed, { method: 'GET', url: '/v7/application' })).status).toBe(200);
    const row = await t.ctx.db.kysely
      .selectFrom('api_key')
      .select('id')
      .where('public_id', '=', doomed.keyId)
      .executeTakeFirstOrThrow();
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/v7/api_key(${row.id})`,
      headers: bearer(admin),
    });
    expect(del.statusCode).toBe(200);
    expect((await signed(t, doomed, { method: 'GET', url: '/v7/application' })).status).toBe(401);

    const expiring = await createSigningKey(t, admin, 'hmac-sha256', {
      name: 'expiring',
      expiryDate: new Date(t.clock.now() + 60_000).toISOString(),
    });
    expect((await signed(t, expiring, { method: 'GET', url: '/v7/application' })).status).toBe(200);
    t.clock.advance(61_000);
    expect((await signed(t, expiring, { method: 'GET', url: '/v7/application' })).status).toBe(401);
  });

  it('answers a valid signature on a route its key may not use at once: 401 on session-only routes, 403 for admin ones', async () => {
    // Regression: an access refusal after verification once left the request hanging. A hang is a
    // promise that never settles, so the test waits for the answer, not for a clock: any answer
    // within 10 s (a loaded machine answers in milliseconds) passes, a hang fails with its name.
    const answered = <T>(what: string, promise: Promise<T>): Promise<T> => {
      let timer: NodeJS.Timeout | undefined;
      const hung = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer within 10 s`)), 10_000);
      });
      return Promise.race([promise, hung]).finally(() => clearTimeout(timer));
    };
    for (const url of ['/user/v1/refresh-token', '/mooring/v1/sessions']) {
      expect((await answered(url, signed(t, hmac, { method: 'GET', url }))).status).toBe(401);
    }
  });

  it('refuses a signature sent together with a bearer or query key (400: one credential per request)', async () => {
    const headers = await signatureHeaders(t, hmac, { method: 'GET', url: '/v7/application' });
    const both = await send(t, {
      method: 'GET',
      url: '/v7/application',
      headers: { ...headers, ...bearer(hmac.key) },
    });
    expect(both.status).toBe(400);
    const withQuery = await signatureHeaders(t, hmac, {
      method: 'GET',
      url: `/v7/application?apikey=${hmac.key}`,
    });
    const query = await send(t, {
      method: 'GET',
      url: `/v7/application?apikey=${hmac.key}`,
      headers: withQuery,
    });
    expect(query.status).toBe(400);
  });

  it('refuses a key id that exists but has no signing material', async () => {
    const plain = await t.app.inject({
      method: 'POST',
      url: '/api-key/user/full',
      headers: bearer(await adminToken(t)),
      payload: { name: 'plain', expiryDate: null },
    });
    const key = JSON.parse(plain.body) as string;
    const row = await t.ctx.db.kysely
      .selectFrom('api_key')
      .select('public_id')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(key).toContain(row.public_id);
    const res = await signed(t, { ...hmac, keyId: row.public_id }, { method: 'GET', url: '/v7/application' });
    expect(res.status).toBe(401);
  });
});

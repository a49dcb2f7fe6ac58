import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSecret, sealSecret } from '../../src/signatures/secret-box.js';
import { dialects } from '../support/databases.js';
import { adminToken } from '../support/fleet-fixtures.js';
import { bearer, createTestApp, type TestApp } from '../support/test-app.js';
import { createSigningKey, ed25519Pair, type SigningKey, send, signatureHeaders, signed } from './support.js';

describe.each(dialects())('signing keys: creation, validation, rotation (%s)', (dialect) => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    admin = await adminToken(t);
  });
  afterAll(async () => t?.close());

  const create = (payload: Record<string, unknown>) =>
    t.app.inject({
      method: 'POST',
      url: '/api-key/user/full',
      headers: bearer(admin),
      payload: { name: 'v', expiryDate: null, ...payload },
    });

  it('answers a signing key with the key, its key id and the signing material, shown once', async () => {
    const res = await create({ signing: { alg: 'hmac-sha256' }, requiresSignature: true });
    expect(res.statusCode).toBe(200);
    const body = res.json() as {
      key: string;
      keyId: string;
      signing: { alg: string; secret: string };
      requiresSignature: boolean;
    };
    expect(body.key).toContain(body.keyId);
    expect(body.signing.alg).toBe('hmac-sha256');
    expect(Buffer.from(body.signing.secret, 'base64url')).toHaveLength(32);
    expect(body.requiresSignature).toBe(true);
    expect(res.headers['cache-control']).toBe('no-store');
    const listed = await t.app.inject({ method: 'GET', url: '/v7/api_key', headers: bearer(admin) });
    expect(listed.body).not.toContain(body.signing.secret);
  });

  it('refuses invalid signing settings with 400 naming the problem', async () => {
    const pair = ed25519Pair();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ signing: { alg: 'ed25519' } }, /publicKey/],
      [{ signing: { alg: 'ed25519', publicKey: 'not-a-key' } }, /Ed25519/],
      [
        { signing: { alg: 'ed25519', publicKey: Buffer.alloc(32).toString('base64url') } },
        /small order|Ed25519/,
      ],
      [{ signing: { alg: 'ed25519', publicKey: Buffer.alloc(32, 0xff).toString('base64url') } }, /Ed25519/],
      [{ signing: { alg: 'hmac-sha256', publicKey: pair.publicKey } }, /publicKey/],
      [{ signing: { alg: 'rsa-pss-sha512' } }, /./],
      [{ requiresSignature: true }, /signing/],
      [{ signing: { alg: 'hmac-sha256', extra: 1 } }, /./],
    ];
    for (const [payload, message] of cases) {
      const res = await create(payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.body).toMatch(message);
    }
    const ok = await create({ signing: { alg: 'ed25519', publicKey: pair.publicKey } });
    expect(ok.statusCode).toBe(200);
  });

  it('rotation carries the signing mode over: a new HMAC secret, the same Ed25519 key, the same requirement', async () => {
    const hmac = await createSigningKey(t, admin, 'hmac-sha256', {
      requiresSignature: true,
      name: 'rot-hmac',
    });
    const ed = await createSigningKey(t, admin, 'ed25519', { requiresSignature: true, name: 'rot-ed' });
    for (const old of [hmac, ed]) {
      const row = await t.ctx.db.kysely
        .selectFrom('api_key')
        .select('id')
        .where('public_id', '=', old.keyId)
        .executeTakeFirstOrThrow();
      const res = await t.app.inject({
        method: 'POST',
        url: `/mooring/v1/keys/${row.id}/rotate`,
        headers: bearer(admin),
        payload: { gracePeriodSeconds: 0 },
      });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json() as {
        key: string;
        signing: { alg: string; secret?: string; publicKey?: string };
        requiresSignature: boolean;
      };
      expect(body.signing.alg).toBe(old.alg);
      expect(body.requiresSignature).toBe(true);
      const keyId = (
        await t.ctx.db.kysely
          .selectFrom('api_key')
          .select('public_id')
          .where('rotated_to', 'is', null)
          .orderBy('id', 'desc')
          .executeTakeFirstOrThrow()
      ).public_id;
      const successor: SigningKey = {
        key: body.key,
        keyId,
        alg: old.alg,
        material:
          old.alg === 'hmac-sha256'
            ? new Uint8Array(Buffer.from(body.signing.secret ?? '', 'base64url'))
            : old.material,
      };
      if (old.alg === 'hmac-sha256')
        expect(Buffer.from(successor.material).equals(Buffer.from(old.material))).toBe(false);
      expect((await signed(t, successor, { method: 'GET', url: '/v7/application' })).status).toBe(200);
      expect(
        (await t.app.inject({ method: 'GET', url: '/v7/application', headers: bearer(body.key) })).statusCode,
      ).toBe(401);
      t.clock.advance(1000);
      expect((await signed(t, old, { method: 'GET', url: '/v7/application' })).status).toBe(401);
    }
  });

  it('rotation can change the mode: a new Ed25519 key, or signing switched off', async () => {
    const hmac = await createSigningKey(t, admin, 'hmac-sha256', { name: 'rot-change' });
    const row = await t.ctx.db.kysely
      .selectFrom('api_key')
      .select('id')
      .where('public_id', '=', hmac.keyId)
      .executeTakeFirstOrThrow();
    const pair = ed25519Pair();
    const res = await t.app.inject({
      method: 'POST',
      url: `/mooring/v1/keys/${row.id}/rotate`,
      headers: bearer(admin),
      payload: { gracePeriodSeconds: 60, signing: { alg: 'ed25519', publicKey: pair.publicKey } },
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { id: number; signing: { alg: string; publicKey: string } };
    expect(body.signing).toEqual({ alg: 'ed25519', publicKey: pair.publicKey });
    const off = await t.app.inject({
      method: 'POST',
      url: `/mooring/v1/keys/${body.id}/rotate`,
      headers: bearer(admin),
      payload: { gracePeriodSeconds: 0, signing: null },
    });
    expect(off.statusCode, off.body).toBe(200);
    expect(typeof (off.json() as { key: string }).key).toBe('string');
    expect(off.json()).not.toHaveProperty('signing');
  });

  it('a sealed secret opens only under the same key and for the same key id', () => {
    const key = new Uint8Array(32).fill(1);
    const sealed = sealSecret(key, 'abc', new Uint8Array([1, 2, 3]));
    expect(openSecret(key, 'abc', sealed)).toEqual(new Uint8Array([1, 2, 3]));
    expect(openSecret(new Uint8Array(32).fill(2), 'abc', sealed)).toBeNull();
    expect(openSecret(key, 'abd', sealed)).toBeNull();
    expect(openSecret(key, 'abc', `${sealed.slice(0, -2)}AA`)).toBeNull();
    expect(openSecret(key, 'abc', 'v2.xyz')).toBeNull();
  });
});

/** Two Mooring instances sharing one PostgreSQL database (DESIGN.md §7). */
describe.runIf(process.env.MOORING_TEST_DATABASE_URL)('nonces across instances (postgres)', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await createTestApp('postgres');
    b = await createTestApp('postgres', {}, { database: a.database, clock: a.clock, logs: a.logs });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('a signed request accepted by instance A is refused as a replay by instance B', async () => {
    const key = await createSigningKey(a, await adminToken(a), 'hmac-sha256');
    const headers = await signatureHeaders(a, key, { method: 'GET', url: '/v7/application' });
    expect((await send(a, { method: 'GET', url: '/v7/application', headers })).status).toBe(200);
    const replay = await send(b, { method: 'GET', url: '/v7/application', headers });
    expect(replay.status).toBe(401);
    expect(String(replay.headers['www-authenticate'])).toContain('replayed');
    // A fresh signature works on B (the key itself is fine there).
    expect((await signed(b, key, { method: 'GET', url: '/v7/application' })).status).toBe(200);
    const rows = await a.ctx.db.kysely.selectFrom('signature_nonce').selectAll().execute();
    expect(rows.length).toBe(2);
  });

  it('expired nonce records are swept, and a claim after expiry is not a replay', async () => {
    const { SharedNonceStore } = await import('../../src/signatures/nonce-store.js');
    const store = new SharedNonceStore(a.ctx.db, a.clock);
    const now = a.clock.now();
    expect(await store.claim('k1', 'nonce-0001', now + 1000)).toBe('claimed');
    expect(await store.claim('k1', 'nonce-0001', now + 1000)).toBe('replayed');
    // The window includes its last instant (the verifier still accepts the signature then).
    a.clock.advance(1000);
    expect(await store.claim('k1', 'nonce-0001', a.clock.now() + 1000)).toBe('replayed');
    a.clock.advance(1);
    expect(await store.claim('k1', 'nonce-0001', a.clock.now() + 1000)).toBe('claimed');
    a.clock.advance(600_000);
    expect(await store.sweep()).toBeGreaterThanOrEqual(1);
    const left = await a.ctx.db.kysely.selectFrom('signature_nonce').selectAll().execute();
    expect(left).toEqual([]);
    await store.close();
  });
});

import { readFileSync } from 'node:fs';
import { verifyMessageSignature } from '@mooring/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SigningKeys } from '../../src/api-keys/signing-keys.js';
import { MemoryNonceStore } from '../../src/signatures/nonce-store.js';
import { sealSecret } from '../../src/signatures/secret-box.js';
import {
  receivedRequest,
  SignatureVerifier,
  type SignedRequestParts,
} from '../../src/signatures/verifier.js';
import { dialects } from '../support/databases.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/*
 * The shared vectors (packages/protocol/test/vectors/) through the SERVER: keys stored the way the
 * server stores them (HMAC sealed under the derived encryption key, Ed25519 as raw public key),
 * loaded and imported by SigningKeys from the database, requests adapted by receivedRequest.
 */
const dir = new URL('../../../protocol/test/vectors/', import.meta.url);
const load = <T>(name: string): T => JSON.parse(readFileSync(new URL(name, dir), 'utf8')) as T;

interface MooringCase {
  name: string;
  alg: 'hmac-sha256' | 'ed25519';
  keyId: string;
  request: {
    method: string;
    authority: string;
    path: string;
    query: string;
    headers: Record<string, string>;
    body?: string;
  };
  verifyAt: number;
  expected: { headers: Record<string, string> };
}
const mooring = load<{
  keys: { 'hmac-sha256': { secretHex: string }; ed25519: { publicKeyHex: string } };
  cases: MooringCase[];
}>('mooring-signatures.json');
interface RfcCase {
  name: string;
  label: string;
  keyId: string;
  signatureInput: string;
  signature: string;
}
const rfc = load<{
  keys: Record<string, { alg: string; secretBase64?: string; publicKeySpkiBase64?: string }>;
  request: {
    method: string;
    authority: string;
    path: string;
    query: string;
    headers: Record<string, string>;
    body: string;
  };
  cases: RfcCase[];
}>('rfc9421.json');

function parts(
  r: {
    method: string;
    authority: string;
    path: string;
    query: string;
    headers: Record<string, string>;
    body?: string;
  },
  extra: Record<string, string> = {},
): SignedRequestParts {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...r.headers, ...extra })) headers[k.toLowerCase()] = v;
  return {
    method: r.method,
    authority: r.authority,
    url: `${r.path}${r.query}`,
    scheme: 'https',
    headers,
    body: r.body === undefined ? undefined : new TextEncoder().encode(r.body),
  };
}

describe.each(dialects())('shared signature vectors through the server (%s)', (dialect) => {
  let t: TestApp;
  let keys: SigningKeys;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    const admin = await t.ctx.db.kysely.selectFrom('user').select('actor').executeTakeFirstOrThrow();
    const insert = async (
      publicId: string,
      alg: string,
      secret: Uint8Array | null,
      publicKey: Uint8Array | null,
    ) =>
      t.ctx.db.kysely
        .insertInto('api_key')
        .values({
          created_at: 0,
          modified_at: 0,
          is_of__actor: admin.actor,
          kind: 'user',
          public_id: publicId,
          key_hash: `unused-${publicId}`,
          display_prefix: publicId.slice(0, 8),
          name: publicId,
          description: null,
          expiry_date: null,
          scopes: null,
          fleet_ids: null,
          signing_alg: alg,
          signing_secret: secret ? sealSecret(t.ctx.keys.encryption, publicId, secret) : null,
          signing_public_key: publicKey ? Buffer.from(publicKey).toString('base64url') : null,
          last_used_at: null,
          rotated_to: null,
          created_by__actor: null,
        })
        .execute();
    const hmacSecret = Buffer.from(mooring.keys['hmac-sha256'].secretHex, 'hex');
    const edPublic = Buffer.from(mooring.keys.ed25519.publicKeyHex, 'hex');
    for (const c of mooring.cases) {
      const exists = await t.ctx.db.kysely
        .selectFrom('api_key')
        .select('id')
        .where('public_id', '=', c.keyId)
        .executeTakeFirst();
      if (!exists)
        await insert(
          c.keyId,
          c.alg,
          c.alg === 'hmac-sha256' ? hmacSecret : null,
          c.alg === 'ed25519' ? edPublic : null,
        );
    }
    const shared = rfc.keys['test-shared-secret'];
    const ed = rfc.keys['test-key-ed25519'];
    await insert(
      'test-shared-secret',
      'hmac-sha256',
      Buffer.from(shared?.secretBase64 ?? '', 'base64'),
      null,
    );
    // SPKI DER = 12-byte prefix + the 32 raw bytes the server stores.
    await insert(
      'test-key-ed25519',
      'ed25519',
      null,
      Buffer.from(ed?.publicKeySpkiBase64 ?? '', 'base64').subarray(12),
    );
    keys = new SigningKeys(t.ctx, t.app.mooring.cache);
  });
  afterAll(async () => t?.close());

  it.each(rfc.cases.map((c) => [c.name, c] as const))(
    'RFC 9421 %s verifies with the key as the server stores it',
    async (_name, c) => {
      const stored = await keys.resolve(c.keyId);
      expect(stored?.signingKey).toBeDefined();
      const request = receivedRequest(
        parts(rfc.request, { 'signature-input': c.signatureInput, signature: c.signature }),
      );
      const ok = await verifyMessageSignature(
        request,
        stored?.signingKey ?? { alg: 'hmac-sha256', secret: new Uint8Array(32) },
        { label: c.label },
      );
      expect(ok.ok).toBe(true);
      // One flipped byte of the body digest header breaks it (the vector covers content-type, not the body).
      const tampered = receivedRequest(
        parts(
          { ...rfc.request, headers: { ...rfc.request.headers, Date: 'Tue, 20 Apr 2021 02:07:56 GMT' } },
          {
            'signature-input': c.signatureInput,
            signature: c.signature,
          },
        ),
      );
      expect(
        (
          await verifyMessageSignature(
            tampered,
            stored?.signingKey ?? { alg: 'hmac-sha256', secret: new Uint8Array(32) },
            { label: c.label },
          )
        ).ok,
      ).toBe(false);
      // …and the Mooring profile refuses it as a credential: it covers neither @method/@path nor a nonce.
      const verifier = new SignatureVerifier(keys, new MemoryNonceStore(t.clock), t.clock, 300);
      t.clock.set(1618884473_000);
      const profile = await verifier.verify(
        parts(rfc.request, { 'signature-input': c.signatureInput, signature: c.signature }),
      );
      expect(profile.ok).toBe(false);
    },
  );

  it.each(mooring.cases.map((c) => [c.name, c] as const))(
    'Mooring vector %s verifies through the server verifier, once',
    async (_name, c) => {
      t.clock.set(c.verifyAt);
      const verifier = new SignatureVerifier(keys, new MemoryNonceStore(t.clock), t.clock, 300);
      const request = parts(c.request, c.expected.headers);
      const first = await verifier.verify(request);
      expect(first.ok, JSON.stringify(first)).toBe(true);
      expect(first.ok && first.principal.via).toBe('signature');
      const again = await verifier.verify(request);
      expect(again.ok ? 'accepted' : again.reason).toBe('replayed');
    },
  );

  it('a full replay store is the server refusing for now (503, retry later), not a replay', async () => {
    const c = mooring.cases[0];
    if (!c) throw new Error('no Mooring vectors');
    t.clock.set(c.verifyAt);
    const full = new MemoryNonceStore(t.clock, { maxEntries: 0 });
    const verifier = new SignatureVerifier(keys, full, t.clock, 300);
    // Thrown synchronously when the key is cached, else a rejection: both reach the caller as one.
    await expect((async () => verifier.verify(parts(c.request, c.expected.headers)))()).rejects.toMatchObject(
      {
        code: 'unavailable',
        retryAfter: 60,
      },
    );
    await full.close();
  });

  it('Mooring vectors are accepted over HTTP by buildApp where the route exists, and refused when tampered', async () => {
    let checked = 0;
    for (const c of mooring.cases) {
      t.clock.set(c.verifyAt);
      const path = c.request.path;
      if (path.startsWith('/device/v2/') && !t.app.hasRoute({ method: 'POST', url: '/device/v2/:uuid/log' }))
        continue;
      const headers: Record<string, string> = {
        host: c.request.authority,
        ...c.request.headers,
        ...c.expected.headers,
      };
      const tamperedHeaders = { ...headers, host: `x${c.request.authority}` };
      const tampered = await t.app.inject({
        method: c.request.method as 'GET',
        url: `${path}${c.request.query}`,
        headers: tamperedHeaders,
        ...(c.request.body === undefined ? {} : { payload: c.request.body }),
      });
      expect(tampered.statusCode, c.name).toBe(401);
      // (The nonce of the untampered request is still fresh: the tampered one failed before claiming it.)
      const res = await t.app.inject({
        method: c.request.method as 'GET',
        url: `${path}${c.request.query}`,
        headers,
        ...(c.request.body === undefined ? {} : { payload: c.request.body }),
      });
      expect(res.statusCode, `${c.name}: ${res.body}`).not.toBe(401);
      expect(res.statusCode, `${c.name}: ${res.body}`).toBeLessThan(500);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(4);
  });
});

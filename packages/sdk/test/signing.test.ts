import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { verifyRequestSignature } from '@mooring/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MooringClient as Client, MooringClient } from '../src/index.js';
import { type SigningKeyConfig, signatureHeaders, signingKeyBytes } from '../src/signing.js';
import { dialects, rejection, type SdkServer, startServer } from './support.js';

interface VectorCase {
  name: string;
  alg: 'hmac-sha256' | 'ed25519';
  keyId: string;
  created: number;
  nonce: string;
  expires?: number;
  label?: string;
  components?: string[];
  request: { method: string; scheme: string; authority: string; path: string; query: string; body?: string };
  verifyAt: number;
  expected: { headers: Record<string, string> };
}
const vectors = JSON.parse(
  readFileSync(new URL('../../protocol/test/vectors/mooring-signatures.json', import.meta.url), 'utf8'),
) as {
  keys: { 'hmac-sha256': { secretHex: string }; ed25519: { seedHex: string; publicKeyHex: string } };
  cases: VectorCase[];
};
const hex = (h: string): Buffer => Buffer.from(h, 'hex');

describe('SDK request signing against the shared vectors', () => {
  const secret = hex(vectors.keys['hmac-sha256'].secretHex).toString('base64');
  const seed = hex(vectors.keys.ed25519.seedHex);
  // The SDK accepts the Ed25519 private key as PKCS#8 PEM, JWK or base64 seed: all must sign alike.
  const pem = `-----BEGIN PRIVATE KEY-----\n${Buffer.concat([hex('302e020100300506032b657004220420'), seed]).toString('base64')}\n-----END PRIVATE KEY-----\n`;
  const jwk = JSON.stringify({
    kty: 'OKP',
    crv: 'Ed25519',
    d: seed.toString('base64url'),
    x: hex(vectors.keys.ed25519.publicKeyHex).toString('base64url'),
  });
  const plain = vectors.cases.filter((c) => !c.components && !c.label && c.expires === undefined);

  it('covers both algorithms', () => {
    expect(new Set(plain.map((c) => c.alg))).toEqual(new Set(['hmac-sha256', 'ed25519']));
  });

  for (const vector of plain) {
    const forms =
      vector.alg === 'hmac-sha256'
        ? { base64: secret, base64url: hex(vectors.keys['hmac-sha256'].secretHex).toString('base64url') }
        : { pem, jwk, seed: seed.toString('base64') };
    for (const [form, material] of Object.entries(forms)) {
      it(`${vector.name} (${form}) reproduces the vector's headers byte for byte`, async () => {
        const config: SigningKeyConfig =
          vector.alg === 'hmac-sha256'
            ? { keyId: vector.keyId, alg: 'hmac-sha256', secret: material }
            : { keyId: vector.keyId, alg: 'ed25519', privateKey: material };
        const { scheme, authority, path, query, method, body } = vector.request;
        const url = new URL(`${scheme}://${authority}${path}${query}`);
        const headers = await signatureHeaders(
          config,
          signingKeyBytes(config),
          method,
          url,
          body,
          vector.created * 1000,
          vector.nonce,
        );
        expect(headers).toEqual(vector.expected.headers);
        const verified = await verifyRequestSignature(
          {
            method,
            scheme,
            authority,
            path,
            query,
            headers: { ...headers },
            ...(body === undefined ? {} : { body: new TextEncoder().encode(body) }),
          },
          async () =>
            vector.alg === 'hmac-sha256'
              ? { alg: 'hmac-sha256', secret: hex(vectors.keys['hmac-sha256'].secretHex) }
              : { alg: 'ed25519', publicKey: hex(vectors.keys.ed25519.publicKeyHex) },
          { now: vector.verifyAt, maxSkewSeconds: 300 },
        );
        expect(verified.ok).toBe(true);
      });
    }
  }

  it('refuses unusable key material as a programmer error', () => {
    expect(
      () =>
        new MooringClient({
          apiUrl: 'http://x.test',
          signingKey: { keyId: 'k', alg: 'ed25519', privateKey: '{"kty":"RSA"}' },
        }),
    ).toThrow(TypeError);
    expect(
      () =>
        new MooringClient({
          apiUrl: 'http://x.test',
          signingKey: { keyId: 'k', alg: 'hmac-sha256', secret: '***' },
        }),
    ).toThrow(TypeError);
  });
});

describe.each(dialects())('SDK signed requests against the real server (%s)', (dialect) => {
  let s: SdkServer;
  let admin: Client;
  beforeAll(async () => {
    s = await startServer(dialect);
    admin = await s.admin();
  });
  afterAll(async () => s.close());

  /** Reads, a query, and writes with JSON bodies (POST and PATCH): everything a signature must cover. */
  const exercise = async (client: Client, name: string): Promise<void> => {
    expect(await client.auth.whoami()).toMatchObject({ actorType: 'user', username: 'admin' });
    const fleet = await client.fleets.create({ name, deviceType: 'generic-amd64', organization: 'admin' });
    await client.env.set({ fleet: fleet.id, name: 'A', value: '1' });
    await client.env.set({ fleet: fleet.id, name: 'A', value: "it's 2" });
    expect(await client.env.list({ fleet: fleet.id })).toMatchObject([{ name: 'A', value: "it's 2" }]);
    expect((await client.devices.list({ fleet: `admin/${name}` })).length).toBe(0);
  };

  it('hmac-sha256: a key created through the SDK signs every kind of request', async () => {
    const created = await admin.keys.create({
      name: 'hmac',
      expiryDate: null,
      signing: { alg: 'hmac-sha256' },
      requiresSignature: true,
    });
    expect(created).toMatchObject({
      signingAlg: 'hmac-sha256',
      requiresSignature: true,
      keyId: expect.any(String),
      signingSecret: expect.any(String),
    });
    expect((await admin.keys.list()).find((k) => k.id === created.id)).toMatchObject({
      requiresSignature: true,
      signingAlg: 'hmac-sha256',
    });
    const signer = s.client({
      signingKey: { keyId: created.keyId ?? '', alg: 'hmac-sha256', secret: created.signingSecret ?? '' },
    });
    await exercise(signer, 'signed-hmac');
    // The key requires signatures: its bearer form is refused.
    expect(await rejection(s.client({ apiKey: created.key }).auth.whoami())).toMatchObject({
      code: 'Unauthorized',
      status: 401,
    });
  });

  it('ed25519: the server holds only the public key; the SDK signs with the private key (PEM)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const created = await admin.keys.create({
      name: 'ed',
      expiryDate: null,
      signing: { alg: 'ed25519', publicKey: publicKey.export({ format: 'jwk' }).x ?? '' },
    });
    expect(created.signingSecret).toBeUndefined();
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const signer = s.client({ signingKey: { keyId: created.keyId ?? '', alg: 'ed25519', privateKey: pem } });
    await exercise(signer, 'signed-ed25519');
  });

  it('a wrong secret or a revoked key is Unauthorized; retries sign afresh (no nonce reuse)', async () => {
    const created = await admin.keys.create({
      name: 'wrong',
      expiryDate: null,
      signing: { alg: 'hmac-sha256' },
    });
    const wrong = s.client({
      signingKey: {
        keyId: created.keyId ?? '',
        alg: 'hmac-sha256',
        secret: Buffer.alloc(32, 7).toString('base64'),
      },
    });
    expect(await rejection(wrong.auth.whoami())).toMatchObject({ code: 'Unauthorized', status: 401 });
    const nonces: string[] = [];
    let calls = 0;
    const flaky = s.client({
      signingKey: { keyId: created.keyId ?? '', alg: 'hmac-sha256', secret: created.signingSecret ?? '' },
      retry: { retries: 1, minDelayMs: 1 },
      fetch: (input, init) => {
        nonces.push(
          /nonce="([^"]+)"/.exec(
            String(((init?.headers ?? {}) as Record<string, string>)['signature-input']),
          )?.[1] ?? '',
        );
        // The first attempt never reaches the server, like a dropped connection.
        return calls++ === 0 ? Promise.reject(new TypeError('socket hang up')) : fetch(input, init);
      },
    });
    expect(await flaky.auth.whoami()).toMatchObject({ username: 'admin' });
    expect(nonces).toHaveLength(2);
    expect(nonces[0]).not.toBe(nonces[1]);
    await admin.keys.revoke(created.id ?? 0);
    expect(await rejection(flaky.auth.whoami())).toMatchObject({ code: 'Unauthorized' });
  });
});

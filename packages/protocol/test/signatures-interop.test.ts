/**
 * Interoperability with the independent npm package `http-message-signatures` (dhensby, 1.0.x).
 * It is a pinned devDependency; the suite fails loudly if it is missing.
 * Its API is described by the minimal interface below rather than imported types, so the
 * test file type-checks without the package.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signatureBase } from '../src/signatures/components.js';
import { contentDigest } from '../src/signatures/digest.js';
import { signRequest, verifyRequestSignature } from '../src/signatures/profile.js';
import type { ReceivedRequest, SignatureAlgorithm } from '../src/signatures/types.js';
import { utf8 } from './load-vectors.js';
import { edPublic, edSeed, hmacSecret, SKEW, verificationKeyFor } from './mooring-vectors.js';

interface LibRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[]>;
}
type LibSign = (data: Buffer) => Promise<Buffer>;
type LibVerify = (data: Buffer, signature: Buffer, params?: unknown) => Promise<boolean | null>;
interface LibSigningKey {
  id?: string;
  alg?: string;
  sign: LibSign;
}
interface LibVerifyingKey {
  id?: string;
  algs?: string[];
  verify: LibVerify;
}
interface Httpbis {
  signMessage(
    config: {
      key: LibSigningKey;
      name?: string;
      fields: string[];
      params: string[];
      paramValues: { created?: Date; nonce?: string };
    },
    request: LibRequest,
  ): Promise<LibRequest>;
  verifyMessage(
    config: {
      keyLookup: (params: Record<string, unknown>) => Promise<LibVerifyingKey | null>;
      requiredFields?: string[];
      requiredParams?: string[];
    },
    request: LibRequest,
  ): Promise<boolean | null>;
  createSignatureBase(config: { fields: string[] }, request: LibRequest): [string, string[]][];
  formatSignatureBase(base: [string, string[]][]): string;
}
interface Lib {
  createSigner(key: Buffer | KeyObject, alg: string, id?: string): LibSigningKey;
  createVerifier(key: Buffer | KeyObject, alg: string): LibVerify;
  httpbis: Httpbis;
}

async function loadLib(): Promise<Lib | null> {
  const specifier = 'http-message-signatures';
  let mod: Record<string, unknown>;
  try {
    mod = (await import(/* @vite-ignore */ specifier)) as Record<string, unknown>;
  } catch {
    return null; // not installed
  }
  const root = { ...((mod.default as Record<string, unknown> | undefined) ?? {}), ...mod };
  const httpbis = root.httpbis ?? root.httpis ?? root.default;
  const lib = { ...root, httpbis } as unknown as Lib;
  if (typeof lib.createSigner !== 'function' || typeof lib.httpbis?.signMessage !== 'function') {
    throw new Error('http-message-signatures is installed but its API is not the expected 1.0.x API');
  }
  return lib;
}

const lib = await loadLib();
function need(): Lib {
  if (lib === null) throw new Error('http-message-signatures not installed');
  return lib;
}

const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), edSeed]);
const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), edPublic]);
const libKey = (alg: SignatureAlgorithm): Buffer | KeyObject =>
  alg === 'hmac-sha256'
    ? Buffer.from(hmacSecret)
    : createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
const libPublicKey = (alg: SignatureAlgorithm): Buffer | KeyObject =>
  alg === 'hmac-sha256'
    ? Buffer.from(hmacSecret)
    : createPublicKey({ key: spki, format: 'der', type: 'spki' });

interface Scenario {
  readonly alg: SignatureAlgorithm;
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}
const scenarios: Scenario[] = [
  {
    alg: 'hmac-sha256',
    method: 'GET',
    url: 'https://api.mooring.test/v7/device?$select=id,uuid&$top=5',
    headers: {},
  },
  {
    alg: 'ed25519',
    method: 'POST',
    url: 'http://mooring.local:8080/v7/device_tag',
    headers: { 'content-type': 'application/json' },
    body: '{"device":5,"tag_key":"room","value":"B12"}',
  },
];

/** Our view of a URL-addressed request: what a server reads from the request line and Host. */
function ours(s: Scenario, headers: Record<string, string | string[]>): ReceivedRequest {
  const url = new URL(s.url);
  return {
    method: s.method,
    scheme: url.protocol.slice(0, -1),
    authority: url.host,
    path: url.pathname,
    query: url.search,
    headers,
    ...(s.body === undefined ? {} : { body: utf8(s.body) }),
  };
}
const fieldsFor = (s: Scenario): string[] => [
  '@method',
  '@authority',
  '@path',
  ...(new URL(s.url).search ? ['@query'] : []),
  ...(s.body === undefined ? [] : ['content-digest']),
];

describe.each(scenarios)('interop with http-message-signatures: $alg $method', (s) => {
  it('both sides build the same signature base', async () => {
    const headers = { ...s.headers, ...(s.body ? { 'content-digest': await contentDigest(s.body) } : {}) };
    const libBase = need().httpbis.formatSignatureBase(
      need().httpbis.createSignatureBase({ fields: fieldsFor(s) }, { method: s.method, url: s.url, headers }),
    );
    const ourBase = signatureBase(fieldsFor(s), {}, ours(s, headers)).split('\n').slice(0, -1).join('\n');
    expect(ourBase).toBe(libBase);
  });

  it('we verify what the library signs', async () => {
    const headers = { ...s.headers, ...(s.body ? { 'content-digest': await contentDigest(s.body) } : {}) };
    const signed = await need().httpbis.signMessage(
      {
        key: need().createSigner(libKey(s.alg), s.alg, 'interop-key'),
        name: 'sig1',
        fields: fieldsFor(s),
        params: ['created', 'keyid', 'alg', 'nonce'],
        paramValues: { created: new Date(), nonce: 'interop-nonce-0001' },
      },
      { method: s.method, url: s.url, headers },
    );
    const r = await verifyRequestSignature(ours(s, signed.headers), async () => verificationKeyFor(s.alg), {
      now: Date.now(),
      ...SKEW,
    });
    expect(r).toMatchObject({ ok: true, keyId: 'interop-key', nonce: 'interop-nonce-0001', alg: s.alg });
  });

  it('the library verifies what we sign, and rejects it once tampered', async () => {
    const request = ours(s, s.headers);
    const signed = await signRequest(
      { ...request, ...(s.body === undefined ? {} : { body: s.body }) },
      { keyId: 'interop-key', alg: s.alg, key: s.alg === 'hmac-sha256' ? hmacSecret : edSeed },
    );
    const keyLookup = async (): Promise<LibVerifyingKey> => ({
      id: 'interop-key',
      algs: [s.alg],
      verify: need().createVerifier(libPublicKey(s.alg), s.alg),
    });
    const message = { method: s.method, url: s.url, headers: { ...s.headers, ...signed } };
    const config = { keyLookup, requiredFields: fieldsFor(s), requiredParams: ['created', 'keyid', 'nonce'] };
    expect(await need().httpbis.verifyMessage(config, message)).toBe(true);
    const tampered = { ...message, url: s.url.replace('/v7/', '/v6/') };
    expect(await need().httpbis.verifyMessage(config, tampered)).toBe(false);
  });
});

describe('interop dependency', () => {
  it('http-message-signatures (a pinned devDependency) is installed', () => {
    expect(lib).not.toBeNull();
  });
});

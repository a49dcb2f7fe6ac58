import type { ReceivedRequest, SignatureAlgorithm, VerificationKey } from '../src/signatures/types.js';
import { fromHex, loadVectors, utf8 } from './load-vectors.js';

export interface MooringCase {
  readonly name: string;
  readonly alg: SignatureAlgorithm;
  readonly keyId: string;
  readonly created: number;
  readonly expires?: number;
  readonly nonce: string;
  readonly label?: string;
  readonly components?: string[];
  readonly request: {
    method: string;
    scheme: string;
    authority: string;
    path: string;
    query: string;
    headers: Record<string, string>;
    body?: string;
  };
  readonly verifyAt: number;
  readonly expected: {
    signatureBase: string;
    headers: { 'signature-input': string; signature: string; 'content-digest'?: string };
  };
}

export interface MooringVectors {
  readonly keys: {
    readonly 'hmac-sha256': { secretHex: string };
    readonly ed25519: { seedHex: string; publicKeyHex: string };
  };
  readonly cases: readonly MooringCase[];
}

export const vectors = loadVectors<MooringVectors>('mooring-signatures.json');
export const hmacSecret = fromHex(vectors.keys['hmac-sha256'].secretHex);
export const edSeed = fromHex(vectors.keys.ed25519.seedHex);
export const edPublic = fromHex(vectors.keys.ed25519.publicKeyHex);

export function caseNamed(prefix: string): MooringCase {
  const found = vectors.cases.find((c) => c.name.startsWith(prefix));
  if (found === undefined) throw new Error(`no vector ${prefix}`);
  return found;
}

export function signingKeyFor(alg: SignatureAlgorithm): Uint8Array {
  return alg === 'hmac-sha256' ? hmacSecret : edSeed;
}

export function verificationKeyFor(alg: SignatureAlgorithm): VerificationKey {
  return alg === 'hmac-sha256' ? { alg, secret: hmacSecret } : { alg, publicKey: edPublic };
}

/** The request as a server receives it: the vector request plus the produced headers. */
export function received(c: MooringCase): ReceivedRequest {
  const { body, ...rest } = c.request;
  return {
    ...rest,
    headers: { ...c.request.headers, ...c.expected.headers },
    ...(body === undefined ? {} : { body: utf8(body) }),
  };
}

/** A resolver that knows every vector key id and records its calls. */
export function resolver(): {
  calls: [string, string | undefined][];
  resolve: (keyId: string, alg: SignatureAlgorithm | undefined) => Promise<VerificationKey | null>;
} {
  const calls: [string, string | undefined][] = [];
  return {
    calls,
    resolve: async (keyId, alg) => {
      calls.push([keyId, alg]);
      const c = vectors.cases.find((x) => x.keyId === keyId);
      return c === undefined ? null : verificationKeyFor(c.alg);
    },
  };
}

export const SKEW = { maxSkewSeconds: 300 } as const;

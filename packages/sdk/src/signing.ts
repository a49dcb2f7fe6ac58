import { base64Decode, type SignatureHeaders, signRequest } from '@mooring/protocol';

/** A signing key's client half: the HMAC secret, or the Ed25519 private key. */
export type SigningKeyConfig =
  | {
      readonly keyId: string;
      readonly alg: 'hmac-sha256' /** base64 or base64url, ≥ 32 bytes */;
      readonly secret: string;
    }
  | {
      readonly keyId: string;
      readonly alg: 'ed25519';
      /** PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), a JWK (JSON text with `d`), or a base64 32-byte seed. */
      readonly privateKey: string;
    };

function decodeBase64Any(text: string): Uint8Array | null {
  const normal = text.trim().replace(/-/g, '+').replace(/_/g, '/');
  return base64Decode(normal.padEnd(normal.length + ((4 - (normal.length % 4)) % 4), '='));
}

/** Key bytes as `signRequest` takes them; throws `TypeError` for unusable key material. */
export function signingKeyBytes(config: SigningKeyConfig): Uint8Array {
  if (config.alg === 'hmac-sha256') {
    const secret = decodeBase64Any(config.secret);
    if (!secret) throw new TypeError('signingKey.secret must be base64');
    return secret;
  }
  if (config.alg !== 'ed25519')
    throw new TypeError(`unsupported signing algorithm: ${String((config as { alg: unknown }).alg)}`);
  const text = config.privateKey.trim();
  if (text.startsWith('-----BEGIN PRIVATE KEY-----')) {
    const body = text.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, '').replace(/\s+/g, '');
    const der = base64Decode(body);
    if (!der) throw new TypeError('signingKey.privateKey: the PEM body is not base64');
    return der;
  }
  if (text.startsWith('{')) {
    let jwk: { kty?: unknown; crv?: unknown; d?: unknown };
    try {
      jwk = JSON.parse(text) as typeof jwk;
    } catch {
      throw new TypeError('signingKey.privateKey: not valid JWK JSON');
    }
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.d !== 'string') {
      throw new TypeError('signingKey.privateKey: expected an Ed25519 private JWK (kty OKP, crv Ed25519, d)');
    }
    const seed = decodeBase64Any(jwk.d);
    if (!seed) throw new TypeError('signingKey.privateKey: JWK "d" is not base64url');
    return seed;
  }
  const seed = decodeBase64Any(text);
  if (!seed) throw new TypeError('signingKey.privateKey must be a PKCS#8 PEM, a JWK or a base64 seed');
  return seed;
}

/** The RFC 9421 headers for one request, signed over exactly the URL and body that will be sent. */
export function signatureHeaders(
  config: SigningKeyConfig,
  key: Uint8Array,
  method: string,
  url: URL,
  body: string | undefined,
  nowMs: number,
  nonce?: string,
): Promise<SignatureHeaders> {
  return signRequest(
    {
      method,
      authority: url.host,
      path: url.pathname,
      query: url.search,
      headers: {},
      ...(body === undefined ? {} : { body }),
    },
    {
      keyId: config.keyId,
      alg: config.alg,
      key,
      created: Math.floor(nowMs / 1000),
      // Fixed only by the vector tests; otherwise 16 fresh random bytes per request.
      ...(nonce === undefined ? {} : { nonce }),
    },
  );
}

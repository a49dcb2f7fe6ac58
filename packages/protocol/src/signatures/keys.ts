/**
 * WebCrypto plumbing for hmac-sha256 and ed25519 (RFC 9421 §3.3.4, §3.3.6).
 */
import { timingSafeEqual, toBytes } from '../encoding.js';
import type { SigningKey, VerificationKey } from './types.js';

const subtle = (): SubtleCrypto => globalThis.crypto.subtle;

/** An HMAC key shorter than the hash output would be the weakest link of the MAC. */
export const MIN_HMAC_SECRET_BYTES = 32;

// DER prefixes that wrap a raw Ed25519 seed / public key (RFC 8410), so callers can pass raw bytes.
const PKCS8_ED25519_PREFIX = [
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];
const SPKI_ED25519_PREFIX = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];

function hasPrefix(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}

async function hmacKey(secret: Uint8Array | CryptoKey, usage: KeyUsage): Promise<CryptoKey> {
  if (!(secret instanceof Uint8Array)) return secret;
  if (secret.length < MIN_HMAC_SECRET_BYTES) {
    throw new TypeError(`HMAC secrets must be at least ${MIN_HMAC_SECRET_BYTES} bytes`);
  }
  return subtle().importKey('raw', toBytes(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [usage]);
}

async function ed25519PrivateKey(key: Uint8Array | CryptoKey): Promise<CryptoKey> {
  if (!(key instanceof Uint8Array)) return key;
  let der: Uint8Array;
  if (key.length === 32) der = new Uint8Array([...PKCS8_ED25519_PREFIX, ...key]);
  else if (key.length === 48 && hasPrefix(key, PKCS8_ED25519_PREFIX)) der = key;
  else throw new TypeError('Ed25519 private keys must be a 32-byte seed or a 48-byte PKCS#8 DER');
  return subtle().importKey('pkcs8', toBytes(der), { name: 'Ed25519' }, false, ['sign']);
}

async function ed25519PublicKey(key: Uint8Array | CryptoKey): Promise<CryptoKey> {
  if (!(key instanceof Uint8Array)) return key;
  if (key.length === 32)
    return subtle().importKey('raw', toBytes(key), { name: 'Ed25519' }, false, ['verify']);
  if (key.length === 44 && hasPrefix(key, SPKI_ED25519_PREFIX)) {
    return subtle().importKey('spki', toBytes(key), { name: 'Ed25519' }, false, ['verify']);
  }
  throw new TypeError('Ed25519 public keys must be 32 raw bytes or a 44-byte SPKI DER');
}

/** Signs the signature base bytes. */
export async function signBase(key: SigningKey, base: string): Promise<Uint8Array> {
  const data = toBytes(base);
  if (key.alg === 'hmac-sha256') {
    return new Uint8Array(await subtle().sign('HMAC', await hmacKey(key.secret, 'sign'), data));
  }
  if (key.alg === 'ed25519') {
    return new Uint8Array(await subtle().sign('Ed25519', await ed25519PrivateKey(key.privateKey), data));
  }
  throw new TypeError(`unsupported signature algorithm: ${String((key as { alg: unknown }).alg)}`);
}

/**
 * Verifies a signature over the base. For HMAC the expected MAC is recomputed and compared in
 * constant time by our own code, whatever the WebCrypto implementation does internally.
 * A native key that verifies synchronously gets its answer back synchronously (no promise on a
 * server's hot path); WebCrypto keys always give a promise.
 */
export function verifyBase(
  key: VerificationKey,
  base: string,
  signature: Uint8Array,
): boolean | Promise<boolean> {
  const data = toBytes(base);
  if ('verify' in key) return key.verify(data, signature);
  return verifyWithWebCrypto(key, data, signature);
}

async function verifyWithWebCrypto(
  key: Exclude<VerificationKey, { verify: unknown }>,
  data: Uint8Array<ArrayBuffer>,
  signature: Uint8Array,
): Promise<boolean> {
  if (key.alg === 'hmac-sha256') {
    if (!(key.secret instanceof Uint8Array) && !key.secret.usages.includes('sign')) {
      // A verify-only CryptoKey: WebCrypto's HMAC verify is itself a constant-time compare.
      return subtle().verify('HMAC', key.secret, toBytes(signature), data);
    }
    const expected = new Uint8Array(await subtle().sign('HMAC', await hmacKey(key.secret, 'sign'), data));
    return timingSafeEqual(expected, signature);
  }
  if (key.alg === 'ed25519') {
    if (signature.length !== 64) return false;
    return subtle().verify('Ed25519', await ed25519PublicKey(key.publicKey), toBytes(signature), data);
  }
  throw new TypeError(`unsupported signature algorithm: ${String((key as { alg: unknown }).alg)}`);
}

import {
  createHmac,
  createPrivateKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign as signBytes,
} from 'node:crypto';
import { openSecret, sealSecret } from '../signatures/secret-box.js';

/*
 * Standard Webhooks signatures (https://www.standardwebhooks.com, "Signature scheme"):
 * the signed content is `<webhook-id>.<webhook-timestamp>.<body>`;
 * - `v1,<base64 HMAC-SHA256>` keyed by the base64-decoded part of the `whsec_` secret (symmetric),
 * - `v1a,<base64 Ed25519 signature>` verifiable with the endpoint's published `whpk_` public key,
 * space-separated in `webhook-signature`. During a secret rotation's grace period both the new and
 * the previous secret sign (`v1,<new> v1,<old>`), so receivers can switch whenever they like.
 *
 * At rest both the HMAC secrets and the Ed25519 private key are sealed with AES-256-GCM under the
 * key derived from the master secret (signatures/secret-box.ts); the additional data binds each
 * ciphertext to its endpoint and purpose, so it cannot be copied onto another endpoint or column.
 */

export const SECRET_PREFIX = 'whsec_';
export const PUBLIC_KEY_PREFIX = 'whpk_';
/** 32 random bytes: the spec asks for 24 to 64. */
const SECRET_BYTES = 32;

/** The additional data of an endpoint's sealed values (never changes for an endpoint). */
const label = (publicId: string, purpose: 'whsec' | 'ed25519'): string => `webhook:${publicId}:${purpose}`;

export interface NewSecret {
  /** `whsec_<base64>`: shown to the caller once. */
  readonly secret: string;
  readonly sealed: string;
}

export function newSecret(encryptionKey: Uint8Array, publicId: string): NewSecret {
  const bytes = randomBytes(SECRET_BYTES);
  const sealed = sealSecret(encryptionKey, label(publicId, 'whsec'), bytes);
  const secret = `${SECRET_PREFIX}${bytes.toString('base64')}`;
  bytes.fill(0);
  return { secret, sealed };
}

export interface NewSigningKey {
  /** `whpk_<base64 of the 32-byte raw public key>`. */
  readonly publicKey: string;
  readonly sealed: string;
}

/** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410); the raw key follows. */
const SPKI_ED25519_PREFIX_LENGTH = 12;

export function newSigningKey(encryptionKey: Uint8Array, publicId: string): NewSigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  const sealed = sealSecret(encryptionKey, label(publicId, 'ed25519'), der);
  der.fill(0);
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519_PREFIX_LENGTH);
  return { publicKey: `${PUBLIC_KEY_PREFIX}${raw.toString('base64')}`, sealed };
}

/** The keys an endpoint signs with, opened from their sealed form. */
export interface EndpointKeys {
  /** Current secret first, then the previous one during a rotation's grace period. */
  readonly hmac: readonly Buffer[];
  readonly ed25519: KeyObject;
}

export interface SealedKeys {
  readonly publicId: string;
  readonly secret: string;
  readonly previousSecret: string | null;
  readonly signingKey: string;
}

/**
 * Opens an endpoint's sealed keys; null when one does not decrypt (a wrong MOORING_SECRET or a
 * tampered row: the delivery fails rather than sending unsigned).
 */
export function openKeys(encryptionKey: Uint8Array, sealed: SealedKeys): EndpointKeys | null {
  const current = openSecret(encryptionKey, label(sealed.publicId, 'whsec'), sealed.secret);
  if (!current) return null;
  const hmac = [Buffer.from(current)];
  if (sealed.previousSecret !== null) {
    const previous = openSecret(encryptionKey, label(sealed.publicId, 'whsec'), sealed.previousSecret);
    if (previous) hmac.push(Buffer.from(previous));
  }
  const der = openSecret(encryptionKey, label(sealed.publicId, 'ed25519'), sealed.signingKey);
  if (!der) return null;
  const ed25519 = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
  der.fill(0);
  return { hmac, ed25519 };
}

/** The `webhook-signature` header value for one message. */
export function signatureHeader(
  keys: EndpointKeys,
  messageId: string,
  timestampSeconds: number,
  body: string,
): string {
  const content = Buffer.from(`${messageId}.${timestampSeconds}.${body}`, 'utf8');
  const parts = keys.hmac.map((k) => `v1,${createHmac('sha256', k).update(content).digest('base64')}`);
  parts.push(`v1a,${signBytes(null, content, keys.ed25519).toString('base64')}`);
  return parts.join(' ');
}

import { randomBytes } from 'node:crypto';
import { AppError } from '../errors/app-error.js';
import { parseEd25519PublicKey } from './ed25519-public-key.js';
import { sealSecret } from './secret-box.js';

/** What a caller may ask for when creating or rotating a key (docs/signatures.md "Signing keys"). */
export interface SigningInput {
  readonly alg: 'hmac-sha256' | 'ed25519';
  /** Ed25519 only: base64url/base64 of the 32 raw bytes (JWK `x`), or a PEM SPKI. */
  readonly publicKey?: string;
}

/** Validated settings, before the key's public id is known. */
export interface SigningPlan {
  readonly alg: 'hmac-sha256' | 'ed25519';
  readonly publicKey: Uint8Array | undefined;
  readonly requiresSignature: boolean;
}

/** The api_key columns of a signing key. */
export interface SigningColumns {
  readonly signingAlg: string;
  readonly signingSecret: string | null;
  readonly signingPublicKey: string | null;
  readonly requiresSignature: boolean;
}

/** Shown once in the creation/rotation answer: the HMAC secret, or the Ed25519 key as stored. */
export interface SigningReveal {
  readonly alg: 'hmac-sha256' | 'ed25519';
  readonly secret?: string;
  readonly publicKey?: string;
}

/** HMAC secrets are 256 bits, as long as the SHA-256 output (RFC 2104 §3). */
const HMAC_SECRET_BYTES = 32;

/** Validates the request's signing settings; undefined when the key is not a signing key. */
export function planSigning(
  signing: SigningInput | null | undefined,
  requiresSignature: boolean | undefined,
): SigningPlan | undefined {
  if (signing === undefined || signing === null) {
    if (requiresSignature === true) {
      throw new AppError('validation', 'requiresSignature needs signing settings ({ "alg": … })');
    }
    return undefined;
  }
  if (signing.alg === 'hmac-sha256') {
    if (signing.publicKey !== undefined)
      throw new AppError('validation', 'hmac-sha256 keys take no publicKey: the server generates the secret');
    return { alg: 'hmac-sha256', publicKey: undefined, requiresSignature: requiresSignature ?? false };
  }
  if (signing.alg === 'ed25519') {
    if (signing.publicKey === undefined)
      throw new AppError('validation', 'ed25519 keys need publicKey (the server never holds a private key)');
    const publicKey = parseEd25519PublicKey(signing.publicKey);
    if (!publicKey) {
      throw new AppError(
        'validation',
        'publicKey is not a valid Ed25519 public key: expected 32 bytes in base64url (the JWK "x") or a PEM SPKI, on the curve and not of small order',
      );
    }
    return { alg: 'ed25519', publicKey, requiresSignature: requiresSignature ?? false };
  }
  throw new AppError('validation', 'signing.alg must be hmac-sha256 or ed25519');
}

/** Generates the HMAC secret (sealed for storage) once the key's public id is known. */
export function materializeSigning(
  encryptionKey: Uint8Array,
  publicId: string,
  plan: SigningPlan,
): { columns: SigningColumns; reveal: SigningReveal } {
  if (plan.alg === 'hmac-sha256') {
    const secret = randomBytes(HMAC_SECRET_BYTES);
    const columns: SigningColumns = {
      signingAlg: plan.alg,
      signingSecret: sealSecret(encryptionKey, publicId, secret),
      signingPublicKey: null,
      requiresSignature: plan.requiresSignature,
    };
    const reveal = { alg: plan.alg, secret: secret.toString('base64url') } as const;
    secret.fill(0);
    return { columns, reveal };
  }
  const publicKey = Buffer.from(plan.publicKey ?? new Uint8Array(0)).toString('base64url');
  return {
    columns: {
      signingAlg: plan.alg,
      signingSecret: null,
      signingPublicKey: publicKey,
      requiresSignature: plan.requiresSignature,
    },
    reveal: { alg: plan.alg, publicKey },
  };
}

/** Rotation keeps the mode: same algorithm and signature requirement; a new HMAC secret, the same Ed25519 key. */
export function carryOverSigning(row: {
  readonly signing_alg: string | null;
  readonly signing_public_key: string | null;
  readonly requires_signature: number;
}): SigningPlan | undefined {
  if (row.signing_alg === 'hmac-sha256') {
    return { alg: 'hmac-sha256', publicKey: undefined, requiresSignature: row.requires_signature === 1 };
  }
  if (row.signing_alg === 'ed25519' && row.signing_public_key !== null) {
    return {
      alg: 'ed25519',
      publicKey: new Uint8Array(Buffer.from(row.signing_public_key, 'base64url')),
      requiresSignature: row.requires_signature === 1,
    };
  }
  return undefined;
}

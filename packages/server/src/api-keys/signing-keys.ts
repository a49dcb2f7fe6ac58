import {
  createHmac,
  createPublicKey,
  createSecretKey,
  timingSafeEqual,
  verify as verifySignature,
} from 'node:crypto';
import type { VerificationKey } from '@mooring/protocol';
import type { CachedCredential, CredentialCache } from '../auth/credential-cache.js';
import type { AppContext } from '../context.js';
import { openSecret } from '../signatures/secret-box.js';
import type { SigningKeySource } from '../signatures/verifier.js';
import { findSigningKeyByPublicId } from './api-keys.repository.js';
import { liveKeyPrincipal } from './key-verifier.js';

const cacheId = (publicId: string): string => `g:${publicId}`;

/** DER prefix wrapping 32 raw Ed25519 public key bytes as an SPKI (RFC 8410). */
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * keyid → the key's principal and verification key. Decrypting an HMAC secret and importing a
 * WebCrypto key cost more than the signature check itself, so the result is cached in the
 * credential cache next to bearer keys: the same revocation (local clear + LISTEN/NOTIFY) and expiry
 * rules drop it. Unknown, revoked, expired, non-signing and undecryptable keys all resolve to null.
 */
export class SigningKeys implements SigningKeySource {
  constructor(
    private readonly ctx: AppContext,
    private readonly cache: CredentialCache,
  ) {}

  async resolve(publicId: string): Promise<CachedCredential | null> {
    const cached = this.cache.get(cacheId(publicId));
    if (cached) return cached;
    // Read before the lookup, as for bearer keys: a revocation noticed meanwhile keeps the result out.
    const since = this.cache.generation;
    const row = await findSigningKeyByPublicId(this.ctx.db, publicId);
    if (!row || row.signing_alg === null) return null;
    const base = liveKeyPrincipal(row, this.ctx.clock.now());
    const signingKey = await this.importKey(
      publicId,
      row.signing_alg,
      row.signing_secret,
      row.signing_public_key,
    );
    if (!base || !signingKey) return null;
    const credential: CachedCredential = {
      principal: { ...base, via: 'signature' },
      expiresAt: row.expiry_date,
      headerOnly: true,
      requiresSignature: row.requires_signature === 1,
      signingKey,
    };
    this.cache.set(cacheId(publicId), credential, since);
    return credential;
  }

  private async importKey(
    publicId: string,
    alg: string,
    sealed: string | null,
    publicKey: string | null,
  ): Promise<VerificationKey | null> {
    if (alg === 'hmac-sha256' && sealed !== null) {
      const secret = openSecret(this.ctx.keys.encryption, publicId, sealed);
      if (!secret) {
        this.ctx.log.error(
          { keyPublicId: publicId },
          'stored signing secret does not decrypt (wrong MOORING_SECRET?)',
        );
        return null;
      }
      // node:crypto rather than WebCrypto: synchronous, no thread-pool round trip per request. The
      // KeyObject keeps the secret in native memory; our copy is wiped.
      const keyObject = createSecretKey(secret);
      secret.fill(0);
      return {
        alg: 'hmac-sha256',
        verify: (data, signature) => {
          const mac = createHmac('sha256', keyObject).update(data).digest();
          return signature.length === mac.length && timingSafeEqual(mac, signature);
        },
      };
    }
    if (alg === 'ed25519' && publicKey !== null) {
      const raw = Buffer.from(publicKey, 'base64url');
      if (raw.length !== 32) return null;
      const keyObject = createPublicKey({
        key: Buffer.concat([SPKI_ED25519_PREFIX, raw]),
        format: 'der',
        type: 'spki',
      });
      // Unlike an HMAC (a few µs), an Ed25519 verification costs ~100–150 µs of CPU: with a callback,
      // node:crypto runs it on libuv's thread pool, so the event loop keeps serving other requests
      // meanwhile and verifications of concurrent requests use the other cores.
      return {
        alg: 'ed25519',
        verify: (data, signature) =>
          signature.length === 64 &&
          new Promise<boolean>((resolve, reject) => {
            verifySignature(null, data, keyObject, signature, (error, valid) =>
              error ? reject(error) : resolve(valid),
            );
          }),
      };
    }
    return null;
  }
}

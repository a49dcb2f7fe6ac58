import { hash, randomBytes } from 'node:crypto';
import type { VerificationKey } from '@mooring/protocol';
import type { Clock } from '../config/clock.js';
import type { Principal } from './principal.js';

export interface CachedCredential {
  readonly principal: Principal;
  /** Epoch ms after which the credential is invalid (key expiry or token exp); null = never. */
  readonly expiresAt: number | null;
  /** The key refuses the `?apikey=` form. */
  readonly headerOnly: boolean;
  /** The key is only accepted as an RFC 9421 signing key. */
  readonly requiresSignature: boolean;
  /** Decrypted/imported RFC 9421 key material (src/signatures), cached under `g:<public id>`. */
  readonly signingKey?: VerificationKey;
}

interface Entry extends CachedCredential {
  readonly cachedAt: number;
}

/**
 * Verified credentials, so the hot path costs one map lookup instead of a hash check and a query.
 * Correctness never depends on it: every revocation clears it on this instance at once and on the
 * others through the invalidation bus (PostgreSQL LISTEN/NOTIFY); the TTL is only a backstop for a
 * lost notification. Bounded in size; oldest entries go first.
 */
export class CredentialCache {
  private readonly entries = new Map<string, Entry>();
  /** Per-process salt of {@link digest}; never stored or sent. */
  private readonly salt = randomBytes(16).toString('hex');
  invalidations = 0;

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = 10_000,
    private readonly maxEntries = 50_000,
  ) {}

  get(id: string): CachedCredential | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    const now = this.clock.now();
    if (now - entry.cachedAt >= this.ttlMs || (entry.expiresAt !== null && entry.expiresAt <= now)) {
      this.entries.delete(id);
      return undefined;
    }
    return entry;
  }

  set(id: string, credential: CachedCredential): void {
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(id, { ...credential, cachedAt: this.clock.now() });
  }

  /**
   * The cache id of a presented secret: salted SHA-256, so a heap dump shows no usable key, at a
   * third of the cost of the stored HMAC (one-shot `crypto.hash`, no Hmac object per request).
   * Only a lookup key: an entry is created after the value matched its stored HMAC in the database.
   */
  digest(secret: string): string {
    return hash('sha256', this.salt + secret, 'base64');
  }

  clear(): void {
    this.entries.clear();
    this.invalidations++;
  }
}

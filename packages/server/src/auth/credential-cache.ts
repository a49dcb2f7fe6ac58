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
 *
 * Two rules keep a revoked credential out (DESIGN.md §4: refused everywhere within 1 s):
 * - a lookup fills the cache only if no invalidation arrived since it began ({@link generation}):
 *   a read from before a revocation must not be stored after the revocation's notice;
 * - with several instances the cache answers only under a lease from the bus
 *   ({@link requireLease}, {@link confirm}): while this instance cannot be sure it would have heard
 *   of a revocation (subscription lost, database silent) it neither answers nor fills (fail closed).
 */
export class CredentialCache {
  private readonly entries = new Map<string, Entry>();
  /** Per-process salt of {@link digest}; never stored or sent. */
  private readonly salt = randomBytes(16).toString('hex');
  invalidations = 0;
  /** Lookups answered from memory, and not (metrics: the hit ratio). */
  hits = 0;
  misses = 0;
  private currentGeneration = 0;
  /** Monotonic ms until which entries may answer; Infinity when one process is all there is. */
  private trustedUntil = Number.POSITIVE_INFINITY;
  /** False while the invalidation subscription is lost: no entry may be stored. */
  private subscribed = true;

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = 10_000,
    private readonly maxEntries = 50_000,
    /** Real elapsed time for leases (never the injectable wall clock, which tests freeze or jump). */
    private readonly monotonic: () => number = () => performance.now(),
  ) {}

  /** Changes on every invalidation; read it before a lookup and hand it to {@link set}. */
  get generation(): number {
    return this.currentGeneration;
  }

  get(id: string): CachedCredential | undefined {
    if (this.trustedUntil !== Number.POSITIVE_INFINITY && this.monotonic() >= this.trustedUntil) {
      this.misses++;
      return undefined;
    }
    const entry = this.entries.get(id);
    if (!entry) {
      this.misses++;
      return undefined;
    }
    const now = this.clock.now();
    if (now - entry.cachedAt >= this.ttlMs || (entry.expiresAt !== null && entry.expiresAt <= now)) {
      this.entries.delete(id);
      this.misses++;
      return undefined;
    }
    this.hits++;
    return entry;
  }

  /**
   * Stores a credential verified against the database. `since` is the {@link generation} read
   * before that lookup began: if an invalidation arrived meanwhile the row may predate it, and the
   * entry is dropped (the request that looked it up still gets its answer).
   */
  set(id: string, credential: CachedCredential, since = this.currentGeneration): void {
    if (since !== this.currentGeneration || !this.subscribed) return;
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

  /** Credentials held now. */
  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
    this.invalidations++;
    this.currentGeneration++;
  }

  /** Several instances share the database: answer only under a lease ({@link confirm}). */
  requireLease(): void {
    this.trustedUntil = Number.NEGATIVE_INFINITY;
  }

  /**
   * The bus lost its subscription: revocations may go unheard. Forget everything, and neither
   * answer nor store until {@link confirm}.
   */
  suspend(): void {
    this.subscribed = false;
    if (this.trustedUntil !== Number.POSITIVE_INFINITY) this.trustedUntil = Number.NEGATIVE_INFINITY;
    this.clear();
  }

  /**
   * The bus is subscribed and has applied every invalidation committed before the monotonic time
   * `heardAt`: entries may answer until `heardAt + leaseMs`.
   */
  confirm(heardAt: number, leaseMs: number): void {
    this.subscribed = true;
    if (this.trustedUntil === Number.POSITIVE_INFINITY) return;
    this.trustedUntil = Math.max(this.trustedUntil, heardAt + leaseMs);
  }

  /** Whether entries may answer now (for tests and metrics). */
  get trusted(): boolean {
    return this.subscribed && this.monotonic() < this.trustedUntil;
  }
}

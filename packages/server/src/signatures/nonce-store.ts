import { hash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Clock } from '../config/clock.js';
import type { Database } from '../db/database.js';
import { FingerprintTable } from './fingerprint-table.js';

/**
 * The outcome of claiming a nonce: first use, a replay, no room left to remember it (`full`, the
 * server's capacity), or no room left for this key while others still have theirs (`key_full`).
 */
export type NonceClaim = 'claimed' | 'replayed' | 'full' | 'key_full';

/**
 * Single-use nonces of signed requests (RFC 9421 §7.2.2 replay). A nonce is claimed only after its
 * signature verified, so unauthenticated traffic cannot fill the store, and kept until the end of
 * the signature's freshness window, after which the signature is refused anyway.
 */
export interface NonceStore {
  /** `claimed` the first time (keyId, nonce) is seen within its window; `replayed` for a repeat. */
  claim(keyId: string, nonce: string, expiresAt: number): NonceClaim | Promise<NonceClaim>;
  /** Deletes expired records; returns how many went. */
  sweep(): Promise<number>;
  close(): Promise<void>;
}

export interface MemoryNonceStoreOptions {
  /** Records held at most; beyond, claims are refused as `full`. */
  readonly maxEntries?: number;
  /** Length of a generation (ms). */
  readonly generationMs?: number;
  /**
   * Records one key may hold once the store is half full; default 5 % of `maxEntries`. Below half
   * full a key may use what it likes (a lone busy integration is not capped); above, a key holding
   * more than this share is refused as `key_full`, so the other keys always keep the rest.
   */
  readonly maxEntriesPerKey?: number;
  /** Called when a claim is refused as `full`, at most once per generation (for an operator warning). */
  readonly onFull?: (size: number) => void;
}

/** One slice of time's first claims, and the latest expiry among them. */
interface Generation {
  readonly startedAt: number;
  /**
   * Fingerprint of keyId + nonce → the last second of its window (a signature is accepted up to its
   * window end, inclusive).
   */
  readonly records: FingerprintTable;
  /**
   * Records per key id in this generation: one entry per key that signed, not per nonce, so the
   * memory per nonce stays the table's. Keys are copied flat on insertion (see claim).
   */
  readonly perKey: Map<string, number>;
  /** The latest of those, in seconds. */
  lastExpiry: number;
}

/**
 * One process (embedded SQLite): tables in memory, no database round trip on the hot path.
 *
 * Records are kept in generations, one per `generationMs` of claims. A generation is dropped whole
 * once its latest expiry has passed, so forgetting expired nonces is O(1) work on the event loop:
 * walking one big map to delete expired entries stalled it for ~40 ms per million records even when
 * nothing had expired, and ~350 ms when everything had (docs/benchmarks.md). A claim looks a nonce up
 * in the live generations (a signature window of 300 s spans about six of 60 s).
 *
 * A record is a 64-bit fingerprint of (keyId, nonce), not the strings: see FingerprintTable for
 * the memory this saves. The fingerprint is SHA-256 keyed with a random salt of this store, so a
 * client that can sign requests still cannot choose nonces that collide, nor pile them into one slot
 * (hash flooding). Two different nonces share a fingerprint only by chance: with 2,000,000 records
 * held, a fresh nonce is mistaken for a replay with probability 2 × 10^6 / 2^64 ≈ 10^-13.
 *
 * Bounded: when full even after dropping expired generations, new nonces are refused (fail closed,
 * reported as `full`, not as a replay) rather than old ones forgotten early. Fair: once the store is
 * half full, a key holding more than `maxEntriesPerKey` is refused (`key_full`) while the others go
 * on, so one tenant's key cannot fill the store and deny every other tenant's signed requests.
 */
export class MemoryNonceStore implements NonceStore {
  /** Oldest first; the last one takes new claims. */
  private generations: Generation[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly maxEntries: number;
  private readonly maxEntriesPerKey: number;
  private readonly generationMs: number;
  /** The generation in which `onFull` was last called. */
  private reportedFullIn: Generation | undefined;
  /** 32 random bytes: the key of the fingerprints, unknown outside this process. */
  private readonly salt = randomBytes(32).toString('base64');

  constructor(
    private readonly clock: Clock,
    private readonly options: MemoryNonceStoreOptions = {},
  ) {
    this.maxEntries = options.maxEntries ?? 2_000_000;
    this.maxEntriesPerKey = options.maxEntriesPerKey ?? Math.max(1, Math.floor(this.maxEntries / 20));
    this.generationMs = options.generationMs ?? 60_000;
    // Idle stores let go of expired generations too.
    this.timer = setInterval(() => void this.sweep(), this.generationMs);
    this.timer.unref();
  }

  claim(keyId: string, nonce: string, expiresAt: number): NonceClaim {
    // Whole seconds, rounded up (kept up to 1 s longer), to fit the table's 32-bit values; a NaN
    // stored there would read as 0, long expired, and let the nonce be replayed.
    const until = Math.ceil(expiresAt / 1000);
    if (!(until >= 0 && until <= 0xffff_ffff)) throw new TypeError('expiresAt out of range');
    // One-shot crypto.hash with a binary-string digest: ~0.35 µs, where createHash with an update
    // per part took ~1.7 µs and a Buffer digest ~0.9 µs. Neither a key id nor a nonce can contain
    // a newline (RFC 8941 strings are printable ASCII), so the separator keeps pairs apart.
    const digest = hash('sha256', `${this.salt}${keyId}\n${nonce}`, 'binary');
    const hi = uint32(digest, 0);
    const lo = uint32(digest, 4);
    const now = this.clock.now();
    for (const g of this.generations) {
      const recorded = g.records.get(hi, lo);
      if (recorded !== -1 && !expired(recorded, now)) return 'replayed';
    }
    this.dropExpired(now);
    let current = this.generations[this.generations.length - 1];
    const size = this.size;
    if (size >= this.maxEntries) {
      if (this.reportedFullIn !== current) {
        this.reportedFullIn = current;
        this.options.onFull?.(size);
      }
      return 'full';
    }
    // Counted only under pressure: below half full the loop is not worth its few map lookups.
    if (size * 2 >= this.maxEntries && this.heldBy(keyId) >= this.maxEntriesPerKey) return 'key_full';
    if (current === undefined || now - current.startedAt >= this.generationMs) {
      current = generation(now);
      this.generations.push(current);
    }
    const held = current.perKey.get(keyId);
    // A key id sliced from its Signature-Input header would keep the whole header alive as a map
    // key: the first record of a key in a generation stores a flat copy.
    if (held === undefined) current.perKey.set(Buffer.from(keyId, 'latin1').toString('latin1'), 1);
    else current.perKey.set(keyId, held + 1);
    current.records.set(hi, lo, until); // may replace an expired record of the same nonce
    if (until > current.lastExpiry) current.lastExpiry = until;
    return 'claimed';
  }

  /** Records `keyId` holds, expired ones of a live generation included. */
  heldBy(keyId: string): number {
    let held = 0;
    for (const g of this.generations) held += g.perKey.get(keyId) ?? 0;
    return held;
  }

  /** Records held, expired ones of a live generation included (a handful of generations to add up). */
  get size(): number {
    let size = 0;
    for (const g of this.generations) size += g.records.size;
    return size;
  }

  async sweep(): Promise<number> {
    return this.dropExpired(this.clock.now());
  }

  /** Drops every generation whose records have all expired (oldest first; a claim opens a new one). */
  private dropExpired(now: number): number {
    let removed = 0;
    for (
      let oldest = this.generations[0];
      oldest && expired(oldest.lastExpiry, now);
      oldest = this.generations[0]
    ) {
      removed += oldest.records.size;
      this.generations.shift();
    }
    return removed;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
  }
}

/** Whether a window ending in second `until` is over at `now` (ms): it includes its last instant. */
const expired = (until: number, now: number): boolean => until * 1000 < now;

const generation = (startedAt: number): Generation => ({
  startedAt,
  records: new FingerprintTable(),
  perKey: new Map(),
  lastExpiry: Number.NEGATIVE_INFINITY,
});

/** Bytes `at`…`at + 3` of a binary (latin1) string, big-endian. */
const uint32 = (s: string, at: number): number =>
  ((s.charCodeAt(at) << 24) |
    (s.charCodeAt(at + 1) << 16) |
    (s.charCodeAt(at + 2) << 8) |
    s.charCodeAt(at + 3)) >>>
  0;

const SWEEP_INTERVAL_MS = 60_000;

/**
 * Several instances (PostgreSQL): the `signature_nonce` table is the one place all of them agree
 * on. The primary key makes the claim atomic; an expired record is taken over by the same statement.
 */
export class SharedNonceStore implements NonceStore {
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {
    this.timer = setInterval(() => void this.sweep().catch(() => undefined), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  async claim(keyId: string, nonce: string, expiresAt: number): Promise<NonceClaim> {
    const now = this.clock.now();
    const result = await sql`
      INSERT INTO signature_nonce (key_id, nonce, expires_at) VALUES (${keyId}, ${nonce}, ${expiresAt})
      ON CONFLICT (key_id, nonce) DO UPDATE SET expires_at = excluded.expires_at
      WHERE signature_nonce.expires_at < ${now}`.execute(this.db.kysely);
    return Number(result.numAffectedRows ?? 0) === 1 ? 'claimed' : 'replayed';
  }

  async sweep(): Promise<number> {
    const result = await this.db.kysely
      .deleteFrom('signature_nonce')
      .where('expires_at', '<', this.clock.now())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
  }
}

export function createNonceStore(
  db: Database,
  clock: Clock,
  memory: MemoryNonceStoreOptions = {},
): NonceStore {
  return db.dialect === 'postgres' ? new SharedNonceStore(db, clock) : new MemoryNonceStore(clock, memory);
}

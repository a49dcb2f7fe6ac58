import { sql } from 'kysely';
import type { Clock } from '../config/clock.js';
import type { Database } from '../db/database.js';

/** The outcome of claiming a nonce: first use, a replay, or no room left to remember it. */
export type NonceClaim = 'claimed' | 'replayed' | 'full';

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
  /** Called when a claim is refused as `full`, at most once per generation (for an operator warning). */
  readonly onFull?: (size: number) => void;
}

/** One slice of time's first claims, and the latest expiry among them. */
interface Generation {
  readonly startedAt: number;
  /** keyId + nonce → the last second of its window (a signature is accepted up to its window end, inclusive). */
  readonly records: Map<string, number>;
  /** The latest of those, in seconds. */
  lastExpiry: number;
}

/**
 * One process (embedded SQLite): maps in memory, no database round trip on the hot path.
 *
 * Records are kept in generations, one per `generationMs` of claims. A generation is dropped whole
 * once its latest expiry has passed, so forgetting expired nonces is O(1) work on the event loop:
 * walking one big map to delete expired entries stalled it for ~40 ms per million records even when
 * nothing had expired, and ~350 ms when everything had (docs/benchmarks.md). A claim looks a nonce up
 * in the live generations (a signature window of 300 s spans about six of 60 s).
 *
 * Bounded: when full even after dropping expired generations, new nonces are refused (fail closed,
 * reported as `full`, not as a replay) rather than old ones forgotten early.
 */
export class MemoryNonceStore implements NonceStore {
  /** Oldest first; the last one takes new claims. */
  private generations: Generation[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly maxEntries: number;
  private readonly generationMs: number;
  /** The generation in which `onFull` was last called. */
  private reportedFullIn: Generation | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly options: MemoryNonceStoreOptions = {},
  ) {
    this.maxEntries = options.maxEntries ?? 1_000_000;
    this.generationMs = options.generationMs ?? 60_000;
    // Idle stores let go of expired generations too.
    this.timer = setInterval(() => void this.sweep(), this.generationMs);
    this.timer.unref();
  }

  claim(keyId: string, nonce: string, expiresAt: number): NonceClaim {
    const id = `${keyId}\n${nonce}`;
    const now = this.clock.now();
    for (const g of this.generations) {
      const until = g.records.get(id);
      if (until !== undefined && !expired(until, now)) return 'replayed';
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
    if (current === undefined || now - current.startedAt >= this.generationMs) {
      current = generation(now);
      this.generations.push(current);
    }
    // Whole seconds, rounded up (kept up to 1 s longer): a small integer is stored in the map's
    // slot itself, where milliseconds since 1970 would each be a separate heap number.
    const until = Math.ceil(expiresAt / 1000);
    current.records.set(id, until); // may replace an expired record of the same nonce
    if (until > current.lastExpiry) current.lastExpiry = until;
    return 'claimed';
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
  records: new Map(),
  lastExpiry: Number.NEGATIVE_INFINITY,
});

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

import { sql } from 'kysely';
import type { Clock } from '../config/clock.js';
import type { Database } from '../db/database.js';

/**
 * Single-use nonces of signed requests (RFC 9421 §7.2.2 replay). A nonce is claimed only after its
 * signature verified, so unauthenticated traffic cannot fill the store, and kept until the end of
 * the signature's freshness window, after which the signature is refused anyway.
 */
export interface NonceStore {
  /** True the first time (keyId, nonce) is seen within its window; false for a replay. */
  claim(keyId: string, nonce: string, expiresAt: number): boolean | Promise<boolean>;
  /** Deletes expired records; returns how many went. */
  sweep(): Promise<number>;
  close(): Promise<void>;
}

const SWEEP_INTERVAL_MS = 60_000;

/**
 * One process (embedded SQLite): a Map, no database round trip on the hot path. Bounded: when full
 * even after a sweep, new nonces are refused (fail closed) rather than old ones forgotten early.
 */
export class MemoryNonceStore implements NonceStore {
  private readonly seen = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly clock: Clock,
    private readonly maxEntries = 1_000_000,
  ) {
    this.timer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  claim(keyId: string, nonce: string, expiresAt: number): boolean {
    const id = `${keyId}\n${nonce}`;
    const now = this.clock.now();
    const until = this.seen.get(id);
    if (until !== undefined && until > now) return false;
    if (this.seen.size >= this.maxEntries) {
      this.sweepNow(now);
      if (this.seen.size >= this.maxEntries) return false;
    }
    this.seen.set(id, expiresAt);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  async sweep(): Promise<number> {
    return this.sweepNow(this.clock.now());
  }

  private sweepNow(now: number): number {
    let removed = 0;
    for (const [id, until] of this.seen) {
      if (until <= now) {
        this.seen.delete(id);
        removed++;
      }
    }
    return removed;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
  }
}

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

  async claim(keyId: string, nonce: string, expiresAt: number): Promise<boolean> {
    const now = this.clock.now();
    const result = await sql`
      INSERT INTO signature_nonce (key_id, nonce, expires_at) VALUES (${keyId}, ${nonce}, ${expiresAt})
      ON CONFLICT (key_id, nonce) DO UPDATE SET expires_at = excluded.expires_at
      WHERE signature_nonce.expires_at <= ${now}`.execute(this.db.kysely);
    return Number(result.numAffectedRows ?? 0) === 1;
  }

  async sweep(): Promise<number> {
    const result = await this.db.kysely
      .deleteFrom('signature_nonce')
      .where('expires_at', '<=', this.clock.now())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
  }
}

export function createNonceStore(db: Database, clock: Clock): NonceStore {
  return db.dialect === 'postgres' ? new SharedNonceStore(db, clock) : new MemoryNonceStore(clock);
}

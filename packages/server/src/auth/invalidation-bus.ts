import type pg from 'pg';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';

const CHANNEL = 'mooring_credentials';

/**
 * Tells every instance to drop cached credentials after a revocation. On SQLite (one process) it
 * is a local call; on PostgreSQL it also NOTIFYs a channel every instance LISTENs on, so a key revoked
 * through one instance is refused by the others within milliseconds.
 */
export class InvalidationBus {
  private listener: pg.PoolClient | undefined;
  private closed = false;

  constructor(
    private readonly db: Database,
    private readonly onInvalidate: () => void,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    if (!this.db.pool || this.closed) return;
    try {
      const client = await this.db.pool.connect();
      client.on('notification', () => this.onInvalidate());
      client.on('error', (error) => {
        this.log.warn({ err: error }, 'credential invalidation listener lost; reconnecting');
        this.listener = undefined;
        client.release(true);
        this.onInvalidate();
        setTimeout(() => void this.start(), 500).unref();
      });
      await client.query(`LISTEN ${CHANNEL}`);
      this.listener = client;
    } catch (error) {
      this.log.warn({ err: error }, 'cannot listen for credential invalidations; retrying');
      setTimeout(() => void this.start(), 1000).unref();
    }
  }

  /** Drops cached credentials here and, on PostgreSQL, on every other instance. */
  async publish(): Promise<void> {
    this.onInvalidate();
    if (this.db.pool) await this.db.pool.query('SELECT pg_notify($1, $2)', [CHANNEL, 'all']);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.listener) {
      const client = this.listener;
      this.listener = undefined;
      await client.query(`UNLISTEN ${CHANNEL}`).catch(() => undefined);
      client.release();
    }
  }
}

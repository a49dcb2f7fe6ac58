import type pg from 'pg';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import type { CredentialCache } from './credential-cache.js';

const CHANNEL = 'mooring_credentials';

/** DESIGN.md §4: a revoked credential is refused on every instance within 1 s. */
const LEASE_MS = 1000;
/** Each ping that answers renews the lease; four per lease survive a slow one or two. */
const PING_INTERVAL_MS = 250;
/** A ping (or the subscription itself) unanswered this long: the connection is dead, replace it. */
const SILENCE_LIMIT_MS = 3000;
const RETRY_MIN_MS = 100;
/** Retries back off to this: the cache is bypassed until one succeeds, so not for long. */
const RETRY_MAX_MS = 2000;

// The counter row (migration 0007) is bumped and announced in one statement: NOTIFY is delivered at
// commit, so a listener never hears of a generation it cannot read.
const BUMP = `WITH bumped AS (UPDATE credential_invalidation SET generation = generation + 1 WHERE id = 1 RETURNING generation) SELECT pg_notify('${CHANNEL}', generation::text) FROM bumped`;
const READ = 'SELECT generation FROM credential_invalidation WHERE id = 1';

/**
 * Tells every instance to drop cached credentials after a revocation. On SQLite (one process) it is
 * a local call. On PostgreSQL every revocation also bumps a counter row and NOTIFYs a channel that
 * each instance LISTENs on over a connection of its own, so a key revoked through one instance is
 * refused by the others within milliseconds.
 *
 * The cache only answers under a lease this bus renews (fail closed, issue 22): a ping every 250 ms
 * reads the counter over the listening connection, proving the subscription alive and catching up
 * on any invalidation whose notice was lost. When the connection fails, the cache is suspended at
 * once; when it is silent, the lease runs out within a second. Either way requests go to the
 * database until the bus has resubscribed and caught up.
 */
export class InvalidationBus {
  private client: pg.Client | undefined;
  private closed = false;
  /** Highest counter value read and applied; a higher one means invalidations were missed. */
  private heard = 0;
  private pingSentAt: number | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs = RETRY_MIN_MS;
  private lostAt: number | undefined;
  /** Subscriptions established, the first included (tests, metrics). */
  subscriptions = 0;

  constructor(
    private readonly db: Database,
    private readonly cache: CredentialCache,
    private readonly log: Logger,
    private readonly monotonic: () => number = () => performance.now(),
  ) {
    if (db.createClient) cache.requireLease();
  }

  async start(): Promise<void> {
    if (!this.db.createClient || this.closed) return;
    await this.subscribe();
    this.pingTimer = setInterval(() => this.ping(), PING_INTERVAL_MS).unref();
  }

  /** Drops cached credentials here and, on PostgreSQL, on every other instance. */
  async publish(): Promise<void> {
    this.cache.clear();
    if (this.db.pool) await this.db.pool.query(BUMP);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.pingTimer);
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    if (client) await endClient(client);
  }

  /** Whether the listening connection is up and has caught up (tests, readiness). */
  get listening(): boolean {
    return this.client !== undefined;
  }

  /** Never rejects: every failure suspends the cache and schedules another attempt. */
  private async subscribe(): Promise<void> {
    const createClient = this.db.createClient;
    if (!createClient || this.closed) return;
    const client = createClient();
    let lost = false;
    const onLost = (error?: unknown): void => {
      if (lost) return;
      lost = true;
      clearTimeout(deadline);
      if (this.client === client) this.client = undefined;
      this.cache.suspend();
      abandon(client);
      if (this.closed) return;
      if (this.lostAt === undefined) {
        this.lostAt = this.monotonic();
        this.log.warn(
          { err: error },
          'credential invalidations unheard: credential cache bypassed until resubscribed',
        );
      }
      this.scheduleRetry();
    };
    // A connection that cannot even subscribe in time is as good as lost.
    const deadline = setTimeout(() => onLost(new Error('subscription timed out')), SILENCE_LIMIT_MS);
    client.on('error', onLost);
    client.on('end', () => onLost(new Error('listening connection ended')));
    client.on('notification', (message) => {
      if (message.channel === CHANNEL) this.cache.clear();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      // From here every commit is either notified or visible to the read below.
      const askedAt = this.monotonic();
      const generation = await readGeneration(client);
      if (lost || this.closed) {
        if (this.closed) await endClient(client);
        return;
      }
      clearTimeout(deadline);
      this.client = client;
      this.pingSentAt = undefined;
      this.catchUp(generation, askedAt);
      this.subscriptions++;
      this.retryMs = RETRY_MIN_MS;
      if (this.lostAt !== undefined) {
        this.log.info(
          { unheardMs: Math.round(this.monotonic() - this.lostAt) },
          'credential invalidations heard again',
        );
        this.lostAt = undefined;
      }
    } catch (error) {
      onLost(error);
    }
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== undefined || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.subscribe();
    }, this.retryMs).unref();
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
  }

  /** Renews the lease, or gives up on a connection that stopped answering. */
  private ping(): void {
    const client = this.client;
    if (!client || this.closed) return;
    const now = this.monotonic();
    if (this.pingSentAt !== undefined) {
      // The 'error'/'end' this causes takes the lost path.
      if (now - this.pingSentAt > SILENCE_LIMIT_MS) abandon(client);
      return;
    }
    this.pingSentAt = now;
    readGeneration(client).then(
      (generation) => {
        if (this.client !== client) return;
        this.pingSentAt = undefined;
        this.catchUp(generation, now);
      },
      // A broken connection also emits 'error'; a failed query on a live one waits for the limit.
      () => undefined,
    );
  }

  /**
   * Every invalidation committed before `askedAt` is now applied: a counter above the last one read
   * means a notice was missed (sent while unsubscribed), so the cache is cleared first.
   */
  private catchUp(generation: number, askedAt: number): void {
    if (generation !== this.heard) {
      if (this.heard !== 0 && generation > this.heard) {
        this.log.info({ missed: generation - this.heard }, 'caught up on missed credential invalidations');
      }
      this.cache.clear();
      this.heard = generation;
    }
    this.cache.confirm(askedAt, LEASE_MS);
  }
}

async function readGeneration(client: pg.Client): Promise<number> {
  const result = await client.query<{ generation: number | string }>(READ);
  const value = Number(result.rows[0]?.generation);
  if (!Number.isSafeInteger(value)) throw new Error('credential_invalidation has no counter row');
  return value;
}

/** Closes the socket at once: `end()` waits for a server that may be frozen. */
function abandon(client: pg.Client): void {
  const stream = (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream;
  stream?.destroy();
}

/** A polite goodbye, bounded: a frozen server does not hold up shutdown. */
async function endClient(client: pg.Client): Promise<void> {
  const timer = setTimeout(() => abandon(client), 1000);
  try {
    await client.end();
  } catch {
    abandon(client);
  } finally {
    clearTimeout(timer);
  }
}

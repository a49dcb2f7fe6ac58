import pg from 'pg';
import type { Database } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import type { Plan } from './plan-cache.js';
import type { CallerTier } from './query-cost.js';
import type { ArrayRow } from './row-mapper.js';
import {
  answerSize,
  deadlineFor,
  type ReaderResult,
  ReadStopped,
  SqliteReader,
  type Within,
} from './sqlite-reader.js';

/** Time limits of guarded reads, per lane (config: MOORING_ODATA_*_TIMEOUT_MS). */
export interface ReadGuardOptions {
  readonly userTimeoutMs: number;
  readonly anonymousTimeoutMs: number;
}

type LaneName = 'low' | 'user';

/**
 * A counting semaphore with a bounded, time-limited FIFO queue: a caller either gets a permit or,
 * when the queue is full or its wait is over, `false` at once; nobody waits unboundedly.
 */
export class Semaphore {
  private active = 0;
  private readonly queue: { grant: (ok: boolean) => void; timer: NodeJS.Timeout }[] = [];

  constructor(
    readonly permits: number,
    readonly maxQueue: number,
    readonly maxWaitMs: number,
  ) {}

  acquire(): Promise<boolean> {
    if (this.active < this.permits) {
      this.active++;
      return Promise.resolve(true);
    }
    if (this.queue.length >= this.maxQueue) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const waiter = {
        grant: resolve,
        timer: setTimeout(() => {
          this.queue.splice(this.queue.indexOf(waiter), 1);
          resolve(false);
        }, this.maxWaitMs),
      };
      this.queue.push(waiter);
    });
  }

  release(): void {
    const next = this.queue.shift();
    if (next) {
      // The permit passes straight to the next waiter.
      clearTimeout(next.timer);
      next.grant(true);
    } else {
      this.active--;
    }
  }

  get inUse(): number {
    return this.active;
  }
}

/**
 * Largest answer of a guarded read (about, in bytes): parsing and serializing it is main-thread
 * work. The whole default catalogue with its expansions is ~50 kB; a user's dear read may be large.
 */
export const MAX_ANSWER_BYTES: Readonly<Record<LaneName, number>> = { low: 2 << 20, user: 32 << 20 };

interface Lane {
  readonly gate: Semaphore;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  /** SQLite: the lane's own worker thread (null for an in-memory database). */
  readonly reader: SqliteReader | null;
}

/**
 * Runs the reads {@link ../read-planner.ts} marks as guarded (anonymous, device keys, or a high
 * estimated cost) under three bounds (docs/threat-model.md, "What a query may cost"):
 * - a time limit: PostgreSQL's `SET LOCAL statement_timeout` in the read's own read-only
 *   transaction; on SQLite the deadline function compiled into guarded plans;
 * - off the event loop on SQLite: each lane has its own worker thread and read-only connection;
 * - a share of concurrency per lane: anonymous and device callers ("low") get at most a quarter of
 *   the PostgreSQL pool (one SQLite worker), users' expensive reads half of it (another worker). A
 *   read waits briefly for its lane, then gets 503 with `Retry-After`.
 * The inline path (everything else, e.g. a device status read) is untouched.
 */
export class ReadGuard {
  private readonly lanes: Record<LaneName, Lane>;
  private readonly within: Within | null;

  constructor(
    private readonly db: Database,
    options: ReadGuardOptions,
  ) {
    const sqlite = db.sqlite;
    this.within = sqlite ? deadlineFor(sqlite) : null;
    // An in-memory database cannot be opened a second time: its guarded reads run inline.
    const file = sqlite && !sqlite.memory && sqlite.name !== '' ? sqlite.name : null;
    const poolSize = db.pool?.options.max ?? 10;
    const lane = (
      name: LaneName,
      share: number,
      maxWaitMs: number,
      timeoutMs: number,
      nice: number,
    ): Lane => {
      const permits = sqlite ? 1 : Math.max(1, Math.floor(poolSize * share));
      return {
        gate: new Semaphore(permits, permits * 4, maxWaitMs),
        timeoutMs,
        maxBytes: MAX_ANSWER_BYTES[name],
        reader: file ? new SqliteReader(file, nice) : null,
      };
    };
    this.lanes = {
      low: lane('low', 1 / 4, 1000, options.anonymousTimeoutMs, 19),
      user: lane('user', 1 / 2, 5000, options.userTimeoutMs, 10),
    };
  }

  /**
   * Runs a read plan guarded: its JSON text (wrapped SQLite plans, unless `rows`) or its array rows.
   */
  async run(plan: Plan, values: unknown[], tier: CallerTier, rows = false): Promise<ReaderResult> {
    const lane = this.lanes[tier === 'user' ? 'user' : 'low'];
    if (!(await lane.gate.acquire())) {
      throw new AppError('query_timeout', 'Too many expensive OData reads at once; retry shortly', {
        retryAfter: 1,
      });
    }
    try {
      return await this.execute(lane, plan, values, rows);
    } catch (error) {
      if (error instanceof ReadStopped && error.reason === 'timeout') throw timedOut(lane.timeoutMs);
      if (error instanceof ReadStopped && error.reason === 'too-large') throw tooLarge(lane.maxBytes);
      throw error;
    } finally {
      lane.gate.release();
    }
  }

  async close(): Promise<void> {
    await this.lanes.low.reader?.close();
    await this.lanes.user.reader?.close();
  }

  private execute(
    lane: Lane,
    plan: Plan,
    values: unknown[],
    rows: boolean,
  ): Promise<ReaderResult> | ReaderResult {
    if (this.db.pool) return pgRead(this.db.pool, plan, values, lane);
    const json = rows ? undefined : plan.jsonStatement;
    if (lane.reader) return lane.reader.read(json?.source ?? plan.sql, values, json !== undefined, lane);
    const within = this.within as Within;
    let result: ReaderResult;
    try {
      result = within(lane.timeoutMs, () =>
        json
          ? { json: json.get(...values) as string }
          : { rows: (plan.statement as NonNullable<Plan['statement']>).all(...values) as ArrayRow[] },
      );
    } catch (error) {
      throw error instanceof Error && error.message === 'mooring: read deadline'
        ? new ReadStopped('timeout')
        : error;
    }
    const size = 'json' in result ? result.json.length : answerSize(result.rows);
    if (size > lane.maxBytes) throw new ReadStopped('too-large');
    return result;
  }
}

function tooLarge(bytes: number): AppError {
  return new AppError(
    'query_too_expensive',
    `OData answer larger than ${bytes >> 20} MB: narrow it with $filter, $select or $top`,
  );
}

function timedOut(ms: number): AppError {
  return new AppError('query_timeout', `OData read stopped after its time limit of ${ms} ms`, {
    retryAfter: 5,
  });
}

/**
 * json/jsonb columns (the aggregated expansions) stay text, so an answer's size is known before the
 * main thread parses it; the row serializer and mapper accept either form.
 */
const JSON_AS_TEXT = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 114 || oid === 3802
      ? (text: string) => text
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

/** SQLSTATE query_canceled: what `statement_timeout` raises. */
const QUERY_CANCELED = '57014';

/**
 * One read in its own read-only transaction whose `SET LOCAL statement_timeout` ends with it, so the
 * pooled connection goes back with its settings untouched. One round trip more than a plain pooled
 * query (BEGIN and SET travel together), paid only by guarded reads.
 *
 * The statement is wrapped so that PostgreSQL measures the answer (the text size of its rows) and
 * sends it only within the lane's size cap: an oversized answer never crosses the wire to be parsed
 * on the event loop. Every row carries that size and its position: `[size, position, …columns]`;
 * an empty answer is one row with size 0.
 */
async function pgRead(pool: pg.Pool, plan: Plan, values: unknown[], lane: Lane): Promise<ReaderResult> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    // Integers from the validated configuration, never request input.
    await client.query(`BEGIN READ ONLY; SET LOCAL statement_timeout = ${Math.trunc(lane.timeoutMs)}`);
    const result = await client.query({
      name: `${plan.name}_g${lane.maxBytes}`,
      text:
        `WITH q AS MATERIALIZED (SELECT row_number() OVER () AS mooring_at, x.* FROM (${plan.sql}) x), ` +
        's AS (SELECT coalesce(sum(octet_length(q::text)), 0) AS size FROM q) ' +
        `SELECT s.size, q.* FROM s LEFT JOIN q ON s.size <= ${Math.trunc(lane.maxBytes)} ORDER BY q.mooring_at`,
      values,
      rowMode: 'array',
      types: JSON_AS_TEXT,
    });
    await client.query('COMMIT');
    const rows = result.rows as unknown[][];
    const size = Number(rows[0]?.[0] ?? 0);
    if (size > lane.maxBytes) throw new ReadStopped('too-large');
    return { rows: size === 0 ? [] : rows.map((row) => row.slice(2)) };
  } catch (error) {
    await client.query('ROLLBACK').catch((rollback: Error) => {
      broken = rollback;
    });
    if ((error as { code?: unknown }).code === QUERY_CANCELED) throw new ReadStopped('timeout');
    throw error;
  } finally {
    client.release(broken);
  }
}

import { Socket } from 'node:net';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { DB } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

/** The database handle passed to every repository function as its first argument. */
export interface Database {
  readonly kysely: Kysely<DB>;
  readonly dialect: DialectName;
  /** The raw better-sqlite3 handle (SQLite only). */
  readonly sqlite: SQLite.Database | undefined;
  /**
   * SQLite only: the prepared statements shared with Kysely ({@link StatementCache}); hot paths run
   * theirs synchronously through it. Statements from here are never switched to raw/pluck mode.
   */
  readonly statements: StatementCache | undefined;
  /** The pg pool (PostgreSQL only): named prepared statements and plain queries. */
  readonly pool: pg.Pool | undefined;
  /**
   * PostgreSQL only: a connection of its own, outside the pool, with the pool's settings (LISTEN).
   * Returned unconnected: attach an 'error' listener before `connect()`, and end it when done.
   */
  readonly createClient: (() => pg.Client) | undefined;
  /**
   * Whether the database answers a trivial query now, within the connection and statement timeouts
   * (readiness checks). Never throws.
   */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export type DatabaseOptions =
  | { readonly dialect: 'sqlite'; readonly file: string }
  | {
      readonly dialect: 'postgres';
      readonly connectionString: string;
      /** Isolates tests: every connection sets this search_path. */
      readonly schema?: string;
      readonly maxConnections?: number;
      readonly timeouts?: Partial<DatabaseTimeouts>;
      /** Told about connection errors nobody was waiting on (an idle pooled client's backend died). */
      readonly onConnectionError?: (error: Error) => void;
    };

/** PostgreSQL time limits (config: MOORING_DATABASE_*_TIMEOUT_MS); each trip answers 503. */
export interface DatabaseTimeouts {
  /** Establishing one connection (TCP, TLS, authentication). */
  readonly connectMs: number;
  /** Waiting for a pooled connection, including establishing a new one. */
  readonly acquireMs: number;
  /**
   * Any statement: PostgreSQL's `statement_timeout` on every connection, and a client-side guard
   * {@link STALL_GRACE_MS} later for a server that cannot even cancel (frozen, partitioned).
   */
  readonly statementMs: number;
}

/**
 * Runs `work` in one transaction, with a `Database` whose queries belong to it (repository functions
 * take it as their first argument like any other).
 */
export async function inTransaction<T>(db: Database, work: (trx: Database) => Promise<T>): Promise<T> {
  return db.kysely.transaction().execute((trx) => work({ ...db, kysely: trx }));
}

export const DEFAULT_TIMEOUTS: DatabaseTimeouts = Object.freeze({
  connectMs: 5000,
  acquireMs: 5000,
  statementMs: 10_000,
});

/** How long after its own statement_timeout a silent server is given up on (the cancel's round trip). */
export const STALL_GRACE_MS = 1000;

// int8 (COUNT(*), bigint epoch-ms timestamps) arrives as a string by default; our values fit in a double.
pg.types.setTypeParser(20, (value) => Number.parseInt(value, 10));

export function openDatabase(options: DatabaseOptions): Database {
  if (options.dialect === 'sqlite') {
    const sqlite = new SQLite(options.file);
    // WAL: readers never block the writer; synchronous=NORMAL in WAL mode survives a process crash
    // (kill -9) without losing a committed transaction; only an OS crash/power loss could.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    // OData startswith/contains compile to LIKE, which must be case-sensitive as on PostgreSQL.
    sqlite.pragma('case_sensitive_like = ON');
    const statements = new StatementCache(sqlite);
    const kysely = new Kysely<DB>({ dialect: new SqliteDialect({ database: statements }) });
    return {
      kysely,
      dialect: 'sqlite',
      sqlite,
      statements,
      pool: undefined,
      createClient: undefined,
      ping: async () => {
        try {
          sqlite.prepare('SELECT 1').get();
          return true;
        } catch {
          return false;
        }
      },
      close: () => kysely.destroy(),
    };
  }
  return openPostgres(options);
}

function openPostgres(options: Extract<DatabaseOptions, { dialect: 'postgres' }>): Database {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const onConnectionError = options.onConnectionError ?? (() => undefined);
  const connection: pg.ClientConfig = {
    connectionString: options.connectionString,
    connectionTimeoutMillis: timeouts.connectMs,
    // Enforced by the server: it cancels the statement (57014) and the connection stays usable.
    statement_timeout: timeouts.statementMs,
    // Dead peers (a crashed host, a dropped NAT entry) surface as errors instead of silence.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  };
  const pool = new pg.Pool({
    ...connection,
    application_name: 'mooring',
    max: options.maxConnections ?? 10,
    // pg-pool bounds the wait for a free client with this, and the connection it opens for a waiter.
    connectionTimeoutMillis: Math.min(timeouts.acquireMs, timeouts.connectMs),
  });
  // An idle client whose backend goes away (a database restart, pg_terminate_backend) is dropped
  // by the pool, which then emits 'error': without a listener that is an uncaught exception and
  // the process dies. The next request simply gets a fresh connection.
  pool.on('error', onConnectionError);
  pool.on('connect', (client) => {
    // A client's 'error' while it is checked out between two queries (inside a transaction) has no
    // pool listener either. The holder learns of it from its next query; the pool drops the client
    // on release because it is no longer queryable.
    client.on('error', () => undefined);
  });
  // The client-side guard: a checked-out connection on which the server stays silent longer than
  // any statement may run is abandoned, so a frozen server (SIGSTOP, a partition) turns into
  // errors (→ 503) instead of requests hanging until TCP gives up, minutes later.
  const stallMs = timeouts.statementMs + STALL_GRACE_MS;
  pool.on('acquire', (client) => armStallGuard(client, stallMs));
  pool.on('release', (_error, client) => armStallGuard(client, 0));
  const kysely = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    kysely,
    dialect: 'postgres',
    sqlite: undefined,
    statements: undefined,
    pool,
    createClient: () => new pg.Client({ ...connection, application_name: 'mooring-listener' }),
    ping: async () => {
      try {
        await pool.query('SELECT 1');
        return true;
      } catch {
        return false;
      }
    },
    close: () => kysely.destroy(),
  };
}

/** Error of a connection abandoned by the stall guard (mapped to 503 by db/errors.ts). */
export class DatabaseStalled extends Error {
  override readonly name = 'DatabaseStalled';
  readonly code = 'ETIMEDOUT';
  constructor(ms: number) {
    super(`the database sent nothing for ${ms} ms; connection abandoned`);
  }
}

/**
 * Node's socket inactivity timer: reset by every byte either way, so it measures silence, not the
 * length of a result. Armed while a pooled client is checked out, disarmed (0) when it comes back.
 */
function armStallGuard(client: pg.PoolClient, ms: number): void {
  const socket = (client as unknown as { connection?: { stream?: Socket } }).connection?.stream;
  if (!(socket instanceof Socket)) return;
  if (ms === 0) {
    socket.setTimeout(0);
    return;
  }
  socket.setTimeout(ms);
  if (socket.listenerCount('timeout') === 0) {
    // Destroying with an error fails the query in flight (and any queued behind it) with that
    // error, marks the client unqueryable and lets the pool discard it on release.
    socket.on('timeout', () => socket.destroy(new DatabaseStalled(ms)));
  }
}

/**
 * What Kysely's SqliteDialect gets instead of the bare better-sqlite3 handle: the same database,
 * with its prepared statements kept. Kysely calls `prepare` on every execution, and preparing costs
 * more than running a small indexed query (the key lookup after a cache miss, the usage and heartbeat
 * flushes, every admin query). Bounded: the least recently used statement goes first. Reusing one
 * is safe here because Kysely runs one query at a time on this single connection and better-sqlite3
 * resets a statement after each run; SQLite re-prepares it by itself after a schema change.
 */
export class StatementCache {
  private readonly statements = new Map<string, SQLite.Statement>();
  /** Statements prepared because they were not kept (for tests). */
  misses = 0;

  constructor(
    private readonly sqlite: SQLite.Database,
    private readonly max = 500,
  ) {}

  prepare(text: string): SQLite.Statement {
    let statement = this.statements.get(text);
    if (statement) {
      // Most recently used last, so the first key is the one to drop.
      this.statements.delete(text);
      this.statements.set(text, statement);
      return statement;
    }
    this.misses++;
    statement = this.sqlite.prepare(text);
    if (this.statements.size >= this.max) {
      const oldest = this.statements.keys().next().value;
      if (oldest !== undefined) this.statements.delete(oldest);
    }
    this.statements.set(text, statement);
    return statement;
  }

  get size(): number {
    return this.statements.size;
  }

  close(): void {
    this.sqlite.close();
  }
}

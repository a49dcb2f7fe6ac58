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
  /** The pg pool (PostgreSQL only): used for LISTEN/NOTIFY and named prepared statements. */
  readonly pool: pg.Pool | undefined;
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
    };

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
      close: () => kysely.destroy(),
    };
  }
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  });
  const kysely = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    kysely,
    dialect: 'postgres',
    sqlite: undefined,
    statements: undefined,
    pool,
    close: () => kysely.destroy(),
  };
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

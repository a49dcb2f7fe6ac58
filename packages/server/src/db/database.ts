import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { DB } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

/** The database handle passed to every repository function as its first argument. */
export interface Database {
  readonly kysely: Kysely<DB>;
  readonly dialect: DialectName;
  /** The raw better-sqlite3 handle (SQLite only): hot paths use cached prepared statements. */
  readonly sqlite: SQLite.Database | undefined;
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
    const kysely = new Kysely<DB>({ dialect: new SqliteDialect({ database: sqlite }) });
    return {
      kysely,
      dialect: 'sqlite',
      sqlite,
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
    pool,
    close: () => kysely.destroy(),
  };
}

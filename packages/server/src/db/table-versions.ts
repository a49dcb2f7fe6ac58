import { randomInt } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import { sql } from 'kysely';
import type { Database } from './database.js';

/*
 * The change counters behind the ETags of `/v7` reads (docs/caching.md). Migration 0012 creates
 * `table_version` and the triggers; `trackTable` (migrations/support.ts) adds a table. Here: reading
 * the counters of a set of tables, the epoch, folding PostgreSQL's per-backend rows, and the check
 * that every table is tracked.
 */

/** The row whose value changes on every start (and so after every restore and migration). */
export const EPOCH_ROW = '(epoch)';

/** The application's tables (not Kysely's bookkeeping, not SQLite's own, not `table_version`). */
export async function applicationTables(db: Database): Promise<string[]> {
  const rows =
    db.dialect === 'postgres'
      ? await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables
          WHERE table_schema = current_schema() AND table_type IN ('BASE TABLE', 'VIEW')`.execute(db.kysely)
      : await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type IN ('table', 'view')`.execute(
          db.kysely,
        );
  return rows.rows
    .map((r) => r.name)
    .filter((name) => name !== 'table_version' && !name.startsWith('kysely_') && !name.startsWith('sqlite_'))
    .sort();
}

/**
 * Tables whose changes would not move a tag: no counter row, or not every trigger. Empty when every
 * migration called `trackTable`.
 */
export async function untrackedTables(db: Database): Promise<string[]> {
  const counted = new Set(
    (await sql<{ name: string }>`SELECT DISTINCT name FROM table_version`.execute(db.kysely)).rows.map(
      (r) => r.name,
    ),
  );
  const triggers = new Set(
    (db.dialect === 'postgres'
      ? await sql<{ name: string }>`SELECT t.tgname AS name FROM pg_trigger t
          JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = current_schema() AND NOT t.tgisinternal AND t.tgenabled <> 'D'`.execute(db.kysely)
      : await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'trigger'`.execute(db.kysely)
    ).rows.map((r) => r.name),
  );
  const needed = (table: string): string[] =>
    db.dialect === 'postgres'
      ? [`${table}_version`]
      : ['insert', 'update', 'delete'].map((event) => `${table}_version_${event}`);
  return (await applicationTables(db)).filter(
    (table) => !counted.has(table) || needed(table).some((name) => !triggers.has(name)),
  );
}

/** Tables with a counter (what a tag may rely on). */
export async function trackedTables(db: Database): Promise<Set<string>> {
  const untracked = new Set(await untrackedTables(db));
  return new Set((await applicationTables(db)).filter((table) => !untracked.has(table)));
}

/** A new epoch: tags issued before this call never match again (start-up, after a restore). */
export async function renewEpoch(db: Database): Promise<void> {
  await sql`UPDATE table_version SET version = ${randomInt(2 ** 47)} WHERE name = ${EPOCH_ROW} AND backend = 0`.execute(
    db.kysely,
  );
}

/**
 * PostgreSQL: adds the rows of backends that have ended into backend 0, keeping every table's sum.
 * Rows of live backends, and rows another transaction holds, are left for a later fold, so this
 * never waits for a writer (and so can never deadlock with one).
 */
export async function foldTableVersions(db: Database): Promise<number> {
  if (db.dialect !== 'postgres') return 0;
  const result = await sql`WITH moved AS (
      DELETE FROM table_version WHERE (name, backend) IN (
        SELECT name, backend FROM table_version
        WHERE backend <> 0 AND backend NOT IN (SELECT pid FROM pg_stat_activity WHERE pid IS NOT NULL)
        FOR UPDATE SKIP LOCKED)
      RETURNING name, version),
    total AS (SELECT name, sum(version) AS version FROM moved GROUP BY name)
    INSERT INTO table_version (name, backend, version) SELECT name, 0, version FROM total
    ON CONFLICT (name, backend) DO UPDATE SET version = table_version.version + excluded.version`.execute(
    db.kysely,
  );
  return Number(result.numAffectedRows ?? 0);
}

const pgCounters = (list: string): string =>
  `SELECT string_agg(name || '=' || v, ',' ORDER BY name) AS s FROM (SELECT name, sum(version) AS v FROM table_version WHERE name IN (${list}) GROUP BY name) t`;

/**
 * Reads the epoch and the counters of one set of tables as one string (`name=version,…`). Made once
 * per set.
 *
 * SQLite: the read is synchronous, and skipped while nothing could have moved a counter. Counters
 * only move through writes to `table_version` (its triggers, the epoch, a fold). On this connection
 * every such row counts in `total_changes()` (trigger writes included; a rolled-back write counts
 * too, which only costs a re-read); a commit by any other connection (`mooring admin`, another
 * process on the file) moves `PRAGMA data_version`. Both unchanged since the last read → the same
 * string, for a fraction of a table read.
 */
export class TableVersionReader {
  private readonly sqlite:
    | { readonly counters: Statement; readonly changes: Statement; readonly dataVersion: Statement }
    | undefined;
  private readonly names: string[];
  private readonly pgText: string;
  private last: { changes: unknown; dataVersion: unknown; versions: string } | undefined;

  constructor(
    private readonly db: Database,
    tables: readonly string[],
  ) {
    this.names = [EPOCH_ROW, ...tables];
    const list = this.names.map((_, i) => (db.dialect === 'postgres' ? `$${i + 1}` : '?')).join(', ');
    const sqlite = db.sqlite;
    this.sqlite = sqlite && {
      counters: sqlite
        .prepare(
          `SELECT group_concat(name || '=' || version, ',') FROM (SELECT name, version FROM table_version WHERE name IN (${list}) AND backend = 0 ORDER BY name)`,
        )
        .pluck(true),
      changes: sqlite.prepare('SELECT total_changes()').pluck(true),
      dataVersion: sqlite.prepare('PRAGMA data_version').pluck(true),
    };
    this.pgText = pgCounters(list);
  }

  /**
   * PostgreSQL: the counters as one value of another statement, whose own parameters end before
   * `$firstParam`. Read in the data's statement, they come from the data's snapshot and cost no
   * round trip of their own.
   */
  column(firstParam: number): { readonly sql: string; readonly params: readonly string[] } {
    const list = this.names.map((_, i) => `$${firstParam + i}`).join(', ');
    return { sql: `(${pgCounters(list)})`, params: this.names };
  }

  read(): string | Promise<string> {
    const sqlite = this.sqlite;
    if (sqlite) {
      const changes = sqlite.changes.get();
      const dataVersion = sqlite.dataVersion.get();
      const last = this.last;
      if (last && last.changes === changes && last.dataVersion === dataVersion) return last.versions;
      const versions = sqlite.counters.get(...this.names) as string;
      this.last = { changes, dataVersion, versions };
      return versions;
    }
    const pool = this.db.pool;
    if (!pool) throw new Error('no database connection');
    return pool.query<{ s: string }>(this.pgText, this.names).then((r) => r.rows[0]?.s ?? '');
  }
}

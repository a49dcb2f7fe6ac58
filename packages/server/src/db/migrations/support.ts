import { type ColumnDefinitionBuilder, type Kysely, PostgresAdapter, sql } from 'kysely';

/*
 * Helpers for migrations only. Migrations are frozen in time: they never import application code,
 * so that a later change to the app cannot rewrite history.
 */

// biome-ignore lint/suspicious/noExplicitAny: migrations operate on the untyped schema of their time.
export type AnyDb = Kysely<any>;

export function isPostgres(db: AnyDb): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** `id` primary key: `integer … autoincrement` on SQLite, an identity column on PostgreSQL. */
export function idType(db: AnyDb): 'integer' | 'serial' {
  return isPostgres(db) ? 'serial' : 'integer';
}

export function idColumn(db: AnyDb) {
  return (col: ColumnDefinitionBuilder): ColumnDefinitionBuilder =>
    isPostgres(db) ? col.primaryKey() : col.primaryKey().autoIncrement();
}

/** Epoch milliseconds exceed 32 bits. */
export const millis = 'bigint' as const;

export function flagCheck(column: string) {
  return sql`${sql.ref(column)} in (0, 1)`;
}

/** The row of `table_version` whose value changes on every start, migration and restore (db/table-versions.ts). */
export const EPOCH_ROW = '(epoch)';

/**
 * Makes `table` part of the read tags (docs/caching.md): a per-table change counter in
 * `table_version`, moved by triggers on every INSERT, UPDATE, DELETE (and TRUNCATE) of the table.
 * Every migration that creates a table must call it (test/odata/collection-etag.test.ts fails for an
 * untracked one); until then reads of that table carry no ETag.
 *
 * SQLite: row-level triggers bump the table's one row (a single writer, so no contention).
 * PostgreSQL: a statement-level trigger adds 1 to a row per table and backend (`pg_backend_pid()`), so
 * concurrent writers never wait for each other; readers sum the rows (db/table-versions.ts folds the
 * rows of ended backends into backend 0).
 */
export async function trackTable(db: AnyDb, table: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`not a table name: ${table}`);
  await sql`INSERT INTO table_version (name, backend, version) VALUES (${table}, 0, 0)`.execute(db);
  if (isPostgres(db)) {
    await sql
      .raw(
        `CREATE TRIGGER "${table}_version" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "${table}" ` +
          'FOR EACH STATEMENT EXECUTE FUNCTION mooring_table_changed()',
      )
      .execute(db);
    return;
  }
  for (const event of ['insert', 'update', 'delete']) {
    await sql
      .raw(
        `CREATE TRIGGER "${table}_version_${event}" AFTER ${event.toUpperCase()} ON "${table}" ` +
          `BEGIN UPDATE table_version SET version = version + 1 WHERE name = '${table}' AND backend = 0; END`,
      )
      .execute(db);
  }
}

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

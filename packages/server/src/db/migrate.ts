import { Migrator, sql } from 'kysely';
import type { Database } from './database.js';
import { migrationProvider } from './migrations/index.js';

/**
 * Brings the schema up to date. Kysely's migrator takes a lock (a table row on SQLite, an advisory
 * lock on PostgreSQL), so several instances starting at once migrate exactly once.
 */
export async function migrateToLatest(db: Database): Promise<string[]> {
  // Kysely looks for its own tables across every schema unless told which: with several schemas in
  // one database (tests, or shared clusters) it would find another schema's lock table and skip
  // creating its own ("relation kysely_migration_lock does not exist").
  const migrationTableSchema =
    db.dialect === 'postgres'
      ? (await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(db.kysely)).rows[0]?.schema
      : undefined;
  const migrator = new Migrator({
    db: db.kysely,
    provider: migrationProvider,
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

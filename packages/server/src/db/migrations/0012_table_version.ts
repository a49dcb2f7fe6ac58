import { randomInt } from 'node:crypto';
import { sql } from 'kysely';
import { type AnyDb, EPOCH_ROW, isPostgres, trackTable } from './support.js';

/**
 * Per-table change counters for the ETags of `/v7` reads (docs/caching.md): `table_version` holds a
 * counter per table (on PostgreSQL per table and backend, summed on read) moved by triggers, and one
 * epoch row that changes on every start and migration, so a restored database never repeats a tag.
 * Every table existing now is tracked here; later migrations call `trackTable` for theirs.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('table_version')
    .addColumn('name', 'varchar(63)', (c) => c.notNull())
    .addColumn('backend', 'integer', (c) => c.notNull())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('table_version_pkey', ['name', 'backend'])
    .execute();
  await sql`INSERT INTO table_version (name, backend, version) VALUES (${EPOCH_ROW}, 0, ${randomInt(2 ** 47)})`.execute(
    db,
  );
  if (isPostgres(db)) {
    await sql`CREATE FUNCTION mooring_table_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO table_version (name, backend, version) VALUES (TG_TABLE_NAME, pg_backend_pid(), 1)
        ON CONFLICT (name, backend) DO UPDATE SET version = table_version.version + 1;
        RETURN NULL;
      END $$`.execute(db);
  }
  for (const table of await tablesNow(db)) await trackTable(db, table);
}

export async function down(db: AnyDb): Promise<void> {
  for (const table of await tablesNow(db)) {
    if (isPostgres(db)) await sql.raw(`DROP TRIGGER IF EXISTS "${table}_version" ON "${table}"`).execute(db);
    else {
      for (const event of ['insert', 'update', 'delete'])
        await sql.raw(`DROP TRIGGER IF EXISTS "${table}_version_${event}"`).execute(db);
    }
  }
  if (isPostgres(db)) await sql`DROP FUNCTION IF EXISTS mooring_table_changed()`.execute(db);
  await db.schema.dropTable('table_version').execute();
}

/** The application's tables at this point of the history (not Kysely's, not SQLite's own). */
async function tablesNow(db: AnyDb): Promise<string[]> {
  const rows = isPostgres(db)
    ? await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables
        WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`.execute(db)
    : await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table'`.execute(db);
  return rows.rows
    .map((r) => r.name)
    .filter((name) => name !== 'table_version' && !name.startsWith('kysely_') && !name.startsWith('sqlite_'))
    .sort();
}

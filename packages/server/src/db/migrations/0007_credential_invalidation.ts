import { sql } from 'kysely';
import type { AnyDb } from './support.js';

/**
 * One counter row, bumped (and NOTIFY'd) by every credential invalidation on PostgreSQL. An instance
 * that lost its LISTEN connection compares the counter with the last value it read when it
 * resubscribes, and on every ping, so an invalidation sent while it was not listening is never
 * missed (issue 22). Unused on SQLite, where one process hears every invalidation directly.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('credential_invalidation')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('generation', 'bigint', (c) => c.notNull())
    .addCheckConstraint('credential_invalidation_one_row', sql`id = 1`)
    .execute();
  await db.insertInto('credential_invalidation').values({ id: 1, generation: 0 }).execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('credential_invalidation').execute();
}

import type { AnyDb } from './support.js';

/*
 * Requests per API key per UTC day (issue 23, "per-key usage"). Written by the usage tracker's flush
 * as additive upserts (`requests = requests + n`), so every instance adds its own counts without
 * coordination; rows older than 90 days are pruned by the same flush. `day` is the UTC date as
 * `YYYY-MM-DD`: it sorts as text and reads the same on both dialects. Deleting a key deletes its rows.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('api_key_usage')
    .addColumn('api_key', 'integer', (c) => c.notNull().references('api_key.id').onDelete('cascade'))
    .addColumn('day', 'varchar(10)', (c) => c.notNull())
    .addColumn('requests', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('api_key_usage_pkey', ['api_key', 'day'])
    .execute();
  // Retention deletes by day across all keys.
  await db.schema.createIndex('api_key_usage_day_idx').on('api_key_usage').column('day').execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('api_key_usage').execute();
}

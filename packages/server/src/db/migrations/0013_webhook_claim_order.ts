import type { AnyDb } from './support.js';

/*
 * Claims walk the due deliveries in their claim order (`next_attempt_at, id`) and stop after the free
 * slots. With only `(status, next_attempt_at)` PostgreSQL could not read that order from the index:
 * it anti-joined and sorted the whole backlog on every claim (62 ms for 30,000 pending deliveries,
 * 0.2 ms with this index). SQLite already ended every index with the rowid (`id`); the same index
 * there keeps the schemas alike.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createIndex('webhook_delivery_claim_idx')
    .on('webhook_delivery')
    .columns(['status', 'next_attempt_at', 'id'])
    .execute();
  await db.schema.dropIndex('webhook_delivery_due_idx').execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema
    .createIndex('webhook_delivery_due_idx')
    .on('webhook_delivery')
    .columns(['status', 'next_attempt_at'])
    .execute();
  await db.schema.dropIndex('webhook_delivery_claim_idx').execute();
}

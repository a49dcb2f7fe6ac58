import { sql } from 'kysely';
import { type AnyDb, flagCheck, idColumn, idType, isPostgres, millis } from './support.js';

/*
 * Webhooks (issue 20, docs/events.md "Webhooks"): delivery is a consumer of the event log.
 *
 * - `webhook_endpoint`: an organization's receiver. `event_cursor` is the last event_log id already
 *   turned into deliveries for it; instances advance it with a compare-and-swap, so each event is
 *   queued once per endpoint. Secrets and the Ed25519 private key are sealed (AES-256-GCM under the
 *   key derived from the master secret, additional data bound to `public_id`); `public_key` is the
 *   published `whpk_` verification key. `previous_secret` signs too until
 *   `previous_secret_expires_at` (rotation grace). `failing_since`: first failure since the last
 *   success (five days of it disable the endpoint).
 * - `webhook_delivery`: one message to one endpoint. `message_id` is the `webhook-id` header, the
 *   same for every attempt. The body is frozen when queued, so retries send the same bytes even after
 *   the event is pruned. An attempt is claimed by setting `lease_owner`/`lease_until` with a guarded
 *   UPDATE (on PostgreSQL over rows picked `FOR UPDATE SKIP LOCKED`): one attempt at a time per
 *   delivery across instances, and a crashed instance's lease simply runs out. `device` is the
 *   ordering key: a device's delivery is not attempted while an earlier one of the same device to
 *   the same endpoint is still pending.
 * - `webhook_attempt`: the delivery log (time, status, latency, first 1 KiB of the answer).
 */
export async function up(db: AnyDb): Promise<void> {
  const pg = isPostgres(db);
  const bigId = pg ? 'bigserial' : 'integer';
  await db.schema
    .createTable('webhook_endpoint')
    .addColumn('id', idType(db), idColumn(db))
    .addColumn('public_id', 'varchar(40)', (c) => c.notNull().unique())
    .addColumn('organization', 'integer', (c) =>
      c.notNull().references('organization.id').onDelete('cascade'),
    )
    .addColumn('url', 'varchar(2048)', (c) => c.notNull())
    .addColumn('description', 'varchar(500)')
    .addColumn('event_types', 'text')
    .addColumn('fleet_ids', 'text')
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1).check(flagCheck('enabled')))
    .addColumn('disabled_reason', 'varchar(32)')
    .addColumn('disabled_at', millis)
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('previous_secret', 'text')
    .addColumn('previous_secret_expires_at', millis)
    .addColumn('signing_key', 'text', (c) => c.notNull())
    .addColumn('public_key', 'varchar(64)', (c) => c.notNull())
    .addColumn('event_cursor', 'bigint', (c) => c.notNull())
    .addColumn('failing_since', millis)
    .addColumn('created_by__actor', 'integer')
    .addColumn('created_at', millis, (c) => c.notNull())
    .addColumn('modified_at', millis, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('webhook_endpoint_org_idx')
    .on('webhook_endpoint')
    .columns(['organization', 'id'])
    .execute();

  await db.schema
    .createTable('webhook_delivery')
    .addColumn('id', bigId, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('endpoint', 'integer', (c) =>
      c.notNull().references('webhook_endpoint.id').onDelete('cascade'),
    )
    .addColumn('event', 'bigint')
    .addColumn('message_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('type', 'varchar(64)', (c) => c.notNull())
    .addColumn('organization', 'integer')
    .addColumn('application', 'integer')
    .addColumn('device', 'integer')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) =>
      c.notNull().check(sql`status in ('pending', 'delivered', 'failed', 'cancelled')`),
    )
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', millis, (c) => c.notNull())
    .addColumn('lease_owner', 'varchar(64)')
    .addColumn('lease_until', millis)
    .addColumn('last_status', 'integer')
    .addColumn('last_error', 'varchar(200)')
    .addColumn('created_at', millis, (c) => c.notNull())
    .addColumn('completed_at', millis)
    .execute();
  // Claims: due pending rows in order.
  await db.schema
    .createIndex('webhook_delivery_due_idx')
    .on('webhook_delivery')
    .columns(['status', 'next_attempt_at'])
    .execute();
  // Per-device order: "an earlier delivery of this device to this endpoint is still pending".
  await db.schema
    .createIndex('webhook_delivery_order_idx')
    .on('webhook_delivery')
    .columns(['endpoint', 'device', 'event'])
    .execute();
  // The delivery log, newest first; retention by completion time.
  await db.schema
    .createIndex('webhook_delivery_endpoint_idx')
    .on('webhook_delivery')
    .columns(['endpoint', 'id'])
    .execute();
  await db.schema
    .createIndex('webhook_delivery_completed_idx')
    .on('webhook_delivery')
    .column('completed_at')
    .execute();

  await db.schema
    .createTable('webhook_attempt')
    .addColumn('id', bigId, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('delivery', 'bigint', (c) => c.notNull().references('webhook_delivery.id').onDelete('cascade'))
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('started_at', millis, (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error', 'varchar(200)')
    .addColumn('response_body', 'text')
    .addColumn('succeeded', 'integer', (c) => c.notNull().check(flagCheck('succeeded')))
    .execute();
  await db.schema
    .createIndex('webhook_attempt_delivery_idx')
    .on('webhook_attempt')
    .columns(['delivery', 'attempt'])
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('webhook_attempt').execute();
  await db.schema.dropTable('webhook_delivery').execute();
  await db.schema.dropTable('webhook_endpoint').execute();
}

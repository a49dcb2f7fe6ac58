import { sql } from 'kysely';
import { type AnyDb, isPostgres, millis } from './support.js';

/*
 * The event log (issue 20, docs/events.md): one row per device status transition, device lifecycle
 * change and API key event, written in the same transaction as the change it describes.
 *
 * - `event_log.id` is the global cursor. It is never reused (AUTOINCREMENT on SQLite, a bigint
 *   sequence on PostgreSQL) and, because every writer takes one advisory lock right before inserting
 *   (events/event-writer.ts), ids commit in increasing order on PostgreSQL too.
 * - No foreign keys: an event outlives its device, fleet or key (`device.deleted` must stay readable),
 *   and a foreign key would make the event insert lock the referenced rows while holding that lock.
 * - `device.event_seq`: the last per-device sequence number handed out; bumped under the device's
 *   row lock, so a device's events are numbered 1, 2, 3… without gaps.
 * - `api_key.expiring_event_for` / `expired_event_for`: the expiry date an `api_key.expiring` /
 *   `api_key.expired` event was written for. The periodic sweep claims a key with a guarded UPDATE
 *   on them, so each event is written once across instances, and again only if the expiry changes.
 * - On PostgreSQL a statement trigger NOTIFYs `mooring_events`; notifications are sent at commit, so
 *   listeners wake only for committed events (a lost one costs latency: readers also poll).
 */
export async function up(db: AnyDb): Promise<void> {
  const pg = isPostgres(db);
  await db.schema
    .createTable('event_log')
    .addColumn('id', pg ? 'bigserial' : 'integer', (c) =>
      pg ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn('type', 'varchar(64)', (c) => c.notNull())
    .addColumn('at', millis, (c) => c.notNull())
    .addColumn('created_at', millis, (c) => c.notNull())
    .addColumn('organization', 'integer')
    .addColumn('application', 'integer')
    .addColumn('actor', 'integer')
    .addColumn('device', 'integer')
    .addColumn('device_uuid', 'varchar(62)')
    .addColumn('device_seq', 'integer')
    .addColumn('api_key', 'integer')
    .addColumn('previous_status', 'varchar(16)')
    .addColumn('status', 'varchar(16)')
    .addColumn('data', 'text')
    .execute();
  // Feed filters: by organization (members) and by fleet (fleet-limited keys, `?fleet=`), in id order.
  await db.schema.createIndex('event_log_org_idx').on('event_log').columns(['organization', 'id']).execute();
  await db.schema.createIndex('event_log_app_idx').on('event_log').columns(['application', 'id']).execute();
  // Retention pruning finds old rows without a scan.
  await db.schema.createIndex('event_log_created_idx').on('event_log').column('created_at').execute();

  await db.schema
    .alterTable('device')
    .addColumn('event_seq', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('api_key').addColumn('expiring_event_for', millis).execute();
  await db.schema.alterTable('api_key').addColumn('expired_event_for', millis).execute();
  // Keys that expired before the log existed are not news: no burst of `api_key.expired` at upgrade.
  const now = Date.now();
  await sql`UPDATE api_key SET expired_event_for = expiry_date, expiring_event_for = expiry_date
    WHERE expiry_date IS NOT NULL AND expiry_date <= ${now}`.execute(db);
  await db.schema.createIndex('api_key_expiry_idx').on('api_key').column('expiry_date').execute();

  if (pg) {
    await sql
      .raw(`CREATE FUNCTION mooring_event_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('mooring_events', '');
  RETURN NULL;
END $$`)
      .execute(db);
    await sql
      .raw(
        'CREATE TRIGGER event_log_notify AFTER INSERT ON event_log FOR EACH STATEMENT EXECUTE FUNCTION mooring_event_notify()',
      )
      .execute(db);
  }
}

export async function down(db: AnyDb): Promise<void> {
  if (isPostgres(db)) {
    await sql.raw('DROP TRIGGER event_log_notify ON event_log').execute(db);
    await sql.raw('DROP FUNCTION mooring_event_notify()').execute(db);
  }
  await db.schema.dropIndex('api_key_expiry_idx').execute();
  await db.schema.alterTable('api_key').dropColumn('expired_event_for').execute();
  await db.schema.alterTable('api_key').dropColumn('expiring_event_for').execute();
  await db.schema.alterTable('device').dropColumn('event_seq').execute();
  await db.schema.dropTable('event_log').execute();
}

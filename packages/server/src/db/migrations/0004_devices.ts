import { sql } from 'kysely';
import { type AnyDb, idColumn, idType, isPostgres, millis } from './support.js';

/*
 * Devices (issue 5): heartbeat bookkeeping, the status history, and target-state versions.
 *
 * - `device.heartbeat_due_at`: when the device's next heartbeat transition is due (online → timeout,
 *   timeout → offline); null when none is (unknown, offline). The sweep reads it through an index, so
 *   no per-device timer exists anywhere and a restarted server finds overdue devices on its first sweep.
 * - `device.state_version` / `application.state_version`: bumped by triggers whenever something in a
 *   device's target state changes (its name, fleet, type; fleet or device variables), whoever writes it
 *   (/v7, another instance, SQL by hand). The state endpoint compares them with its cached document,
 *   one indexed read per poll instead of rebuilding the document.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema.alterTable('device').addColumn('heartbeat_due_at', millis).execute();
  await db.schema
    .alterTable('device')
    .addColumn('state_version', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('application')
    .addColumn('state_version', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createIndex('device_heartbeat_due_idx')
    .on('device')
    .columns(['api_heartbeat_state', 'heartbeat_due_at'])
    .execute();

  await db.schema
    .createTable('device_status_event')
    .addColumn('id', idType(db), idColumn(db))
    .addColumn('device', 'integer', (c) => c.notNull().references('device.id').onDelete('cascade'))
    .addColumn('from_state', 'varchar(16)', (c) => c.notNull())
    .addColumn('to_state', 'varchar(16)', (c) => c.notNull())
    .addColumn('at', millis, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('device_status_event_device_idx')
    .on('device_status_event')
    .columns(['device', 'at'])
    .execute();

  const variableTables = [
    ['device_environment_variable', 'device', 'device'],
    ['device_config_variable', 'device', 'device'],
    ['application_environment_variable', 'application', 'application'],
    ['application_config_variable', 'application', 'application'],
  ] as const;
  if (isPostgres(db)) {
    for (const target of ['device', 'application'] as const) {
      await sql
        .raw(`CREATE FUNCTION mooring_bump_${target}_state() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN UPDATE ${target} SET state_version = state_version + 1 WHERE id = OLD.${target}; END IF;
  IF TG_OP <> 'DELETE' THEN UPDATE ${target} SET state_version = state_version + 1 WHERE id = NEW.${target}; END IF;
  RETURN NULL;
END $$`)
        .execute(db);
    }
    for (const [table, , target] of variableTables) {
      await sql
        .raw(
          `CREATE TRIGGER ${table}_state AFTER INSERT OR UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION mooring_bump_${target}_state()`,
        )
        .execute(db);
    }
    // BEFORE UPDATE OF …: heartbeat flushes never list these columns, so they never pay for the trigger.
    await sql
      .raw(`CREATE FUNCTION mooring_device_state_fields() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.device_name IS DISTINCT FROM OLD.device_name
     OR NEW.belongs_to__application IS DISTINCT FROM OLD.belongs_to__application
     OR NEW.is_of__device_type IS DISTINCT FROM OLD.is_of__device_type THEN
    NEW.state_version := OLD.state_version + 1;
  END IF;
  RETURN NEW;
END $$`)
      .execute(db);
    await sql
      .raw(
        'CREATE TRIGGER device_state_fields BEFORE UPDATE OF device_name, belongs_to__application, is_of__device_type ON device FOR EACH ROW EXECUTE FUNCTION mooring_device_state_fields()',
      )
      .execute(db);
    await sql
      .raw(`CREATE FUNCTION mooring_application_state_fields() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.app_name IS DISTINCT FROM OLD.app_name OR NEW.is_of__class IS DISTINCT FROM OLD.is_of__class THEN
    NEW.state_version := OLD.state_version + 1;
  END IF;
  RETURN NEW;
END $$`)
      .execute(db);
    await sql
      .raw(
        'CREATE TRIGGER application_state_fields BEFORE UPDATE OF app_name, is_of__class ON application FOR EACH ROW EXECUTE FUNCTION mooring_application_state_fields()',
      )
      .execute(db);
    return;
  }
  for (const [table, parent, target] of variableTables) {
    const bump = (ref: string) =>
      `UPDATE ${target} SET state_version = state_version + 1 WHERE id = ${ref}.${parent};`;
    await sql
      .raw(`CREATE TRIGGER ${table}_state_ins AFTER INSERT ON ${table} BEGIN ${bump('NEW')} END`)
      .execute(db);
    await sql
      .raw(
        `CREATE TRIGGER ${table}_state_upd AFTER UPDATE ON ${table} BEGIN ${bump('OLD')} ${bump('NEW')} END`,
      )
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER ${table}_state_del AFTER DELETE ON ${table} BEGIN ${bump('OLD')} END`)
      .execute(db);
  }
  // AFTER UPDATE OF …: fires only when those columns are assigned; heartbeat flushes never assign them.
  await sql
    .raw(`CREATE TRIGGER device_state_fields AFTER UPDATE OF device_name, belongs_to__application, is_of__device_type ON device
  WHEN OLD.device_name IS NOT NEW.device_name OR OLD.belongs_to__application IS NOT NEW.belongs_to__application OR OLD.is_of__device_type IS NOT NEW.is_of__device_type
  BEGIN UPDATE device SET state_version = state_version + 1 WHERE id = NEW.id; END`)
    .execute(db);
  await sql
    .raw(`CREATE TRIGGER application_state_fields AFTER UPDATE OF app_name, is_of__class ON application
  WHEN OLD.app_name IS NOT NEW.app_name OR OLD.is_of__class IS NOT NEW.is_of__class
  BEGIN UPDATE application SET state_version = state_version + 1 WHERE id = NEW.id; END`)
    .execute(db);
}

export async function down(db: AnyDb): Promise<void> {
  const tables = [
    'device_environment_variable',
    'device_config_variable',
    'application_environment_variable',
    'application_config_variable',
  ];
  if (isPostgres(db)) {
    for (const table of tables) await sql.raw(`DROP TRIGGER ${table}_state ON ${table}`).execute(db);
    await sql.raw('DROP TRIGGER device_state_fields ON device').execute(db);
    await sql.raw('DROP TRIGGER application_state_fields ON application').execute(db);
    for (const fn of [
      'mooring_bump_device_state',
      'mooring_bump_application_state',
      'mooring_device_state_fields',
      'mooring_application_state_fields',
    ]) {
      await sql.raw(`DROP FUNCTION ${fn}()`).execute(db);
    }
  } else {
    for (const table of tables) {
      for (const suffix of ['ins', 'upd', 'del'])
        await sql.raw(`DROP TRIGGER ${table}_state_${suffix}`).execute(db);
    }
    await sql.raw('DROP TRIGGER device_state_fields').execute(db);
    await sql.raw('DROP TRIGGER application_state_fields').execute(db);
  }
  await db.schema.dropTable('device_status_event').execute();
  await db.schema.dropIndex('device_heartbeat_due_idx').execute();
  await db.schema.alterTable('application').dropColumn('state_version').execute();
  await db.schema.alterTable('device').dropColumn('state_version').execute();
  await db.schema.alterTable('device').dropColumn('heartbeat_due_at').execute();
}

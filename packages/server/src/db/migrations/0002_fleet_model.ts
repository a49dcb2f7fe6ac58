import { sql } from 'kysely';
import { type AnyDb, idColumn, idType, millis } from './support.js';

/** The balena v7 resource tables (COMPAT.md A5–A8) and Mooring's API keys. */
export async function up(db: AnyDb): Promise<void> {
  const flag = (name: string, fallback: 0 | 1) => (c: import('kysely').ColumnDefinitionBuilder) =>
    c
      .notNull()
      .defaultTo(fallback)
      .check(sql`${sql.ref(name)} in (0, 1)`);

  await db.schema
    .createTable('cpu_architecture')
    .addColumn('id', idType(db), idColumn(db))
    .addColumn('slug', 'varchar(64)', (c) => c.notNull().unique())
    .execute();

  await db.schema
    .createTable('device_type')
    .addColumn('id', idType(db), idColumn(db))
    .addColumn('slug', 'varchar(255)', (c) => c.notNull().unique())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('is_of__cpu_architecture', 'integer', (c) => c.notNull().references('cpu_architecture.id'))
    .addColumn('logo', 'text')
    .addColumn('contract', 'text')
    .execute();

  await db.schema
    .createTable('device_type_alias')
    .addColumn('id', idType(db), idColumn(db))
    .addColumn('device_type', 'integer', (c) => c.notNull().references('device_type.id').onDelete('cascade'))
    .addColumn('is_referenced_by__alias', 'varchar(255)', (c) => c.notNull().unique())
    .execute();
  await db.schema
    .createIndex('device_type_alias_device_type_idx')
    .on('device_type_alias')
    .column('device_type')
    .execute();

  await db.schema
    .createTable('application')
    .addColumn('id', idType(db), idColumn(db))
    .addColumn('created_at', millis, (c) => c.notNull())
    .addColumn('modified_at', millis, (c) => c.notNull())
    .addColumn('actor', 'integer', (c) => c.notNull().unique().references('actor.id'))
    .addColumn('organization', 'integer', (c) =>
      c.notNull().references('organization.id').onDelete('cascade'),
    )
    .addColumn('app_name', 'varchar(100)', (c) => c.notNull())
    .addColumn('slug', 'varchar(321)', (c) => c.notNull().unique())
    .addColumn('uuid', 'varchar(32)', (c) => c.notNull().unique())
    .addColumn('is_for__device_type', 'integer', (c) => c.notNull().references('device_type.id'))
    .addColumn('is_of__class', 'varchar(16)', (c) =>
      c.notNull().defaultTo('fleet').check(sql`is_of__class in ('fleet', 'block', 'app')`),
    )
    .addColumn('is_public', 'integer', flag('is_public', 0))
    .addColumn('is_host', 'integer', flag('is_host', 0))
    .addColumn('is_archived', 'integer', flag('is_archived', 0))
    .addColumn('should_track_latest_release', 'integer', flag('should_track_latest_release', 1))
    .execute();
  await db.schema
    .createIndex('application_organization_idx')
    .on('application')
    .column('organization')
    .execute();

  await db.schema
    .createTable('device')
    .addColumn('id', idType(db), idColumn(db))
    .addColumn('created_at', millis, (c) => c.notNull())
    .addColumn('modified_at', millis, (c) => c.notNull())
    .addColumn('actor', 'integer', (c) => c.notNull().unique().references('actor.id'))
    .addColumn('uuid', 'varchar(62)', (c) => c.notNull().unique())
    .addColumn('device_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('local_id', 'varchar(255)')
    .addColumn('is_of__device_type', 'integer', (c) => c.notNull().references('device_type.id'))
    .addColumn('belongs_to__application', 'integer', (c) =>
      c.notNull().references('application.id').onDelete('cascade'),
    )
    .addColumn('api_heartbeat_state', 'varchar(16)', (c) =>
      c
        .notNull()
        .defaultTo('unknown')
        .check(sql`api_heartbeat_state in ('online', 'offline', 'timeout', 'unknown')`),
    )
    .addColumn('changed_api_heartbeat_state_on__date', millis)
    .addColumn('last_connectivity_event', millis)
    .addColumn('last_api_heartbeat_at', millis)
    .addColumn('is_locked_until__date', millis)
    .addColumn('public_address', 'varchar(255)')
    .addColumn('ip_address', 'text')
    .addColumn('mac_address', 'text')
    .addColumn('memory_usage', 'integer')
    .addColumn('memory_total', 'integer')
    .addColumn('storage_block_device', 'varchar(255)')
    .addColumn('storage_usage', 'integer')
    .addColumn('storage_total', 'integer')
    .addColumn('cpu_usage', 'integer')
    .addColumn('cpu_temp', 'integer')
    .addColumn('is_undervolted', 'integer', flag('is_undervolted', 0))
    .addColumn('cpu_id', 'varchar(255)')
    .addColumn('download_progress', 'integer')
    .addColumn('status', 'varchar(255)')
    .addColumn('os_version', 'varchar(255)')
    .addColumn('os_variant', 'varchar(16)')
    .addColumn('supervisor_version', 'varchar(255)')
    .addColumn('provisioning_progress', 'integer')
    .addColumn('provisioning_state', 'varchar(255)')
    .addColumn('api_port', 'integer')
    .addColumn('update_status', 'varchar(64)')
    .addColumn('last_update_status_event', millis)
    .execute();
  await db.schema
    .createIndex('device_application_idx')
    .on('device')
    .columns(['belongs_to__application', 'device_name'])
    .execute();
  // The heartbeat sweep scans online/timeout devices by their last poll.
  await db.schema
    .createIndex('device_heartbeat_idx')
    .on('device')
    .columns(['api_heartbeat_state', 'last_api_heartbeat_at'])
    .execute();

  for (const [table, parent, parentTable] of [
    ['application_environment_variable', 'application', 'application'],
    ['application_config_variable', 'application', 'application'],
    ['device_environment_variable', 'device', 'device'],
    ['device_config_variable', 'device', 'device'],
  ] as const) {
    await db.schema
      .createTable(table)
      .addColumn('id', idType(db), idColumn(db))
      .addColumn('created_at', millis, (c) => c.notNull())
      .addColumn('modified_at', millis, (c) => c.notNull())
      .addColumn(parent, 'integer', (c) => c.notNull().references(`${parentTable}.id`).onDelete('cascade'))
      .addColumn('name', 'varchar(255)', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addUniqueConstraint(`${table}_${parent}_name_key`, [parent, 'name'])
      .execute();
  }

  await db.schema
    .createTable('api_key')
    .addColumn('id', idType(db), idColumn(db))
    .addColumn('created_at', millis, (c) => c.notNull())
    .addColumn('modified_at', millis, (c) => c.notNull())
    .addColumn('is_of__actor', 'integer', (c) => c.notNull().references('actor.id').onDelete('cascade'))
    .addColumn('kind', 'varchar(16)', (c) =>
      c.notNull().check(sql`kind in ('user', 'provisioning', 'device')`),
    )
    // The non-secret lookup id; the secret itself is stored only as HMAC-SHA256(pepper, key).
    .addColumn('public_id', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('key_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('display_prefix', 'varchar(64)', (c) => c.notNull())
    .addColumn('name', 'varchar(1564)')
    .addColumn('description', 'text')
    .addColumn('expiry_date', millis)
    .addColumn('scopes', 'text')
    .addColumn('fleet_ids', 'text')
    .addColumn('header_only', 'integer', flag('header_only', 0))
    .addColumn('requires_signature', 'integer', flag('requires_signature', 0))
    .addColumn('signing_alg', 'varchar(16)')
    .addColumn('signing_secret', 'text')
    .addColumn('signing_public_key', 'text')
    .addColumn('last_used_at', millis)
    .addColumn('rotated_to', 'integer')
    .addColumn('created_by__actor', 'integer')
    .execute();
  await db.schema.createIndex('api_key_actor_idx').on('api_key').columns(['is_of__actor', 'name']).execute();
}

export async function down(db: AnyDb): Promise<void> {
  for (const table of [
    'api_key',
    'device_config_variable',
    'device_environment_variable',
    'application_config_variable',
    'application_environment_variable',
    'device',
    'application',
    'device_type_alias',
    'device_type',
    'cpu_architecture',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}

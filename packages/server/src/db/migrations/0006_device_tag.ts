import { type AnyDb, idColumn, idType, millis } from './support.js';

/**
 * Device tags (COMPAT.md A7: `device_tag` with `device`, `tag_key`, `value`; the SDK's device tag
 * calls and `$expand=device_tag/$count`). One value per key and device; removed with the device.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('device_tag')
    .addColumn('id', idType(db), idColumn(db))
    .addColumn('created_at', millis, (c) => c.notNull())
    .addColumn('modified_at', millis, (c) => c.notNull())
    .addColumn('device', 'integer', (c) => c.notNull().references('device.id').onDelete('cascade'))
    .addColumn('tag_key', 'varchar(255)', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addUniqueConstraint('device_tag_device_tag_key_key', ['device', 'tag_key'])
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('device_tag').execute();
}

import { sql } from 'kysely';
import { type AnyDb, idColumn, idType, millis } from './support.js';

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('actor')
    .addColumn('id', idType(db), idColumn(db))
    .addColumn('created_at', millis, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('user')
    .addColumn('id', idType(db), idColumn(db))
    .addColumn('actor', 'integer', (c) => c.notNull().unique().references('actor.id').onDelete('cascade'))
    .addColumn('username', 'varchar(255)', (c) => c.notNull())
    .addColumn('email', 'varchar(255)')
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0).check(sql`is_admin in (0, 1)`))
    .addColumn('created_at', millis, (c) => c.notNull())
    .addColumn('modified_at', millis, (c) => c.notNull())
    .execute();
  // Login is case-insensitive on both username and e-mail, so uniqueness must be too.
  await db.schema
    .createIndex('user_username_lower_key')
    .on('user')
    .unique()
    .expression(sql`lower(username)`)
    .execute();
  await db.schema
    .createIndex('user_email_lower_key')
    .on('user')
    .unique()
    .expression(sql`lower(email)`)
    .execute();

  await db.schema
    .createTable('organization')
    .addColumn('id', idType(db), idColumn(db))
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('handle', 'varchar(220)', (c) => c.notNull().unique())
    .addColumn('created_at', millis, (c) => c.notNull())
    .addColumn('modified_at', millis, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('organization_membership')
    .addColumn('id', idType(db), idColumn(db))
    .addColumn('user', 'integer', (c) => c.notNull().references('user.id').onDelete('cascade'))
    .addColumn('is_member_of__organization', 'integer', (c) =>
      c.notNull().references('organization.id').onDelete('cascade'),
    )
    .addColumn('role', 'varchar(32)', (c) => c.notNull().check(sql`role in ('administrator', 'member')`))
    .addColumn('created_at', millis, (c) => c.notNull())
    .addUniqueConstraint('organization_membership_user_org_key', ['user', 'is_member_of__organization'])
    .execute();
  await db.schema
    .createIndex('organization_membership_org_idx')
    .on('organization_membership')
    .column('is_member_of__organization')
    .execute();

  await db.schema
    .createTable('session')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('user', 'integer', (c) => c.notNull().references('user.id').onDelete('cascade'))
    .addColumn('auth_time', millis, (c) => c.notNull())
    .addColumn('created_at', millis, (c) => c.notNull())
    .addColumn('expires_at', millis, (c) => c.notNull())
    .addColumn('last_refreshed_at', millis, (c) => c.notNull())
    .addColumn('revoked_at', millis)
    .addColumn('user_agent', 'varchar(512)')
    .addColumn('ip_address', 'varchar(64)')
    .execute();
  await db.schema.createIndex('session_user_idx').on('session').column('user').execute();

  await db.schema
    .createTable('audit_event')
    .addColumn('id', idType(db), idColumn(db))
    .addColumn('created_at', millis, (c) => c.notNull())
    .addColumn('actor', 'integer')
    .addColumn('user', 'integer')
    .addColumn('type', 'varchar(64)', (c) => c.notNull())
    .addColumn('ip_address', 'varchar(64)')
    .addColumn('details', 'text')
    .execute();
  await db.schema.createIndex('audit_event_user_idx').on('audit_event').columns(['user', 'id']).execute();
}

export async function down(db: AnyDb): Promise<void> {
  for (const table of [
    'audit_event',
    'session',
    'organization_membership',
    'organization',
    'user',
    'actor',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}

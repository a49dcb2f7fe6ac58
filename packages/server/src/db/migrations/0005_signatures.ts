import { type AnyDb, millis } from './support.js';

/*
 * Single-use nonces of RFC 9421 signed requests (docs/signatures.md "Replay protection"). On
 * PostgreSQL every instance claims a nonce here, so a request captured on its way to one instance
 * cannot be replayed against another. The embedded (single-process) deployment keeps nonces in
 * memory instead; the table exists on both dialects so the schema is the same everywhere.
 * A row is needed only until `expires_at` (the end of the signature's freshness window); a periodic
 * sweep deletes older rows.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('signature_nonce')
    .addColumn('key_id', 'varchar(256)', (c) => c.notNull())
    .addColumn('nonce', 'varchar(128)', (c) => c.notNull())
    .addColumn('expires_at', millis, (c) => c.notNull())
    .addPrimaryKeyConstraint('signature_nonce_pkey', ['key_id', 'nonce'])
    .execute();
  await db.schema
    .createIndex('signature_nonce_expiry_idx')
    .on('signature_nonce')
    .column('expires_at')
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('signature_nonce').execute();
}

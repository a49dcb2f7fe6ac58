import { type RawBuilder, sql } from 'kysely';
import { recordAuditEvent } from '../audit/audit.repository.js';
import type { Principal } from '../auth/principal.js';
import type { Database } from '../db/database.js';
import { hotQuery, hotRow } from '../db/hot-query.js';
import { bindPrincipal } from '../permissions/bind.js';
import { filterPredicate, type RowFilter } from '../permissions/permissions.js';
import type { SigningColumns } from '../signatures/signing-settings.js';

/**
 * The SQL of API keys: the verifier's lookups, issuing (`insertKey`, `insertIssuedKey`), rotation, and
 * the rows the key routes act on under a row filter (below).
 */

/** A key row joined with whatever owns its actor: a user, a fleet (provisioning) or a device. */
export interface KeyOwnerRow {
  readonly id: number;
  readonly key_hash: string;
  readonly kind: 'user' | 'provisioning' | 'device';
  readonly expiry_date: number | null;
  readonly header_only: number;
  readonly requires_signature: number;
  readonly scopes: string | null;
  readonly fleet_ids: string | null;
  readonly is_of__actor: number;
  readonly user_id: number | null;
  readonly is_admin: number | null;
  readonly application_id: number | null;
  readonly device_id: number | null;
  readonly device_application: number | null;
}

/**
 * A key with its owner, by one indexed column. Hot queries (db/hot-query.ts): a key the credential
 * cache does not hold (a device polling less often than the cache keeps it) is looked up per request.
 */
const OWNER_SELECT = `SELECT k.id, k.key_hash, k.kind, k.expiry_date, k.header_only, k.requires_signature,
    k.scopes, k.fleet_ids, k.is_of__actor, u.id AS user_id, u.is_admin, a.id AS application_id,
    d.id AS device_id, d.belongs_to__application AS device_application`;
const OWNER_FROM = `FROM api_key k
    LEFT JOIN "user" u ON u.actor = k.is_of__actor
    LEFT JOIN application a ON a.actor = k.is_of__actor
    LEFT JOIN device d ON d.actor = k.is_of__actor`;
const BY_PUBLIC_ID = hotQuery('key_by_public_id', `${OWNER_SELECT} ${OWNER_FROM} WHERE k.public_id = ?`);
const BY_HASH = hotQuery('key_by_hash', `${OWNER_SELECT} ${OWNER_FROM} WHERE k.key_hash = ?`);
const SIGNING_BY_PUBLIC_ID = hotQuery(
  'signing_key_by_public_id',
  `${OWNER_SELECT}, k.signing_alg, k.signing_secret, k.signing_public_key ${OWNER_FROM} WHERE k.public_id = ?`,
);

/** Lookup by the public id (Mooring-format keys); the hash is then compared in constant time. */
export async function findKeyByPublicId(db: Database, publicId: string): Promise<KeyOwnerRow | undefined> {
  return hotRow<KeyOwnerRow>(db, BY_PUBLIC_ID, [publicId]);
}

/** A key row with its RFC 9421 signing material (the secret still sealed). */
export interface SigningKeyOwnerRow extends KeyOwnerRow {
  readonly signing_alg: string | null;
  readonly signing_secret: string | null;
  readonly signing_public_key: string | null;
}

/** Lookup of a signature's `keyid` (a key's public id), with its signing columns. */
export async function findSigningKeyByPublicId(
  db: Database,
  publicId: string,
): Promise<SigningKeyOwnerRow | undefined> {
  return hotRow<SigningKeyOwnerRow>(db, SIGNING_BY_PUBLIC_ID, [publicId]);
}

/** Lookup by hash, for device-chosen keys that are not in Mooring's format (COMPAT.md A7). */
export async function findKeyByHash(db: Database, hash: string): Promise<KeyOwnerRow | undefined> {
  return hotRow<KeyOwnerRow>(db, BY_HASH, [hash]);
}

export interface NewKeyRow {
  readonly isOfActor: number;
  readonly kind: 'user' | 'provisioning' | 'device';
  readonly publicId: string;
  readonly keyHash: string;
  readonly displayPrefix: string;
  readonly name: string | null;
  readonly description: string | null;
  readonly expiryDate: number | null;
  readonly scopes: string | null;
  readonly fleetIds: string | null;
  readonly headerOnly: boolean;
  readonly createdByActor: number | null;
  readonly now: number;
  /** RFC 9421 signing (src/signatures/signing-settings.ts); absent for ordinary keys. */
  readonly signing?: SigningColumns | undefined;
}

export async function insertKey(db: Database, key: NewKeyRow): Promise<number> {
  const row = await db.kysely
    .insertInto('api_key')
    .values({
      created_at: key.now,
      modified_at: key.now,
      is_of__actor: key.isOfActor,
      kind: key.kind,
      public_id: key.publicId,
      key_hash: key.keyHash,
      display_prefix: key.displayPrefix,
      name: key.name,
      description: key.description,
      expiry_date: key.expiryDate,
      scopes: key.scopes,
      fleet_ids: key.fleetIds,
      header_only: key.headerOnly ? 1 : 0,
      requires_signature: key.signing?.requiresSignature ? 1 : 0,
      signing_alg: key.signing?.signingAlg ?? null,
      signing_secret: key.signing?.signingSecret ?? null,
      signing_public_key: key.signing?.signingPublicKey ?? null,
      last_used_at: null,
      rotated_to: null,
      created_by__actor: key.createdByActor,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * A new key as every key route issues it (`api-keys.service.ts` `issueKey`, in its caller's
 * transaction): the key row, then its `api_key.created` audit row (`recordAuditEvent`, the audit
 * trail's one writer). `userId`: the creating user, for the audit row.
 */
export async function insertIssuedKey(
  db: Database,
  key: NewKeyRow & { readonly createdByActor: number },
  userId: number | null,
): Promise<number> {
  const id = await insertKey(db, key);
  await recordAuditEvent(db, {
    type: 'api_key.created',
    at: key.now,
    actorId: key.createdByActor,
    userId,
    details: { keyId: id, kind: key.kind, name: key.name },
  });
  return id;
}

export interface KeyDetailsRow {
  readonly id: number;
  readonly is_of__actor: number;
  readonly kind: 'user' | 'provisioning' | 'device';
  readonly name: string | null;
  readonly description: string | null;
  readonly expiry_date: number | null;
  readonly scopes: string | null;
  readonly fleet_ids: string | null;
  readonly header_only: number;
  readonly requires_signature: number;
  readonly signing_alg: string | null;
  readonly signing_public_key: string | null;
  readonly rotated_to: number | null;
}

export async function findKeyDetails(db: Database, id: number): Promise<KeyDetailsRow | undefined> {
  return db.kysely
    .selectFrom('api_key')
    .select([
      'id',
      'is_of__actor',
      'kind',
      'name',
      'description',
      'expiry_date',
      'scopes',
      'fleet_ids',
      'header_only',
      'requires_signature',
      'signing_alg',
      'signing_public_key',
      'rotated_to',
    ])
    .where('id', '=', id)
    .executeTakeFirst();
}

export interface KeyStateRow {
  readonly id: number;
  readonly expiry_date: number | null;
  readonly rotated_to: number | null;
}

/**
 * The lifetime state of keys about to be changed, inside the change's transaction. On PostgreSQL the
 * rows are locked (`FOR UPDATE`) until it commits, so a concurrent revocation or rotation either
 * happens before the decision (and is seen) or waits for it. SQLite runs one transaction at a time.
 */
export async function lockKeyStates(db: Database, ids: readonly number[]): Promise<KeyStateRow[]> {
  if (ids.length === 0) return [];
  const query = db.kysely
    .selectFrom('api_key')
    .select(['id', 'expiry_date', 'rotated_to'])
    .where('id', 'in', [...ids]);
  return (db.dialect === 'postgres' ? query.forUpdate() : query).execute();
}

/** A key's expiry (null = never), or undefined when the key no longer exists. */
export async function findKeyExpiry(
  db: Database,
  id: number,
): Promise<{ expiry: number | null } | undefined> {
  const row = await db.kysely
    .selectFrom('api_key')
    .select('expiry_date')
    .where('id', '=', id)
    .executeTakeFirst();
  return row && { expiry: row.expiry_date };
}

/**
 * Compare-and-swap of a rotation: retires the old key (its successor, its new expiry) only if it is
 * still in the state the rotation was decided on: not rotated, still alive, same expiry. Run in the
 * transaction that inserted the successor, so a lost race rolls the successor back too.
 */
export async function markRotated(
  db: Database,
  id: number,
  expected: { expiry: number | null },
  change: { successor: number; expiry: number },
  now: number,
): Promise<boolean> {
  let query = db.kysely
    .updateTable('api_key')
    .set({ rotated_to: change.successor, expiry_date: change.expiry, modified_at: now })
    .where('id', '=', id)
    .where('rotated_to', 'is', null);
  query =
    expected.expiry === null
      ? query.where('expiry_date', 'is', null)
      : query.where('expiry_date', '=', expected.expiry).where('expiry_date', '>', now);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * The rows the key endpoints act on, chosen under a row filter (`resources/access.ts` `rowFilter`):
 * the predicate is a SQL fragment with principal slots, bound here (`permissions/bind.ts`).
 */

/** The actor of fleet or device `id` if `filter` lets the principal act on it. */
export async function findPermittedActor(
  db: Database,
  principal: Principal,
  table: 'application' | 'device',
  filter: RowFilter,
  id: number,
): Promise<number | undefined> {
  const rows = await permittedRow<{ actor: number }>(
    db,
    principal,
    table,
    filter,
    id,
    sql`t0.actor AS actor`,
  );
  return rows[0] === undefined ? undefined : Number(rows[0].actor);
}

/** Whether `filter` lets the principal act on key `id`. */
export async function isPermittedKey(
  db: Database,
  principal: Principal,
  filter: RowFilter,
  id: number,
): Promise<boolean> {
  return (await permittedRow(db, principal, 'api_key', filter, id, sql`t0.id`)).length > 0;
}

/** Of `ids`, the keys `filter` lets the principal see. */
export async function findPermittedKeyIds(
  db: Database,
  principal: Principal,
  filter: RowFilter,
  ids: readonly number[],
): Promise<ReadonlySet<number>> {
  const predicate = filterPredicate(filter, 't0', 'scan');
  const compiled = sql<{
    id: number;
  }>`SELECT t0.id AS id FROM api_key t0 WHERE t0.id IN (${sql.join([...new Set(ids)])}) AND ${predicate}`.compile(
    db.kysely,
  );
  const result = await db.kysely.executeQuery<{ id: number }>({
    ...compiled,
    parameters: bindPrincipal(compiled.parameters, principal),
  });
  return new Set(result.rows.map((row) => Number(row.id)));
}

/** A fleet's id by id or slug (slugs are stored lower case), permission aside. */
export async function findFleetId(db: Database, fleet: number | string): Promise<number | undefined> {
  const row = await db.kysely
    .selectFrom('application')
    .select('id')
    .where(
      typeof fleet === 'number' ? 'id' : 'slug',
      '=',
      typeof fleet === 'number' ? fleet : String(fleet).toLowerCase(),
    )
    .executeTakeFirst();
  return row?.id;
}

/** The row `id` of `table` if the permission filter lets the principal act on it. */
async function permittedRow<T>(
  db: Database,
  principal: Principal,
  table: 'application' | 'device' | 'api_key',
  filter: RowFilter,
  id: number,
  columns: RawBuilder<unknown>,
): Promise<T[]> {
  // One row by primary key: the point form of the predicate (permissions.ts PredicateForm).
  const predicate = filterPredicate(filter, 't0', 'point');
  const compiled =
    sql`SELECT ${columns} FROM ${sql.table(table)} t0 WHERE t0.id = ${id} AND ${predicate}`.compile(
      db.kysely,
    );
  const result = await db.kysely.executeQuery<T>({
    ...compiled,
    parameters: bindPrincipal(compiled.parameters, principal),
  });
  return result.rows;
}

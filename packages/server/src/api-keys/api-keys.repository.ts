import type { Database } from '../db/database.js';
import type { SigningColumns } from '../signatures/signing-settings.js';

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

function ownerQuery(db: Database) {
  return db.kysely
    .selectFrom('api_key as k')
    .leftJoin('user as u', 'u.actor', 'k.is_of__actor')
    .leftJoin('application as a', 'a.actor', 'k.is_of__actor')
    .leftJoin('device as d', 'd.actor', 'k.is_of__actor')
    .select([
      'k.id',
      'k.key_hash',
      'k.kind',
      'k.expiry_date',
      'k.header_only',
      'k.requires_signature',
      'k.scopes',
      'k.fleet_ids',
      'k.is_of__actor',
      'u.id as user_id',
      'u.is_admin',
      'a.id as application_id',
      'd.id as device_id',
      'd.belongs_to__application as device_application',
    ]);
}

/** Lookup by the public id (Mooring-format keys); the hash is then compared in constant time. */
export async function findKeyByPublicId(db: Database, publicId: string): Promise<KeyOwnerRow | undefined> {
  return ownerQuery(db).where('k.public_id', '=', publicId).executeTakeFirst();
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
  return ownerQuery(db)
    .select(['k.signing_alg', 'k.signing_secret', 'k.signing_public_key'])
    .where('k.public_id', '=', publicId)
    .executeTakeFirst();
}

/** Lookup by hash, for device-chosen keys that are not in Mooring's format (COMPAT.md A7). */
export async function findKeyByHash(db: Database, hash: string): Promise<KeyOwnerRow | undefined> {
  return ownerQuery(db).where('k.key_hash', '=', hash).executeTakeFirst();
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
    ])
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Compare-and-swap: sets the old key's expiry only if it was not rotated meanwhile. */
export async function markRotated(
  db: Database,
  id: number,
  successor: number,
  expiry: number,
  now: number,
): Promise<boolean> {
  const result = await db.kysely
    .updateTable('api_key')
    .set({ rotated_to: successor, expiry_date: expiry, modified_at: now })
    .where('id', '=', id)
    .where('rotated_to', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

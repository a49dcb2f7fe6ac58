import { sql } from 'kysely';
import { insertKey } from '../api-keys/api-keys.repository.js';
import type { Database } from '../db/database.js';
import { isUniqueViolation } from '../db/errors.js';
import { AppError } from '../errors/app-error.js';
import { appendEvents, deviceEvents } from '../events/event-writer.js';

/**
 * The SQL of `POST /device/register` (devices.routes.ts): two reads before the transaction, then
 * `insertRegistration`, every row the transaction writes.
 */

/** The device type a slug or alias names (COMPAT.md A6: every type has an alias equal to its slug). */
export async function findDeviceTypeByAlias(db: Database, alias: string): Promise<number | undefined> {
  const result = await sql<{ id: number }>`SELECT dt.id FROM device_type dt
    JOIN device_type_alias dta ON dta.device_type = dt.id
    WHERE dta.is_referenced_by__alias = ${alias}`.execute(db.kysely);
  const row = result.rows[0];
  return row ? Number(row.id) : undefined;
}

export async function fleetExists(db: Database, id: number): Promise<boolean> {
  const row = await db.kysely.selectFrom('application').select('id').where('id', '=', id).executeTakeFirst();
  return row !== undefined;
}

export interface NewRegistration {
  readonly uuid: string;
  readonly deviceName: string;
  readonly fleetId: number;
  readonly deviceTypeId: number;
  readonly osVersion: string | null;
  readonly osVariant: string | null;
  readonly supervisorVersion: string | null;
  readonly macAddress: string | null;
  /** The device key, stored hashed. */
  readonly key: { readonly publicId: string; readonly keyHash: string; readonly displayPrefix: string };
  /** The provisioning key's actor. */
  readonly createdByActor: number;
  readonly now: number;
}

/**
 * Writes a registration in the transaction `trx` belongs to: the device's actor and row, its device
 * key (`insertKey`, the one INSERT of `api_key`), then its `device.registered` event (the event log's
 * writer, last: on PostgreSQL it takes the event-log lock until commit). A taken uuid or key is
 * balena's conflict (COMPAT.md A7): `"uuid" must be unique.` / `"key" must be unique.`
 */
export async function insertRegistration(trx: Database, device: NewRegistration): Promise<{ id: number }> {
  const actor = await trx.kysely
    .insertInto('actor')
    .values({ created_at: device.now })
    .returning('id')
    .executeTakeFirstOrThrow();
  const row = await trx.kysely
    .insertInto('device')
    .values({
      created_at: device.now,
      modified_at: device.now,
      actor: actor.id,
      uuid: device.uuid,
      device_name: device.deviceName,
      belongs_to__application: device.fleetId,
      is_of__device_type: device.deviceTypeId,
      os_version: device.osVersion,
      os_variant: device.osVariant,
      supervisor_version: device.supervisorVersion,
      mac_address: device.macAddress,
      changed_api_heartbeat_state_on__date: null,
      last_connectivity_event: null,
      last_api_heartbeat_at: null,
      heartbeat_due_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
    .catch(conflict('uuid'));
  await insertKey(trx, {
    isOfActor: actor.id,
    kind: 'device',
    publicId: device.key.publicId,
    keyHash: device.key.keyHash,
    displayPrefix: device.key.displayPrefix,
    name: null,
    description: null,
    expiryDate: null,
    scopes: null,
    fleetIds: null,
    headerOnly: false,
    createdByActor: device.createdByActor,
    now: device.now,
  }).catch(conflict('key'));
  const events = await deviceEvents(trx.kysely, [row.id], 'device.registered', device.now);
  await appendEvents(trx.kysely, events, device.now);
  return { id: row.id };
}

function conflict(column: 'uuid' | 'key') {
  return (error: unknown): never => {
    if (isUniqueViolation(error)) throw new AppError('conflict', `"${column}" must be unique.`);
    throw error;
  };
}

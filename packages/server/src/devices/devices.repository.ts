import { type Kysely, sql } from 'kysely';
import type { Principal } from '../auth/principal.js';
import type { Database } from '../db/database.js';
import type { DB } from '../db/schema.js';
import { bindPrincipal } from '../permissions/bind.js';
import { filterPredicate, rowFilter } from '../permissions/permissions.js';
import type { ReportedValues } from './reported-state.js';

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

export interface NewDevice {
  readonly uuid: string;
  readonly deviceName: string;
  readonly fleetId: number;
  readonly deviceTypeId: number;
  readonly osVersion: string | null;
  readonly osVariant: string | null;
  readonly supervisorVersion: string | null;
  readonly macAddress: string | null;
  readonly now: number;
}

/** Inserts the device's actor and row (inside the caller's transaction). */
export async function insertDevice(
  trx: Kysely<DB>,
  device: NewDevice,
): Promise<{ id: number; actor: number }> {
  const actor = await trx
    .insertInto('actor')
    .values({ created_at: device.now })
    .returning('id')
    .executeTakeFirstOrThrow();
  const row = await trx
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
    .executeTakeFirstOrThrow();
  return { id: row.id, actor: actor.id };
}

/** Stores a device's reported state; `last_update_status_event` follows `update_status`. */
export async function updateReportedState(
  db: Database,
  deviceId: number,
  values: ReportedValues,
  now: number,
): Promise<void> {
  const entries = Object.entries(values);
  if (entries.length === 0) return;
  const sets = entries.map(([column, value]) => sql`${sql.ref(column)} = ${value}`);
  if ('update_status' in values) sets.push(sql`last_update_status_event = ${now}`);
  sets.push(sql`modified_at = ${now}`);
  await sql`UPDATE device SET ${sql.join(sets)} WHERE id = ${deviceId}`.execute(db.kysely);
}

/** The device with this uuid if the permission module lets the principal read it. */
export async function findReadableDevice(
  db: Database,
  principal: Principal,
  uuid: string,
): Promise<
  { id: number; uuid: string; api_heartbeat_state: string; last_api_heartbeat_at: number | null } | undefined
> {
  const filter = rowFilter('device', 'read', principal);
  if (filter.kind === 'none') return undefined;
  // One row by its unique uuid: the point form of the predicate (permissions.ts PredicateForm).
  const predicate = filterPredicate(filter, 't0', 'point');
  const compiled =
    sql`SELECT t0.id, t0.uuid, t0.api_heartbeat_state, t0.last_api_heartbeat_at FROM device t0 WHERE t0.uuid = ${uuid} AND ${predicate}`.compile(
      db.kysely,
    );
  const result = await db.kysely.executeQuery<{
    id: number;
    uuid: string;
    api_heartbeat_state: string;
    last_api_heartbeat_at: number | null;
  }>({
    ...compiled,
    parameters: bindPrincipal(compiled.parameters, principal),
  });
  const row = result.rows[0];
  return row
    ? {
        ...row,
        id: Number(row.id),
        last_api_heartbeat_at: row.last_api_heartbeat_at === null ? null : Number(row.last_api_heartbeat_at),
      }
    : undefined;
}

export interface StatusEventRow {
  readonly from_state: string;
  readonly to_state: string;
  readonly at: number;
}

/** Newest first; `before` (epoch ms) pages back through older events. */
export async function listStatusEvents(
  db: Database,
  deviceId: number,
  limit: number,
  before: number | undefined,
): Promise<StatusEventRow[]> {
  let query = db.kysely
    .selectFrom('device_status_event')
    .select(['from_state', 'to_state', 'at'])
    .where('device', '=', deviceId);
  if (before !== undefined) query = query.where('at', '<', before);
  const rows = await query.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => ({ ...r, at: Number(r.at) }));
}

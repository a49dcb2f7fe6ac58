import { sql } from 'kysely';
import type { Principal } from '../auth/principal.js';
import type { Database } from '../db/database.js';
import { bindPrincipal } from '../permissions/bind.js';
import { filterPredicate } from '../permissions/permissions.js';
import { rowFilter } from '../resources/access.js';
import type { ReportedValues } from './reported-state.js';

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

/**
 * A device's state at `at` as its status changes tell it: the state it changed to last before `at`,
 * else the state its first change after `at` left. Undefined for a device that never changed.
 */
export async function stateAt(db: Database, deviceId: number, at: number): Promise<string | undefined> {
  const before = await db.kysely
    .selectFrom('device_status_event')
    .select('to_state')
    .where('device', '=', deviceId)
    .where('at', '<', at)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (before) return before.to_state;
  const after = await db.kysely
    .selectFrom('device_status_event')
    .select('from_state')
    .where('device', '=', deviceId)
    .where('at', '>=', at)
    .orderBy('at', 'asc')
    .orderBy('id', 'asc')
    .limit(1)
    .executeTakeFirst();
  return after?.from_state;
}

export async function listStatusEvents(
  db: Database,
  deviceId: number,
  limit: number,
  before: number | undefined,
  since?: number,
): Promise<StatusEventRow[]> {
  let query = db.kysely
    .selectFrom('device_status_event')
    .select(['from_state', 'to_state', 'at'])
    .where('device', '=', deviceId);
  if (before !== undefined) query = query.where('at', '<', before);
  if (since !== undefined) query = query.where('at', '>=', since);
  const rows = await query.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => ({ ...r, at: Number(r.at) }));
}

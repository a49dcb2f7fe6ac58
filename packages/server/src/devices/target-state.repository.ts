import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import { hotQuery, hotRow } from '../db/hot-query.js';

/** What the state endpoint checks on every poll: who the uuid is and whether its document changed. */
export interface StateVersions {
  readonly deviceId: number;
  readonly deviceVersion: number;
  readonly fleetVersion: number;
}

const VERSIONS = hotQuery(
  'device_state_versions',
  'SELECT d.id AS id, d.state_version AS dv, a.state_version AS av FROM device d JOIN application a ON a.id = d.belongs_to__application WHERE d.uuid = ?',
);

/** The hot read of every poll: one indexed lookup by uuid (db/hot-query.ts). */
export async function readStateVersions(db: Database, uuid: string): Promise<StateVersions | undefined> {
  const row = await hotRow<{ id: number; dv: number; av: number }>(db, VERSIONS, [uuid]);
  return row
    ? { deviceId: Number(row.id), deviceVersion: Number(row.dv), fleetVersion: Number(row.av) }
    : undefined;
}

/** Everything a target-state document is made of, read once per change (not per poll). */
export interface StateSource extends StateVersions {
  readonly uuid: string;
  readonly deviceName: string;
  readonly fleetId: number;
  readonly fleetUuid: string;
  readonly fleetName: string;
  readonly fleetClass: string;
  readonly isHost: boolean;
  readonly fleetConfig: ReadonlyMap<string, string>;
  readonly deviceConfig: ReadonlyMap<string, string>;
  readonly fleetEnv: ReadonlyMap<string, string>;
  readonly deviceEnv: ReadonlyMap<string, string>;
}

interface HeadRow {
  id: number;
  uuid: string;
  device_name: string;
  dv: number;
  av: number;
  fleet_id: number;
  fleet_uuid: string;
  app_name: string;
  is_of__class: string;
  is_host: number;
}

/**
 * Reads the device and fleet (with their versions) first, then the variables: a change racing with
 * this read bumps a version after the one read here, so the next poll rebuilds rather than keeping a
 * stale document under a current version.
 */
export async function loadStateSource(db: Database, deviceId: number): Promise<StateSource | undefined> {
  const head =
    await sql<HeadRow>`SELECT d.id, d.uuid, d.device_name, d.state_version AS dv, a.state_version AS av,
      a.id AS fleet_id, a.uuid AS fleet_uuid, a.app_name, a.is_of__class, a.is_host
    FROM device d JOIN application a ON a.id = d.belongs_to__application WHERE d.id = ${deviceId}`
      .execute(db.kysely)
      .then((r) => r.rows[0]);
  if (!head) return undefined;
  const fleetId = Number(head.fleet_id);
  // The four variable sets in one round trip (a fleet-wide change rebuilds every device's document).
  const vars = await sql<{ k: string; name: string; value: string }>`
    SELECT 'fc' AS k, name, value FROM application_config_variable WHERE application = ${fleetId}
    UNION ALL SELECT 'dc', name, value FROM device_config_variable WHERE device = ${deviceId}
    UNION ALL SELECT 'fe', name, value FROM application_environment_variable WHERE application = ${fleetId}
    UNION ALL SELECT 'de', name, value FROM device_environment_variable WHERE device = ${deviceId}`.execute(
    db.kysely,
  );
  const sets: Record<string, Map<string, string>> = {
    fc: new Map(),
    dc: new Map(),
    fe: new Map(),
    de: new Map(),
  };
  for (const row of vars.rows) sets[row.k]?.set(row.name, row.value);
  const empty = new Map<string, string>();
  const [fleetConfig, deviceConfig, fleetEnv, deviceEnv] = ['fc', 'dc', 'fe', 'de'].map(
    (k) => sets[k] ?? empty,
  ) as [Map<string, string>, Map<string, string>, Map<string, string>, Map<string, string>];
  return {
    deviceId: Number(head.id),
    deviceVersion: Number(head.dv),
    fleetVersion: Number(head.av),
    uuid: head.uuid,
    deviceName: head.device_name,
    fleetId,
    fleetUuid: head.fleet_uuid,
    fleetName: head.app_name,
    fleetClass: head.is_of__class,
    isHost: Number(head.is_host) === 1,
    fleetConfig,
    deviceConfig,
    fleetEnv,
    deviceEnv,
  };
}

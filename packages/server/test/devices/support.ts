import type { FastifyInstance } from 'fastify';
import { actorKey } from '../api-keys/support.js';
import { adminToken, createFleet, type FleetFixture, newUuid, request } from '../support/fleet-fixtures.js';
import type { TestApp } from '../support/test-app.js';

/*
 * Fixtures for the device tests: fleets in the admin organization, provisioning keys from the real
 * key endpoint, devices registered through the real `POST /device/register`.
 */

/** Timers far apart: tests drive flushes and sweeps by hand with the injected clock. */
export const MANUAL_HEARTBEAT_ENV = {
  MOORING_HEARTBEAT_FLUSH_INTERVAL_MS: '86400000',
  MOORING_HEARTBEAT_SWEEP_INTERVAL_MS: '86400000',
} as const;

export const MINUTE = 60_000;
/** balena's defaults (COMPAT.md A9): poll 10 min → timeout after 15 min, offline 15 s later. */
export const DEFAULT_TIMEOUT_MS = 15 * MINUTE;
export const DEFAULT_GRACE_MS = 15_000;

export interface FleetWithKey {
  readonly admin: string;
  readonly fleet: FleetFixture;
  readonly provisioningKey: string;
}

let fleetCounter = 0;

export async function fleetWithKey(t: TestApp, admin?: string): Promise<FleetWithKey> {
  const token = admin ?? (await adminToken(t));
  const fleet = await createFleet(t, token, {
    app_name: `devfleet${process.pid % 1000}x${++fleetCounter}`,
    organization: 1,
  });
  const provisioningKey = await actorKey(t, token, 'provisioning', fleet.id);
  return { admin: token, fleet, provisioningKey };
}

export interface RegisteredDevice {
  readonly id: number;
  readonly uuid: string;
  readonly key: string;
}

export async function register(
  app: FastifyInstance,
  provisioningKey: string,
  fleetId: number,
  extra: Record<string, unknown> = {},
): Promise<RegisteredDevice> {
  const uuid = (extra.uuid as string | undefined) ?? newUuid();
  const res = await request(app, 'POST', '/device/register', provisioningKey, {
    application: fleetId,
    device_type: 'raspberrypi3',
    uuid,
    ...extra,
  });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${res.body}`);
  const body = res.json as { id: number; uuid: string; api_key: string };
  return { id: body.id, uuid: body.uuid, key: body.api_key };
}

/** A supervisor-style poll. */
export async function poll(
  app: FastifyInstance,
  device: RegisteredDevice,
  options: { version?: 'v2' | 'v3'; etag?: string; transport?: 'bearer' | 'query'; uuid?: string } = {},
): Promise<{ status: number; etag: string | undefined; body: string }> {
  const version = options.version ?? 'v3';
  const uuid = options.uuid ?? device.uuid;
  const query = options.transport === 'query' ? `?apikey=${encodeURIComponent(device.key)}` : '';
  const res = await app.inject({
    method: 'GET',
    url: `/device/${version}/${uuid}/state${query}`,
    headers: {
      ...(options.transport === 'query' ? {} : { authorization: `Bearer ${device.key}` }),
      ...(options.etag ? { 'if-none-match': options.etag } : {}),
    },
  });
  const etag = res.headers.etag;
  return { status: res.statusCode, etag: typeof etag === 'string' ? etag : undefined, body: res.body };
}

export interface HeartbeatRow {
  readonly api_heartbeat_state: string;
  readonly changed_api_heartbeat_state_on__date: number | null;
  readonly last_connectivity_event: number | null;
  readonly last_api_heartbeat_at: number | null;
}

/** The heartbeat columns as stored. */
export async function heartbeatRow(t: TestApp, deviceId: number): Promise<HeartbeatRow> {
  const row = await t.ctx.db.kysely
    .selectFrom('device')
    .select([
      'api_heartbeat_state',
      'changed_api_heartbeat_state_on__date',
      'last_connectivity_event',
      'last_api_heartbeat_at',
    ])
    .where('id', '=', deviceId)
    .executeTakeFirstOrThrow();
  const num = (v: number | null): number | null => (v === null ? null : Number(v));
  return {
    api_heartbeat_state: row.api_heartbeat_state,
    changed_api_heartbeat_state_on__date: num(row.changed_api_heartbeat_state_on__date),
    last_connectivity_event: num(row.last_connectivity_event),
    last_api_heartbeat_at: num(row.last_api_heartbeat_at),
  };
}

/** What `/v7` says about a device (what balena-sdk and the dashboard see). */
export async function v7Status(
  t: TestApp,
  token: string,
  uuid: string,
): Promise<{
  api_heartbeat_state: string;
  is_online: boolean;
  is_connected_to_vpn: boolean;
  overall_status: string;
}> {
  const res = await request(
    t.app,
    'GET',
    `/v7/device(uuid='${uuid}')?$select=api_heartbeat_state,is_online,is_connected_to_vpn,overall_status`,
    token,
  );
  if (res.status !== 200) throw new Error(`v7 device: ${res.status} ${res.body}`);
  const row = (res.json as { d: unknown[] }).d[0];
  if (!row) throw new Error(`v7 device ${uuid}: not found`);
  return row as {
    api_heartbeat_state: string;
    is_online: boolean;
    is_connected_to_vpn: boolean;
    overall_status: string;
  };
}

import { odataQuery, odataString } from '../odata-query.js';
import type { Transport } from '../transport.js';
import type { Device, DeviceStatusHistory, HeartbeatState } from '../types.js';
import { notFound, pathFor, type Ref, refId, resolveId } from './lookup.js';

interface DeviceRow {
  id: number;
  uuid: string;
  device_name: string;
  belongs_to__application: Ref;
  is_of__device_type: { slug: string }[] | { slug: string } | number | null;
  api_heartbeat_state: HeartbeatState;
  is_online: boolean;
  overall_status: string;
  last_connectivity_event: string | null;
  mooring_last_heartbeat_at: string | null;
  created_at: string;
  os_version: string | null;
  supervisor_version: string | null;
  ip_address: string | null;
  note: string | null;
}

const QUERY = {
  $select: [
    'id',
    'uuid',
    'device_name',
    'belongs_to__application',
    'api_heartbeat_state',
    'is_online',
    'overall_status',
    'last_connectivity_event',
    'mooring_last_heartbeat_at',
    'created_at',
    'os_version',
    'supervisor_version',
    'ip_address',
    'note',
  ],
  $expand: 'is_of__device_type($select=slug)',
};

function toDevice(row: DeviceRow): Device {
  const type = row.is_of__device_type;
  return {
    id: row.id,
    uuid: row.uuid,
    name: row.device_name,
    fleetId: refId(row.belongs_to__application),
    deviceType: Array.isArray(type)
      ? (type[0]?.slug ?? null)
      : typeof type === 'object' && type !== null
        ? type.slug
        : null,
    status: row.api_heartbeat_state,
    isOnline: row.is_online,
    overallStatus: row.overall_status,
    lastConnectivityEvent: row.last_connectivity_event,
    lastHeartbeatAt: row.mooring_last_heartbeat_at,
    createdAt: row.created_at,
    osVersion: row.os_version,
    supervisorVersion: row.supervisor_version,
    ipAddress: row.ip_address,
    note: row.note,
  };
}

/** How {@link DevicesResource.page} orders devices. */
export type DeviceSort = 'status' | 'name' | 'last-seen' | 'created';

export interface DevicePageOptions {
  /** One fleet (id); default every fleet the caller can see. */
  readonly fleet?: number;
  readonly status?: HeartbeatState;
  /** Part of the name (case-insensitive) or the start of the uuid. */
  readonly search?: string;
  /** Default `status`: offline, then timed out, never seen, online (worst first). */
  readonly sort?: DeviceSort;
  readonly descending?: boolean;
  /** Page size, 1..1000 (default 50). */
  readonly top?: number;
  readonly skip?: number;
}

export interface DevicePage {
  readonly devices: Device[];
  /** How many devices match the filter and search, across all pages. */
  readonly total: number;
}

/** Devices per heartbeat state. */
export type DeviceStatusCounts = Readonly<Record<HeartbeatState, number>>;

// Worst first without a computed sort key: `is_online` false (0) sorts before true, and among the
// rest 'offline' < 'timeout' < 'unknown' alphabetically, which is also the order of urgency.
const SORTS: Record<DeviceSort, readonly string[]> = {
  status: ['is_online', 'api_heartbeat_state'],
  name: ['device_name'],
  'last-seen': ['mooring_last_heartbeat_at'],
  created: ['created_at'],
};

/**
 * The `$filter` for a page: fleet, status and search, each optional.
 *
 * @example
 * const filter = devicePageFilter({ fleet: 12, status: 'offline', search: 'pump' });
 */
export function devicePageFilter(options: Pick<DevicePageOptions, 'fleet' | 'status' | 'search'>): string {
  const filters: string[] = [];
  if (options.fleet !== undefined) {
    if (!Number.isSafeInteger(options.fleet) || options.fleet < 1) throw new TypeError('fleet must be an id');
    filters.push(`belongs_to__application eq ${options.fleet}`);
  }
  if (options.status !== undefined) filters.push(`api_heartbeat_state eq ${odataString(options.status)}`);
  const search = options.search?.trim().slice(0, 100);
  if (search) {
    // One LIKE per term: a `contains` on the name and a prefix on the uuid stay far inside the
    // query-cost budget (docs/threat-model.md), whatever the user types.
    const name = `contains(tolower(device_name),${odataString(search.toLowerCase())})`;
    filters.push(
      /^[0-9a-f]+$/i.test(search)
        ? `(${name} or startswith(uuid,${odataString(search.toLowerCase())}))`
        : name,
    );
  }
  return filters.join(' and ');
}

const devicePath = (uuidOrId: number | string): string => pathFor('device', 'uuid', uuidOrId);

/** Devices and their online status (driven by their state-endpoint heartbeat). */
export class DevicesResource {
  constructor(private readonly http: Transport) {}

  /**
   * Devices the caller can see, optionally of one fleet (id or slug) and/or in one heartbeat state.
   *
   * @example
   * const offline = await client.devices.list({ fleet: 'admin/thermostats', status: 'offline' });
   */
  async list(options: { fleet?: number | string; status?: HeartbeatState } = {}): Promise<Device[]> {
    const filters: string[] = [];
    if (typeof options.fleet === 'number') filters.push(`belongs_to__application eq ${options.fleet}`);
    else if (typeof options.fleet === 'string')
      filters.push(`belongs_to__application/slug eq ${odataString(options.fleet.toLowerCase())}`);
    if (options.status !== undefined) filters.push(`api_heartbeat_state eq ${odataString(options.status)}`);
    const answer = await this.http.request<{ d: DeviceRow[] }>('GET', '/v7/device', {
      query: odataQuery({
        ...QUERY,
        ...(filters.length > 0 ? { $filter: filters.join(' and ') } : {}),
        $orderby: 'id asc',
      }),
    });
    return answer.d.map(toDevice);
  }

  /**
   * One page of devices, sorted and filtered on the server, with the total that match: what a
   * dashboard shows of a large fleet without downloading all of it.
   *
   * @example
   * const { devices, total } = await client.devices.page({ fleet: 3, search: 'hall', top: 50, skip: 0 });
   */
  async page(options: DevicePageOptions = {}): Promise<DevicePage> {
    const top = options.top ?? 50;
    if (!Number.isSafeInteger(top) || top < 1 || top > 1000) throw new TypeError('top must be 1..1000');
    const filter = devicePageFilter(options);
    const direction = options.descending ? 'desc' : 'asc';
    const orderby = [...SORTS[options.sort ?? 'status'].map((f) => `${f} ${direction}`), `id ${direction}`];
    const [rows, total] = await Promise.all([
      this.http.request<{ d: DeviceRow[] }>('GET', '/v7/device', {
        query: odataQuery({
          ...QUERY,
          ...(filter ? { $filter: filter } : {}),
          $orderby: orderby,
          $top: top,
          $skip: options.skip ?? 0,
        }),
      }),
      this.http.request<{ d: number }>('GET', '/v7/device/$count', {
        query: odataQuery(filter ? { $filter: filter } : {}),
      }),
    ]);
    return { devices: rows.d.map(toDevice), total: total.d };
  }

  /**
   * How many devices are in each heartbeat state, for one fleet or all: four `$count` reads of a
   * few bytes each, cheap enough to repeat whenever a status event arrives.
   *
   * @example
   * const { offline, timeout } = await client.devices.statusCounts({ fleet: 3 });
   */
  async statusCounts(options: { fleet?: number } = {}): Promise<DeviceStatusCounts> {
    const states = ['online', 'timeout', 'offline', 'unknown'] as const;
    const counts = await Promise.all(
      states.map((status) =>
        this.http.request<{ d: number }>('GET', '/v7/device/$count', {
          query: odataQuery({ $filter: devicePageFilter({ fleet: options.fleet, status }) }),
        }),
      ),
    );
    return {
      online: counts[0]?.d ?? 0,
      timeout: counts[1]?.d ?? 0,
      offline: counts[2]?.d ?? 0,
      unknown: counts[3]?.d ?? 0,
    };
  }

  /**
   * One device by uuid (full 32 or 62 hex characters) or numeric id.
   *
   * @example
   * const device = await client.devices.get('5e2f0c4c6a3d4d3f9b1c0e8f7a6b5c4d');
   */
  async get(uuidOrId: number | string): Promise<Device> {
    const answer = await this.http.request<{ d: DeviceRow[] }>('GET', devicePath(uuidOrId), {
      query: odataQuery(QUERY),
    });
    const row = answer.d[0];
    if (row === undefined) throw notFound('device', uuidOrId);
    return toDevice(row);
  }

  /**
   * Whether the device's heartbeat is current (`api_heartbeat_state` is `online`).
   *
   * @example
   * if (!(await client.devices.isOnline(uuid))) alert(`${uuid} is down`);
   */
  async isOnline(uuidOrId: number | string): Promise<boolean> {
    const answer = await this.http.request<{ d: { is_online: boolean }[] }>('GET', devicePath(uuidOrId), {
      query: '$select=is_online',
    });
    const row = answer.d[0];
    if (row === undefined) throw notFound('device', uuidOrId);
    return row.is_online;
  }

  /**
   * Polls until the device is online: `true` as soon as it is, `false` when `timeoutMs` passes first.
   * Errors (unknown device, revoked credential) reject at once.
   *
   * @example
   * if (!(await client.devices.waitOnline(uuid, { timeoutMs: 60_000 }))) process.exitCode = 1;
   */
  async waitOnline(
    uuidOrId: number | string,
    options: {
      timeoutMs: number;
      intervalMs?: number;
      signal?: AbortSignal;
      onPoll?: (online: boolean) => void;
    },
  ): Promise<boolean> {
    if (!Number.isFinite(options.timeoutMs) || options.timeoutMs < 0)
      throw new TypeError('timeoutMs must be ≥ 0');
    const interval = Math.max(50, options.intervalMs ?? 2000);
    const deadline = performance.now() + options.timeoutMs;
    for (;;) {
      options.signal?.throwIfAborted();
      const online = await this.isOnline(uuidOrId);
      options.onPoll?.(online);
      if (online) return true;
      const left = deadline - performance.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => setTimeout(resolve, Math.min(interval, left)));
    }
  }

  /**
   * Renames a device.
   *
   * @example
   * await client.devices.rename(uuid, 'hall-thermostat');
   */
  async rename(uuidOrId: number | string, name: string): Promise<void> {
    await this.http.request('PATCH', devicePath(uuidOrId), { body: { device_name: name } });
  }

  /**
   * Deletes a device (its device keys stop working).
   *
   * @example
   * await client.devices.remove(uuid);
   */
  async remove(uuidOrId: number | string): Promise<void> {
    await this.http.request('DELETE', devicePath(uuidOrId));
  }

  /**
   * The device's heartbeat state changes, newest first (at most `limit`, default 100, up to 1000).
   * With `since` (a `Date` or ISO time), only the changes from then on, and `stateAtSince`: the
   * state at that moment, so that a window (an uptime strip) can be drawn from start to now.
   *
   * @example
   * const { events } = await client.devices.statusHistory(uuid, { limit: 20 });
   * const day = await client.devices.statusHistory(uuid, { since: new Date(Date.now() - 86_400_000), limit: 1000 });
   * console.log(day.stateAtSince, day.events.length);
   */
  async statusHistory(
    uuid: string,
    options: { limit?: number; since?: Date | string } = {},
  ): Promise<DeviceStatusHistory> {
    const since = options.since instanceof Date ? options.since.toISOString() : options.since;
    const answer = await this.http.request<{
      uuid: string;
      api_heartbeat_state: HeartbeatState;
      last_heartbeat_at: string | null;
      events: DeviceStatusHistory['events'];
      detection: DeviceStatusHistory['detection'];
      since?: string;
      state_at_since?: HeartbeatState | null;
    }>('GET', `/mooring/v1/devices/${encodeURIComponent(uuid)}/status-history`, {
      query: { limit: options.limit, since },
    });
    return {
      uuid: answer.uuid,
      status: answer.api_heartbeat_state,
      lastHeartbeatAt: answer.last_heartbeat_at,
      events: answer.events,
      detection: answer.detection,
      ...(answer.since === undefined ? {} : { since: answer.since }),
      ...(answer.state_at_since === undefined ? {} : { stateAtSince: answer.state_at_since }),
    };
  }

  /**
   * A new device key for the device (what the device itself authenticates with), shown once.
   *
   * @example
   * const deviceKey = await client.devices.generateKey(uuid, { name: 'reprovisioned' });
   */
  async generateKey(
    uuidOrId: number | string,
    options: { name?: string; description?: string; expiryDate?: string | null } = {},
  ): Promise<string> {
    const id = await resolveId(this.http, 'device', 'uuid', uuidOrId);
    return this.http.request<string>('POST', `/api-key/device/${id}/device-key`, {
      body: {
        name: options.name ?? null,
        description: options.description ?? null,
        expiryDate: options.expiryDate ?? null,
      },
    });
  }
}

import { odataQuery } from '../odata-query.js';
import type { Transport } from '../transport.js';
import type { DeviceDetection, Fleet } from '../types.js';
import { notFound, pathFor, type Ref, refId, resolveId } from './lookup.js';

interface FleetRow {
  id: number;
  app_name: string;
  slug: string;
  uuid: string;
  organization: Ref;
  created_at: string;
  is_for__device_type: { slug: string }[] | { slug: string } | number | null;
  owns__device?: number;
}

const QUERY = {
  $select: ['id', 'app_name', 'slug', 'uuid', 'organization', 'created_at'],
  $expand: ['is_for__device_type($select=slug)', 'owns__device/$count'],
};

function deviceTypeSlug(value: FleetRow['is_for__device_type']): string | null {
  if (Array.isArray(value)) return value[0]?.slug ?? null;
  return typeof value === 'object' && value !== null ? value.slug : null;
}

function toFleet(row: FleetRow, online: number): Fleet {
  return {
    id: row.id,
    name: row.app_name,
    slug: row.slug,
    uuid: row.uuid,
    organizationId: refId(row.organization),
    deviceType: deviceTypeSlug(row.is_for__device_type),
    createdAt: row.created_at,
    deviceCount: row.owns__device ?? 0,
    onlineCount: online,
  };
}

/** Fleets (balena "applications"). */
export class FleetsResource {
  constructor(private readonly http: Transport) {}

  /**
   * Fleets the caller can see, with their device and online counts.
   *
   * @example
   * for (const f of await client.fleets.list()) console.log(f.slug, `${f.onlineCount}/${f.deviceCount}`);
   */
  async list(): Promise<Fleet[]> {
    const [fleets, online] = await Promise.all([
      this.http.request<{ d: FleetRow[] }>('GET', '/v7/application', {
        query: odataQuery({ ...QUERY, $orderby: 'id asc' }),
      }),
      this.onlineCounts(),
    ]);
    return fleets.d.map((row) => toFleet(row, online.get(row.id) ?? 0));
  }

  /**
   * One fleet by id or slug; `NotFound` when it does not exist or is not visible.
   *
   * @example
   * const fleet = await client.fleets.get('admin/thermostats');
   */
  async get(idOrSlug: number | string): Promise<Fleet> {
    const path = pathFor(
      'application',
      'slug',
      typeof idOrSlug === 'string' ? idOrSlug.toLowerCase() : idOrSlug,
    );
    const answer = await this.http.request<{ d: FleetRow[] }>('GET', path, { query: odataQuery(QUERY) });
    const row = answer.d[0];
    if (row === undefined) throw notFound('fleet', idOrSlug);
    const online = await this.onlineCounts(row.id);
    return toFleet(row, online.get(row.id) ?? 0);
  }

  /**
   * Creates a fleet in an organization (id or handle) for a device type (slug, e.g. `raspberrypi4-64`).
   *
   * @example
   * const fleet = await client.fleets.create({ name: 'thermostats', deviceType: 'raspberrypi4-64', organization: 'admin' });
   */
  async create(input: {
    name: string;
    deviceType: string | number;
    organization: number | string;
  }): Promise<Fleet> {
    const [organization, deviceType] = await Promise.all([
      resolveId(this.http, 'organization', 'handle', input.organization),
      resolveId(this.http, 'device_type', 'slug', input.deviceType),
    ]);
    const created = await this.http.request<{ id: number }>('POST', '/v7/application', {
      body: { app_name: input.name, organization, is_for__device_type: deviceType },
    });
    return this.get(created.id);
  }

  /**
   * Renames a fleet (its slug stays).
   *
   * @example
   * await client.fleets.rename(3, 'thermostats-eu');
   */
  async rename(idOrSlug: number | string, name: string): Promise<void> {
    await this.http.request('PATCH', pathFor('application', 'slug', idOrSlug), { body: { app_name: name } });
  }

  /**
   * Deletes a fleet.
   *
   * @example
   * await client.fleets.remove(3);
   */
  async remove(idOrSlug: number | string): Promise<void> {
    await this.http.request('DELETE', pathFor('application', 'slug', idOrSlug));
  }

  /**
   * How soon a silent device of the fleet is reported, for devices without their own poll interval:
   * the fleet's interval (or the server default) after the server's floor, × 1.5 for the timeout,
   * plus the offline grace. `NotFound` for a fleet the caller cannot read.
   *
   * @example
   * const { timeoutAfterMs, offlineAfterMs, source } = await client.fleets.detection('admin/thermostats');
   */
  async detection(idOrSlug: number | string): Promise<DeviceDetection> {
    const id = await resolveId(this.http, 'application', 'slug', idOrSlug);
    return this.http.request<DeviceDetection>('GET', `/mooring/v1/fleets/${id}/detection`);
  }

  /**
   * A provisioning key for registering devices into the fleet; the key string, shown once.
   *
   * @example
   * const key = await client.fleets.createProvisioningKey(3, { name: 'factory', expiryDate: '2027-01-01T00:00:00Z' });
   */
  async createProvisioningKey(
    fleet: number | string,
    options: { name?: string; description?: string; expiryDate: string | null },
  ): Promise<string> {
    const id = await resolveId(this.http, 'application', 'slug', fleet);
    return this.http.request<string>('POST', '/api-key/v2/', {
      body: {
        actorType: 'application',
        actorTypeId: id,
        roles: ['provisioning-api-key'],
        name: options.name ?? null,
        description: options.description ?? null,
        expiryDate: options.expiryDate,
      },
    });
  }

  private async onlineCounts(id?: number): Promise<Map<number, number>> {
    const answer = await this.http.request<{ d: { id: number; owns__device: number }[] }>(
      'GET',
      id === undefined ? '/v7/application' : pathFor('application', 'slug', id),
      { query: odataQuery({ $select: 'id', $expand: 'owns__device/$count($filter=is_online eq true)' }) },
    );
    return new Map(answer.d.map((row) => [row.id, row.owns__device]));
  }
}

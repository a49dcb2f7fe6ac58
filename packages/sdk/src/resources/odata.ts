import { type ODataOptions, odataQuery } from '../odata-query.js';
import type { Transport } from '../transport.js';

/** Typed access to any `/v7` resource, for what the dedicated helpers do not cover. */
export class ODataResource {
  constructor(private readonly http: Transport) {}

  /**
   * Reads rows of a resource (optionally one key: `device(12)`, `device(uuid='…')`).
   *
   * @example
   * interface Row { uuid: string; is_online: boolean }
   * const rows = await client.odata.get<Row>('device', { $select: ['uuid', 'is_online'], $filter: 'is_online eq false', $top: 10 });
   */
  async get<T>(resource: string, options?: ODataOptions): Promise<T[]> {
    checkResource(resource);
    return (await this.http.request<{ d: T[] }>('GET', `/v7/${resource}`, { query: odataQuery(options) })).d;
  }

  /**
   * Counts rows matching an optional filter (`/$count`).
   *
   * @example
   * const n = await client.odata.count('device', { $filter: "api_heartbeat_state eq 'online'" });
   */
  async count(resource: string, options: Pick<ODataOptions, '$filter'> = {}): Promise<number> {
    checkResource(resource);
    return (
      await this.http.request<{ d: number }>('GET', `/v7/${resource}/$count`, { query: odataQuery(options) })
    ).d;
  }

  /**
   * Creates a row; returns the created entity.
   *
   * @example
   * const v = await client.odata.post<{ id: number }>('device_environment_variable', { device: 5, name: 'A', value: '1' });
   */
  post<T>(resource: string, body: Record<string, unknown>): Promise<T> {
    checkResource(resource);
    return this.http.request<T>('POST', `/v7/${resource}`, { body });
  }

  /**
   * Updates the rows a key path or filter selects.
   *
   * @example
   * await client.odata.patch('device(5)', { note: 'in the attic' });
   */
  async patch(
    resource: string,
    body: Record<string, unknown>,
    options?: Pick<ODataOptions, '$filter'>,
  ): Promise<void> {
    checkResource(resource);
    await this.http.request('PATCH', `/v7/${resource}`, { body, query: odataQuery(options) });
  }

  /**
   * Deletes the rows a key path or filter selects.
   *
   * @example
   * await client.odata.delete('device_tag(7)');
   */
  async delete(resource: string, options?: Pick<ODataOptions, '$filter'>): Promise<void> {
    checkResource(resource);
    await this.http.request('DELETE', `/v7/${resource}`, { query: odataQuery(options) });
  }
}

/** A resource name, optionally with a key: never a query or another path. */
function checkResource(resource: string): void {
  if (!/^[a-z_]+(\([^/?#]*\))?$/.test(resource)) throw new TypeError(`not a /v7 resource: ${resource}`);
}

import { keyPath, odataQuery, odataString } from '../odata-query.js';
import type { Transport } from '../transport.js';
import type { EnvTarget, EnvVar } from '../types.js';
import { notFound, resolveId } from './lookup.js';

type Kind = 'environment' | 'config';

interface Where {
  readonly resource: `${'application' | 'device'}_${Kind}_variable`;
  readonly field: 'application' | 'device';
  readonly id: number;
}

/**
 * Environment variables of fleets and devices (`client.env`); the same methods over configuration
 * variables are `client.config`.
 */
export class EnvResource {
  constructor(
    protected readonly http: Transport,
    private readonly kind: Kind = 'environment',
  ) {}

  /**
   * The variables of a fleet or of one device (the device's own, not inherited ones), by name.
   *
   * @example
   * const vars = await client.env.list({ fleet: 'admin/thermostats' });
   */
  async list(target: EnvTarget): Promise<EnvVar[]> {
    const where = await this.where(target);
    return this.find(where);
  }

  /**
   * Creates or updates a variable.
   *
   * @example
   * await client.env.set({ device: uuid, name: 'LOG_LEVEL', value: 'debug' });
   */
  async set(input: EnvTarget & { name: string; value: string }): Promise<EnvVar> {
    const where = await this.where(input);
    const existing = (await this.find(where, input.name))[0];
    if (existing) {
      await this.http.request('PATCH', keyPath(where.resource, existing.id), {
        body: { value: input.value },
      });
      return { ...existing, value: input.value };
    }
    const created = await this.http.request<{ id: number; name: string; value: string }>(
      'POST',
      `/v7/${where.resource}`,
      {
        body: { [where.field]: where.id, name: input.name, value: input.value },
      },
    );
    return { id: created.id, name: created.name, value: created.value };
  }

  /**
   * Deletes a variable; `NotFound` when there is none of that name.
   *
   * @example
   * await client.env.remove({ fleet: 3, name: 'LOG_LEVEL' });
   */
  async remove(input: EnvTarget & { name: string }): Promise<void> {
    const where = await this.where(input);
    const existing = (await this.find(where, input.name))[0];
    if (!existing) throw notFound('variable', input.name);
    await this.http.request('DELETE', keyPath(where.resource, existing.id));
  }

  private async find(where: Where, name?: string): Promise<EnvVar[]> {
    const filter = `${where.field} eq ${where.id}${name === undefined ? '' : ` and name eq ${odataString(name)}`}`;
    const answer = await this.http.request<{ d: EnvVar[] }>('GET', `/v7/${where.resource}`, {
      query: odataQuery({ $select: ['id', 'name', 'value'], $filter: filter, $orderby: 'name asc' }),
    });
    return answer.d.map((row) => ({ id: row.id, name: row.name, value: row.value }));
  }

  private async where(target: EnvTarget): Promise<Where> {
    if ('fleet' in target) {
      const fleet = typeof target.fleet === 'string' ? target.fleet.toLowerCase() : target.fleet;
      const id = await resolveId(this.http, 'application', 'slug', fleet);
      return { resource: `application_${this.kind}_variable`, field: 'application', id };
    }
    if ('device' in target) {
      const id = await resolveId(this.http, 'device', 'uuid', target.device);
      return { resource: `device_${this.kind}_variable`, field: 'device', id };
    }
    throw new TypeError('give { fleet } or { device }');
  }
}

import { MooringError } from '../errors.js';
import { keyPath, odataString } from '../odata-query.js';
import type { Transport } from '../transport.js';

/** `resource(id)` for numbers, `resource(field='…')` for strings. */
export function pathFor(resource: string, field: string, idOr: number | string): string {
  return typeof idOr === 'number' ? keyPath(resource, idOr) : keyPath(resource, { [field]: idOr });
}

/** Resolves a fleet slug or a device uuid to the numeric id the key endpoints need. */
export async function resolveId(
  http: Transport,
  resource: 'application' | 'device' | 'organization' | 'device_type',
  field: string,
  idOr: number | string,
): Promise<number> {
  if (typeof idOr === 'number') return idOr;
  const answer = await http.request<{ d: { id: number }[] }>('GET', pathFor(resource, field, idOr), {
    query: '$select=id',
  });
  const row = answer.d[0];
  if (row === undefined)
    throw notFound(resource === 'application' ? 'fleet' : resource.replace('_', ' '), idOr);
  return row.id;
}

/** The SDK's own 404 for an empty key lookup (the server answers an empty list, as balena does). */
export function notFound(what: string, idOr: number | string): MooringError {
  const name = typeof idOr === 'number' ? String(idOr) : odataString(idOr);
  return new MooringError('NotFound', `No ${what} ${name}`, { status: 404 });
}

/** A foreign key as the v7 wire sends it: a number, `{ __id }` (deferred) or an expanded row. */
export type Ref =
  | number
  | { readonly __id: number }
  | { readonly id: number }
  | readonly { readonly id: number }[];

export function refId(value: Ref): number {
  if (typeof value === 'number') return value;
  if (Array.isArray(value)) return (value as readonly { id: number }[])[0]?.id ?? Number.NaN;
  return '__id' in value ? value.__id : (value as { id: number }).id;
}

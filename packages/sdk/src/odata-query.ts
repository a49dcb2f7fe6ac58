/** Building `/v7` URLs the way the server's parser reads them (COMPAT.md A4). */

export interface ODataOptions {
  /** Field names, or a prepared list (`'id,uuid'`). */
  readonly $select?: string | readonly string[];
  /** A filter expression in OData syntax; quote literals with {@link odataString}. */
  readonly $filter?: string;
  /** Navigations, with nested options in OData syntax: `'owns__device($select=uuid)'`. */
  readonly $expand?: string | readonly string[];
  readonly $orderby?: string | readonly string[];
  readonly $top?: number;
  readonly $skip?: number;
}

/**
 * Quotes a string literal for `$filter` or a key path: `'` is doubled, as OData requires.
 *
 * @example
 * client.odata.get('device', { $filter: `device_name eq ${odataString("bob's pi")}` });
 */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * `resource(1)` or `resource(field='…')`, percent-encoded for the path.
 *
 * @example
 * await client.request('PATCH', keyPath('device', { uuid }), { body: { note: 'attic' } });
 */
export function keyPath(resource: string, key: number | { readonly [field: string]: string }): string {
  if (typeof key === 'number') {
    if (!Number.isSafeInteger(key) || key < 1) throw new TypeError(`invalid id: ${key}`);
    return `/v7/${resource}(${key})`;
  }
  const [field, value] = Object.entries(key)[0] ?? [];
  if (field === undefined || value === undefined) throw new TypeError('an alternate key needs one field');
  return `/v7/${resource}(${field}=${encodeURIComponent(odataString(value))})`;
}

/**
 * Serialises OData options; values are percent-encoded, `$` names are kept literal.
 *
 * @example
 * await client.request('GET', '/v7/device', { query: odataQuery({ $select: ['id', 'uuid'], $top: 5 }) });
 */
export function odataQuery(options: ODataOptions | undefined): string {
  if (!options) return '';
  const parts: string[] = [];
  const list = (v: string | readonly string[]): string => (typeof v === 'string' ? v : v.join(','));
  const add = (name: string, value: string | undefined): void => {
    if (value !== undefined && value !== '') parts.push(`${name}=${encodeURIComponent(value)}`);
  };
  add('$select', options.$select === undefined ? undefined : list(options.$select));
  add('$filter', options.$filter);
  add('$expand', options.$expand === undefined ? undefined : list(options.$expand));
  add('$orderby', options.$orderby === undefined ? undefined : list(options.$orderby));
  for (const name of ['$top', '$skip'] as const) {
    const n = options[name];
    if (n === undefined) continue;
    if (!Number.isSafeInteger(n) || n < 0) throw new TypeError(`${name} must be a non-negative integer`);
    parts.push(`${name}=${n}`);
  }
  return parts.join('&');
}

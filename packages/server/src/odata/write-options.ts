import { AppError } from '../errors/app-error.js';
import type { QueryOptions } from './ast.js';

export type WriteMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Refuses the query options a write would not honour exactly (docs/odata-writes.md), with a 400 naming
 * the first one. A PATCH or DELETE changes the rows its key or `$filter` selects, all of them:
 * pinejs applies `$orderby`/`$top`/`$skip` there through `WHERE id IN (SELECT … LIMIT …)`
 * (odata-to-abstract-sql `PathSegment`), which picks arbitrary rows whenever the order is not total,
 * and ignores `$select`/`$expand`; we would otherwise ignore all five and change every match. A POST or
 * PUT with `$filter` is a conditional insert there; here it takes no options at all.
 */
export function refuseUnsupportedOptions(options: QueryOptions, method: WriteMethod): void {
  const name = firstOption(options, method === 'PATCH' || method === 'DELETE');
  if (name === null) return;
  throw new AppError(
    'bad_request',
    method === 'PATCH' || method === 'DELETE'
      ? `${name} is not supported on ${method}: it changes every row the key or $filter selects`
      : `${name} is not supported on ${method}`,
  );
}

function firstOption(o: QueryOptions, filterAllowed: boolean): string | null {
  if (o.filter !== null && !filterAllowed) return '$filter';
  if (o.top !== null) return '$top';
  if (o.skip !== null) return '$skip';
  if (o.orderby !== null) return '$orderby';
  if (o.select !== null) return '$select';
  if (o.expand !== null) return '$expand';
  return null;
}

import type { DialectName } from '../../db/database.js';
import { type Fragment, quoteId, quoteLiteral, SqlBuilder } from '../../db/sql/fragment.js';
import type { FieldType } from '../../resources/model.js';

/** What JSON aggregation needs to know about the rows of an expansion. */
export interface JsonShape {
  readonly fields: readonly { readonly name: string; readonly type: FieldType }[];
  readonly expands: readonly { readonly name: string; readonly count: boolean }[];
}

/**
 * Aggregates the rows of `inner` into one JSON array value (`[]` when there are none), keeping the
 * inner ORDER BY. The only place where the two dialects' JSON functions differ.
 */
export function jsonArray(dialect: DialectName, inner: Fragment, shape: JsonShape): Fragment {
  const b = new SqlBuilder();
  if (dialect === 'postgres') {
    b.raw(`(SELECT coalesce(json_agg(row_to_json(x)), '[]'::json) FROM (`);
  } else {
    // SQLite loses the JSON subtype across subqueries: nested arrays are re-marked with json().
    b.raw('(SELECT json_group_array(json_object(');
    let first = true;
    for (const f of shape.fields) {
      b.raw(`${first ? '' : ', '}${quoteLiteral(f.name)}, "x".${quoteId(f.name)}`);
      first = false;
    }
    for (const e of shape.expands) {
      const value = e.count ? `"x".${quoteId(e.name)}` : `json("x".${quoteId(e.name)})`;
      b.raw(`${first ? '' : ', '}${quoteLiteral(e.name)}, ${value}`);
      first = false;
    }
    b.raw(')) FROM (');
  }
  return b.add(inner).raw(') x)').done();
}

/** Null-safe "not equal" (balena's `ne`: a NULL field differs from every value). */
export function distinctFrom(dialect: DialectName): string {
  return dialect === 'postgres' ? ' IS DISTINCT FROM ' : ' IS NOT ';
}

/** `LIMIT`/`OFFSET` from the plan's shape (numbers the parser validated, not parameters). */
export function limitOffset(dialect: DialectName, top: number | null, skip: number | null): string {
  let tail = '';
  if (top !== null) tail += ` LIMIT ${check(top)}`;
  // SQLite has no OFFSET without LIMIT.
  else if (skip !== null && dialect === 'sqlite') tail += ' LIMIT -1';
  if (skip !== null) tail += ` OFFSET ${check(skip)}`;
  return tail;
}

function check(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new TypeError(`bad $top/$skip value ${n}`);
  return n;
}

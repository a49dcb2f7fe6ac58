import { type Fragment, quoteId, quoteLiteral, SqlBuilder } from '../db/sql/fragment.js';
import type { FieldType } from '../resources/model.js';
import { joinedColumn, type RowShape } from './compiler/select.js';
import { expandColumns } from './row-mapper.js';
import { verbatim } from './row-serializer.js';

/**
 * SQLite only: the whole answer of a root read as one JSON text (`[{…},…]`), which SQLite builds
 * from the rows of `inner` in their order (the same way `jsonArray` aggregates an expansion).
 * Handing JavaScript one string instead of a value per cell, and writing no JSON in JavaScript,
 * halves the cost of a list read (docs/benchmarks.md). Only for shapes whose every value SQLite can
 * write as its wire value (COMPAT.md A0.5–6); null for the others (dates, JSON text, expansions that
 * need converting), which keep the array rows and the precomputed serializer (row-serializer.ts).
 */
export function sqliteJsonRows(inner: Fragment, shape: RowShape): Fragment | null {
  const pairs: string[] = [];
  for (const field of shape.fields) {
    const value = jsonValue(field.type, `"x".${quoteId(field.name)}`);
    if (value === null) return null;
    pairs.push(`${quoteLiteral(field.name)}, ${value}`);
  }
  for (const { expand } of expandColumns(shape)) {
    const column = `"x".${quoteId(expand.name)}`;
    let value: string | null;
    if (expand.count) value = `coalesce(${column}, 0)`;
    else if (expand.joined) value = joinedValue(expand.name, expand.shape as RowShape);
    else value = expand.shape !== null && verbatim(expand.shape) ? `json(coalesce(${column}, '[]'))` : null;
    if (value === null) return null;
    pairs.push(`${quoteLiteral(expand.name)}, ${value}`);
  }
  return new SqlBuilder()
    .raw(`SELECT json_group_array(json_object(${pairs.join(', ')})) FROM (`)
    .add(inner)
    .raw(') x')
    .done();
}

/** A joined to-one expansion (select.ts): `[]` without a target row, else `[{…}]` from its columns. */
function joinedValue(navigation: string, shape: RowShape): string | null {
  const pairs: string[] = [];
  for (const field of shape.fields) {
    const value = jsonValue(field.type, `"x".${quoteId(joinedColumn(navigation, field.name))}`);
    if (value === null) return null;
    pairs.push(`${quoteLiteral(field.name)}, ${value}`);
  }
  const id = `"x".${quoteId(joinedColumn(navigation, ''))}`;
  return `CASE WHEN ${id} IS NULL THEN json('[]') ELSE json_array(json_object(${pairs.join(', ')})) END`;
}

/** The SQL writing one stored value as its wire JSON, as row-mapper.ts converts it; null: not in SQL. */
function jsonValue(type: FieldType, ref: string): string | null {
  switch (type) {
    case 'id':
    case 'integer':
    case 'string':
      return ref;
    case 'boolean':
      return `CASE WHEN ${ref} IS NULL THEN NULL WHEN ${ref} IN (1, '1') THEN json('true') ELSE json('false') END`;
    case 'fk':
      return `CASE WHEN ${ref} IS NULL THEN NULL ELSE json_object('__id', ${ref}) END`;
    case 'datetime':
    case 'json':
      return null;
  }
}

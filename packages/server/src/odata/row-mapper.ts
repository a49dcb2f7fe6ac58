import type { FieldType } from '../resources/model.js';
import type { RowShape } from './compiler/select.js';

type Row = Record<string, unknown>;

/** Result rows as arrays, in select-list order (better-sqlite3 `raw()`, pg `rowMode: 'array'`). */
export type ArrayRow = readonly unknown[];
export type RowMapper = (rows: readonly ArrayRow[]) => Row[];

const isNil = (v: unknown): boolean => v === null || v === undefined;

/**
 * Storage → wire for one value of each field type, for array rows and object rows alike; the
 * serializer (row-serializer.ts) writes these values as JSON.
 */
export const CONVERT: Readonly<Record<FieldType, (value: unknown) => unknown>> = {
  boolean: (v) => (isNil(v) ? null : v === 1 || v === true || v === '1'),
  datetime: (v) => (isNil(v) ? null : new Date(Number(v)).toISOString()),
  fk: (v) => (isNil(v) ? null : { __id: Number(v) }),
  json: (v) => (typeof v === 'string' ? safeParse(v) : (v ?? null)),
  id: (v) => (isNil(v) ? null : Number(v)),
  integer: (v) => (isNil(v) ? null : Number(v)),
  string: (v) => v ?? null,
};

/**
 * Decides once per plan how each column becomes a wire value, so a request only runs the
 * conversions over array rows (no intermediate row objects keyed by column name, no type switch).
 */
export function compileRowMapper(shape: RowShape): RowMapper {
  const names = shape.fields.map((f) => f.name);
  const converters = shape.fields.map((f) => CONVERT[f.type]);
  const nf = names.length;
  const expands = expandColumns(shape).map(({ expand, at }) => {
    const joined = expand.joined ? compileRowMapper(expand.shape as RowShape) : null;
    const width = expand.shape?.fields.length ?? 0;
    return {
      name: expand.name,
      value: joined
        ? (row: ArrayRow): unknown => (isNil(row[at]) ? [] : joined([row.slice(at + 1, at + 1 + width)]))
        : (row: ArrayRow): unknown => expandValue(row[at], expand),
    };
  });
  return (rows) => {
    const out = new Array<Row>(rows.length);
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r] as ArrayRow;
      const o: Row = {};
      for (let i = 0; i < nf; i++) o[names[i] as string] = (converters[i] as (v: unknown) => unknown)(row[i]);
      for (let j = 0; j < expands.length; j++) {
        const expand = expands[j] as (typeof expands)[number];
        o[expand.name] = expand.value(row);
      }
      out[r] = o;
    }
    return out;
  };
}

/**
 * Where each expansion's value starts in an array row: after the fields, one column per expansion,
 * except a joined one, which takes the target's id and then its fields (RowShape `joined`).
 */
export function expandColumns(
  shape: RowShape,
): { readonly expand: RowShape['expands'][number]; readonly at: number }[] {
  let at = shape.fields.length;
  return shape.expands.map((expand) => {
    const start = at;
    at += expand.joined ? 1 + (expand.shape?.fields.length ?? 0) : 1;
    return { expand, at: start };
  });
}

/**
 * Storage → wire (COMPAT.md A0.5–6): 0/1 → booleans, epoch ms → ISO strings, foreign keys →
 * `{ "__id": n }`, expansions → arrays (parsed from the JSON the query aggregated). Object rows have
 * no joined expansions: only the root of a read plan joins, and read plans return array rows.
 */
export function mapRows(rows: readonly Row[], shape: RowShape): Row[] {
  return rows.map((row) => mapRow(row, shape));
}

function mapRow(row: Row, shape: RowShape): Row {
  const out: Row = {};
  for (const { name, type } of shape.fields) out[name] = CONVERT[type](row[name]);
  for (const expand of shape.expands) out[expand.name] = expandValue(row[expand.name], expand);
  return out;
}

/** An expansion: a count, or the aggregated JSON array (text on SQLite, parsed on PostgreSQL). */
function expandValue(value: unknown, expand: RowShape['expands'][number]): unknown {
  if (expand.count) return Number(value ?? 0);
  const list = typeof value === 'string' ? (JSON.parse(value) as Row[]) : ((value as Row[] | null) ?? []);
  return expand.shape ? list.map((child) => mapRow(child, expand.shape as RowShape)) : list;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

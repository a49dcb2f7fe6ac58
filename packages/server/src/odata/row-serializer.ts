import type { DialectName } from '../db/database.js';
import type { FieldType } from '../resources/model.js';
import type { RowShape } from './compiler/select.js';
import { type ArrayRow, CONVERT, expandColumns, mapRows } from './row-mapper.js';

/** Array rows of a read plan → the JSON text of the wire rows (`[{…},…]`). */
export type RowSerializer = (rows: readonly ArrayRow[]) => string;

type Writer = (value: unknown) => string;

const isNil = (v: unknown): boolean => v === null || v === undefined;

/**
 * Storage → wire JSON text for one value of each field type: the row mapper's conversion
 * (row-mapper.ts, the one place these rules live) written as JSON, so the text equals JSON.stringify
 * of the mapped rows. A converted value is never `undefined`, so the text is always defined.
 */
const WRITE = Object.fromEntries(
  Object.entries(CONVERT).map(([type, convert]) => [
    type,
    (v: unknown) => JSON.stringify(convert(v)) as string,
  ]),
) as Readonly<Record<FieldType, Writer>>;

/** Field types whose SQLite `json_object` rendering already is the wire value. */
const VERBATIM_TYPES: ReadonlySet<FieldType> = new Set(['id', 'integer', 'string']);

/**
 * Whether the JSON text SQLite aggregated for an expansion (sql/dialect.ts `jsonArray`) can go into
 * the response as it is: every field renders as its wire value (no 0/1 booleans, epoch-ms dates,
 * `{__id}` wrapping or JSON-in-text to convert), recursively. Then the expansion is never parsed.
 */
export function verbatim(shape: RowShape): boolean {
  return (
    shape.fields.every((f) => VERBATIM_TYPES.has(f.type)) &&
    shape.expands.every((e) => e.count || (e.shape !== null && verbatim(e.shape)))
  );
}

function expandWriter(expand: RowShape['expands'][number], dialect: DialectName): Writer {
  if (expand.count) return (v) => JSON.stringify(Number(v ?? 0));
  const shape = expand.shape;
  // SQLite hands the aggregate over as JSON text; PostgreSQL's driver has already parsed it.
  if (dialect === 'sqlite' && shape !== null && verbatim(shape)) {
    return (v) => (typeof v === 'string' ? v : '[]');
  }
  return (v) => {
    const list = typeof v === 'string' ? (JSON.parse(v) as Record<string, unknown>[]) : ((v as []) ?? []);
    return JSON.stringify(shape ? mapRows(list, shape) : list);
  };
}

/**
 * Decides once per plan how each column is written, so a read answer is one string built from the
 * array rows: no row objects, no JSON.stringify over them (the response's precomputed serializer).
 */
export function compileRowSerializer(shape: RowShape, dialect: DialectName): RowSerializer {
  const write = compileObjectWriter(shape, dialect);
  return (rows) => {
    let out = '[';
    for (let r = 0; r < rows.length; r++) {
      if (r > 0) out += ',';
      out += write(rows[r] as ArrayRow, 0);
    }
    return `${out}]`;
  };
}

/** One wire object from the columns of `row` starting at `from` (a joined expansion starts later). */
type ObjectWriter = (row: ArrayRow, from: number) => string;

function compileObjectWriter(shape: RowShape, dialect: DialectName): ObjectWriter {
  const prefixes: string[] = [];
  const writers: ((row: ArrayRow, from: number) => string)[] = [];
  const key = (name: string): string => `${prefixes.length === 0 ? '{' : ','}${JSON.stringify(name)}:`;
  shape.fields.forEach((field, i) => {
    const value = WRITE[field.type];
    prefixes.push(key(field.name));
    writers.push((row, from) => value(row[from + i]));
  });
  for (const { expand, at } of expandColumns(shape)) {
    prefixes.push(key(expand.name));
    if (expand.joined) {
      // The target's id first: null when the LEFT JOIN found no row.
      const target = compileObjectWriter(expand.shape as RowShape, dialect);
      writers.push((row, from) => (isNil(row[from + at]) ? '[]' : `[${target(row, from + at + 1)}]`));
    } else {
      const value = expandWriter(expand, dialect);
      writers.push((row, from) => value(row[from + at]));
    }
  }
  const n = writers.length;
  if (n === 0) return () => '{}';
  return (row, from) => {
    let out = '';
    for (let i = 0; i < n; i++) out += (prefixes[i] as string) + (writers[i] as ObjectWriter)(row, from);
    return `${out}}`;
  };
}

import type { RowShape } from './compiler/select.js';

type Row = Record<string, unknown>;

/**
 * Storage → wire (COMPAT.md A0.5–6): 0/1 → booleans, epoch ms → ISO strings, foreign keys →
 * `{ "__id": n }`, expansions → arrays (parsed from the JSON the query aggregated).
 */
export function mapRows(rows: readonly Row[], shape: RowShape): Row[] {
  return rows.map((row) => mapRow(row, shape));
}

function mapRow(row: Row, shape: RowShape): Row {
  const out: Row = {};
  for (const { name, type } of shape.fields) {
    const value = row[name];
    switch (type) {
      case 'boolean':
        out[name] =
          value === null || value === undefined ? null : value === 1 || value === true || value === '1';
        break;
      case 'datetime':
        out[name] = value === null || value === undefined ? null : new Date(Number(value)).toISOString();
        break;
      case 'fk':
        out[name] = value === null || value === undefined ? null : { __id: Number(value) };
        break;
      case 'json':
        out[name] = typeof value === 'string' ? safeParse(value) : (value ?? null);
        break;
      case 'id':
      case 'integer':
        out[name] = value === null || value === undefined ? null : Number(value);
        break;
      default:
        out[name] = value ?? null;
    }
  }
  for (const expand of shape.expands) {
    const value = row[expand.name];
    if (expand.count) {
      out[expand.name] = Number(value ?? 0);
      continue;
    }
    const list = typeof value === 'string' ? (JSON.parse(value) as Row[]) : ((value as Row[] | null) ?? []);
    out[expand.name] = expand.shape ? list.map((child) => mapRow(child, expand.shape as RowShape)) : list;
  }
  return out;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

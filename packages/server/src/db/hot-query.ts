import type { Database } from './database.js';
import { finishSql } from './sql/fragment.js';

/**
 * A fixed statement on a request's hot path, run without Kysely: SQLite runs it synchronously from
 * the handle's statement cache, PostgreSQL as a named (server-side prepared) statement. Kysely builds
 * and compiles a query on every call: ~30 µs for the key lookup, 20 times the statement itself
 * (docs/benchmarks.md). Everything else uses Kysely.
 */
export interface HotQuery {
  readonly name: string;
  readonly sqlite: string;
  readonly postgres: string;
}

/** `text` with `?` placeholders (none inside literals); `name` unique per statement. */
export function hotQuery(name: string, text: string): HotQuery {
  return { name: `mooring_${name}`, sqlite: text, postgres: finishSql(text, 'postgres') };
}

/** The first row, or undefined. */
export async function hotRow<Row>(
  db: Database,
  query: HotQuery,
  values: readonly unknown[],
): Promise<Row | undefined> {
  if (db.statements) return db.statements.prepare(query.sqlite).get(...values) as Row | undefined;
  if (!db.pool) throw new Error('no database connection');
  const result = await db.pool.query({ name: query.name, text: query.postgres, values: [...values] });
  return result.rows[0] as Row | undefined;
}

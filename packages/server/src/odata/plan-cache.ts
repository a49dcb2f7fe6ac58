import type { Statement } from 'better-sqlite3';
import type { Database } from '../db/database.js';
import { type Fragment, finishSql } from '../db/sql/fragment.js';
import type { Slot } from '../db/sql/slots.js';
import { type Binder, compileBinder } from '../db/sql/values.js';
import { isCountShape, type RowShape } from './compiler/select.js';
import { type ArrayRow, compileRowMapper, type RowMapper } from './row-mapper.js';
import { compileRowSerializer, type RowSerializer } from './row-serializer.js';
import { sqliteJsonRows } from './sql-json.js';
import { deadlineFor } from './sqlite-reader.js';

/** A compiled statement reusable for every request of the same shape and principal shape. */
export interface Plan {
  readonly sql: string;
  readonly slots: readonly Slot[];
  /** Turns a request's literals and principal into the statement's values (precomputed per plan). */
  readonly bind: Binder;
  readonly shape: RowShape;
  /** Read plans return array rows, mapped to the wire shape by this precomputed mapper. */
  readonly map: RowMapper | null;
  /** Read plans: the same rows straight to the response's JSON text (row-serializer.ts). */
  readonly serialize: RowSerializer | null;
  /** SQLite: the prepared statement. */
  readonly statement: Statement | undefined;
  /**
   * SQLite read plans whose shape allows it: the same query wrapped to return the whole answer as one
   * JSON text (sql-json.ts), the fast path of `readJson`; `statement` stays for array rows.
   */
  readonly jsonStatement: Statement | undefined;
  /** PostgreSQL: the prepared-statement name (per connection, prepared on first use). */
  readonly name: string;
  readonly returnsRows: boolean;
}

/** Bounded map of plans; the least recently inserted go first when full. */
export class PlanCache {
  private readonly plans = new Map<string, Plan>();
  private counter = 0;
  hits = 0;
  misses = 0;

  constructor(
    private readonly db: Database,
    private readonly maxPlans = 2000,
  ) {
    // Guarded SQLite plans call the deadline function (compiler/scope.ts): it must exist to prepare them.
    if (db.sqlite) deadlineFor(db.sqlite);
  }

  /** `arrays`: a read plan (array rows + row mapper, see {@link runRows}); else object rows. */
  get(key: string, build: () => { query: Fragment; shape: RowShape }, arrays = false): Plan {
    const cached = this.plans.get(key);
    if (cached) {
      this.hits++;
      return cached;
    }
    this.misses++;
    const plan = this.compile(build(), arrays);
    if (this.plans.size >= this.maxPlans) {
      const oldest = this.plans.keys().next().value;
      if (oldest !== undefined) this.plans.delete(oldest);
    }
    this.plans.set(key, plan);
    return plan;
  }

  /** Final SQL for the dialect, the SQLite prepare, the binder: everything a cache miss pays. */
  compile({ query, shape }: { query: Fragment; shape: RowShape }, arrays = false): Plan {
    const text = finishSql(query.text, this.db.dialect);
    const statement = this.db.sqlite?.prepare(text);
    if (arrays) statement?.raw(true);
    // On SQLite the final text is the fragment's own (no `$n` numbering), so it is wrapped as it is.
    const wrapped = arrays && this.db.sqlite && !isCountShape(shape) ? sqliteJsonRows(query, shape) : null;
    const jsonStatement = wrapped ? this.db.sqlite?.prepare(wrapped.text).pluck(true) : undefined;
    return {
      sql: text,
      slots: query.slots,
      bind: compileBinder(query.slots),
      shape,
      map: arrays ? compileRowMapper(shape) : null,
      serialize: arrays ? compileRowSerializer(shape, this.db.dialect) : null,
      statement,
      jsonStatement,
      name: `mooring_${++this.counter}`,
      returnsRows: statement ? statement.reader : true,
    };
  }
}

/** Runs a plan with bound values on either dialect. */
export async function runPlan(
  db: Database,
  plan: Plan,
  values: unknown[],
): Promise<Record<string, unknown>[]> {
  if (plan.statement) {
    if (plan.returnsRows) return plan.statement.all(...values) as Record<string, unknown>[];
    plan.statement.run(...values);
    return [];
  }
  if (!db.pool) throw new Error('no database connection');
  const result = await db.pool.query({ name: plan.name, text: plan.sql, values });
  return result.rows as Record<string, unknown>[];
}

/** Runs a read plan (compiled with `arrays`): rows as arrays in select-list order. */
export async function runRows(db: Database, plan: Plan, values: unknown[]): Promise<ArrayRow[]> {
  if (plan.map === null) throw new Error('not a read plan');
  if (plan.statement) return plan.statement.all(...values) as ArrayRow[];
  return runStatement(db, { name: plan.name, text: plan.sql }, values);
}

/** A variant of a read plan's PostgreSQL statement (read-tags.ts adds a leading column). */
export interface PlanVariant {
  readonly name: string;
  readonly text: string;
  /** Values bound after the plan's own. */
  readonly params: readonly unknown[];
}

/**
 * Where a read plan's select list starts, for a variant that prepends a column: every read plan
 * starts `SELECT ` (compiler/select.ts); null for anything else.
 */
export function selectListOf(plan: Plan): string | null {
  return plan.map !== null && /^SELECT (?!DISTINCT\b)/i.test(plan.sql)
    ? plan.sql.slice('SELECT '.length)
    : null;
}

/** The highest `$n` of a PostgreSQL plan: a variant's own parameters are numbered after it. */
export function lastParam(plan: Plan): number {
  let last = 0;
  for (const match of plan.sql.matchAll(/\$(\d+)/g)) last = Math.max(last, Number(match[1]));
  return last;
}

/** PostgreSQL: runs a variant of a read plan; rows as arrays in select-list order. */
export function runVariant(db: Database, variant: PlanVariant, values: unknown[]): Promise<ArrayRow[]> {
  return runStatement(db, variant, [...values, ...variant.params]);
}

async function runStatement(
  db: Database,
  statement: { readonly name: string; readonly text: string },
  values: unknown[],
): Promise<ArrayRow[]> {
  if (!db.pool) throw new Error('no database connection');
  const result = await db.pool.query({
    name: statement.name,
    text: statement.text,
    values,
    rowMode: 'array',
  });
  return result.rows as ArrayRow[];
}

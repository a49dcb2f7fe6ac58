import type { Kysely } from 'kysely';
import type { Principal } from '../auth/principal.js';
import type { Database } from '../db/database.js';
import type { DB } from '../db/schema.js';
import { Fragment, joinSql } from '../db/sql/fragment.js';
import { type Action, principalShape, type RowFilter } from '../permissions/permissions.js';
import type { ResourceDef } from '../resources/model.js';
import type { ParsedRequest } from './ast.js';
import { CompileEnv } from './compiler/scope.js';
import { rootWhere } from './compiler/select.js';
import { type PlanCache, runPlan } from './plan-cache.js';

/**
 * The SQL of generic `/v7` writes: one resource's table, rows chosen by id (the permission-checked
 * ids of odata.service.ts `targetIds`). Reads are compiled by `compiler/`. Each function takes the
 * write's transaction.
 */

/**
 * Ids of the rows `request` selects that `filter` (the principal's `rowFilter` for `action`) lets the
 * principal act on: `SELECT id … WHERE <request's key or $filter> AND <predicate>`, compiled by the
 * OData compiler like a read and cached per action, principal shape and URL shape.
 */
export async function permittedIds(
  db: Database,
  plans: PlanCache,
  def: ResourceDef,
  request: ParsedRequest,
  principal: Principal,
  action: Action,
  filter: RowFilter,
): Promise<number[]> {
  const env = new CompileEnv(db.dialect, principal);
  const plan = plans.get(`${action}|${principalShape(principal)}|${request.shapeKey}`, () => {
    const scope = env.scope(def);
    const where = rootWhere(
      env,
      scope,
      request,
      filter.kind === 'where' ? (s, form) => filter.predicate(s.alias, form) : undefined,
    );
    const head = new Fragment(`SELECT ${scope.q}."id" AS id FROM ${scope.model.table} ${scope.q} WHERE `);
    return { query: joinSql([head, where], ''), shape: { fields: [], expands: [] } };
  });
  const rows = await runPlan(db, plan, plan.bind(request.params, principal));
  return rows.map((row) => Number(row.id));
}

/** A resource's table (every `/v7` table has an integer `id`). */
export type ResourceTable = keyof DB & string;

/**
 * Column values of one row, checked against the resource model (`resources/<name>.ts` fields; odata.service.ts
 * `checkBody`) rather than against the row type: the table is only known at run time. This is the one
 * place where a row crosses from the model to Kysely untyped.
 */
type ModelRow = Readonly<Record<string, unknown>>;

/** Kysely over one table whose name is a run-time value: only `id` is known to exist. */
type AnyResourceDb = Record<ResourceTable, { id: number } & Record<string, unknown>>;
const byTable = (trx: Kysely<DB>): Kysely<AnyResourceDb> => trx as unknown as Kysely<AnyResourceDb>;

export async function insertRow(trx: Kysely<DB>, table: ResourceTable, row: ModelRow): Promise<number> {
  const inserted = await byTable(trx)
    .insertInto(table)
    .values(row as AnyResourceDb[ResourceTable])
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(inserted.id);
}

export async function updateRows(
  trx: Kysely<DB>,
  table: ResourceTable,
  ids: readonly number[],
  row: ModelRow,
): Promise<void> {
  await byTable(trx).updateTable(table).set(row).where('id', 'in', ids).execute();
}

export async function deleteRows(
  trx: Kysely<DB>,
  table: ResourceTable,
  ids: readonly number[],
): Promise<void> {
  await trx.deleteFrom(table).where('id', 'in', ids).execute();
}

/** Deleting actors revokes their API keys (FK cascade). */
export async function deleteActors(trx: Kysely<DB>, actors: readonly number[]): Promise<void> {
  if (actors.length > 0) await trx.deleteFrom('actor').where('id', 'in', actors).execute();
}

import { type RawBuilder, sql } from 'kysely';
import { AppError } from '../../errors/app-error.js';
import type { ResourceDef } from '../../resources/model.js';
import type { ExpandItem, OrderByItem, ParsedRequest, QueryOptions, ResourceKey } from '../ast.js';
import { ParamSlot } from '../slots.js';
import { compilePredicate, countSubquery } from './expressions.js';
import {
  type CompileEnv,
  clip,
  fieldOf,
  fieldSql,
  fieldType,
  fromClause,
  joinCondition,
  requireNavigation,
  type Scope,
  targetOf,
} from './scope.js';

/** How to turn one result row (or one JSON object of an expansion) into the wire shape. */
export interface RowShape {
  readonly fields: readonly { readonly name: string; readonly type: ResourceDef['fields'][string]['type'] }[];
  readonly expands: readonly {
    readonly name: string;
    readonly count: boolean;
    readonly shape: RowShape | null;
  }[];
}

const NO_VARS = new Map<string, Scope>();

/** `SELECT … FROM resource WHERE key AND filter AND permission ORDER BY … LIMIT …` */
export function compileRead(
  env: CompileEnv,
  def: ResourceDef,
  request: ParsedRequest,
  extraWhere?: (scope: Scope) => RawBuilder<unknown>,
): { query: RawBuilder<unknown>; shape: RowShape } {
  const scope = env.scope(def);
  const where = rootWhere(env, scope, request, extraWhere);
  if (request.count) {
    return {
      query: sql`SELECT count(*) AS n FROM ${fromClause(scope)} WHERE ${where}`,
      shape: { fields: [], expands: [] },
    };
  }
  const { columns, shape } = projection(env, scope, request.options);
  const query = sql`SELECT ${sql.join(columns)} FROM ${fromClause(scope)} WHERE ${where}${orderAndPage(env, scope, request.options)}`;
  return { query, shape };
}

/** The WHERE of the root: permission, key, $filter. Also used to select the rows of PATCH/DELETE. */
export function rootWhere(
  env: CompileEnv,
  scope: Scope,
  request: ParsedRequest,
  extraWhere?: (scope: Scope) => RawBuilder<unknown>,
): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [env.readable(scope)];
  if (request.key) parts.push(keyCondition(scope, request.key));
  if (request.options.filter)
    parts.push(sql`(${compilePredicate(env, scope, NO_VARS, request.options.filter)})`);
  if (extraWhere) parts.push(extraWhere(scope));
  return sql.join(parts, sql.raw(' AND '));
}

function keyCondition(scope: Scope, key: ResourceKey): RawBuilder<unknown> {
  const name = key.field ?? 'id';
  if (!scope.def.alternateKeys.includes(name)) {
    throw new AppError('odata_unknown', `"${clip(name)}" is not a key of resource "${scope.def.name}"`);
  }
  const type = fieldType(fieldOf(scope.def, name));
  const wanted = type === 'int' ? 'number' : 'string';
  if (key.value.type !== wanted) throw new AppError('odata_syntax', `The key "${name}" expects a ${wanted}`);
  return sql`${fieldSql(scope, name)} = ${new ParamSlot(key.value.index, type === 'int' ? 'integer' : 'string')}`;
}

function selectedFields(def: ResourceDef, options: QueryOptions): string[] {
  if (options.select === null || options.select === '*') return Object.keys(def.fields);
  const names: string[] = [];
  for (const name of options.select) {
    if (Object.hasOwn(def.fields, name)) names.push(name);
    else if (Object.hasOwn(def.navigations, name)) {
      throw new AppError('odata_unknown', `"${clip(name)}" is a navigation: use $expand=${clip(name)}`);
    } else {
      throw new AppError('odata_unknown', `Unknown field "${clip(name)}" on resource "${def.name}"`);
    }
  }
  return names;
}

function projection(
  env: CompileEnv,
  scope: Scope,
  options: QueryOptions,
): { columns: RawBuilder<unknown>[]; shape: RowShape } {
  // An expanded navigation replaces the foreign key of the same name (`belongs_to__application: [...]`).
  const expanded = new Set((options.expand ?? []).map((item) => item.navigation));
  const fieldNames = selectedFields(scope.def, options).filter((name) => !expanded.has(name));
  const columns = fieldNames.map((name) => sql`${fieldSql(scope, name)} AS ${sql.id(name)}`);
  const fields = fieldNames.map((name) => ({ name, type: fieldOf(scope.def, name).type }));
  const expands: RowShape['expands'][number][] = [];
  const seen = new Set<string>();
  for (const item of options.expand ?? []) {
    if (seen.has(item.navigation))
      throw new AppError('odata_syntax', `"${clip(item.navigation)}" is expanded twice`);
    seen.add(item.navigation);
    const compiled = expand(env, scope, item);
    columns.push(sql`${compiled.sql} AS ${sql.id(item.navigation)}`);
    expands.push({ name: item.navigation, count: item.kind === 'expandCount', shape: compiled.shape });
  }
  return { columns, shape: { fields, expands } };
}

function expand(
  env: CompileEnv,
  parent: Scope,
  item: ExpandItem,
): { sql: RawBuilder<unknown>; shape: RowShape | null } {
  if (item.kind === 'expandCount') {
    const filter = item.filter;
    const count = countSubquery(env, parent, item.navigation, (child) =>
      filter ? compilePredicate(env, child, NO_VARS, filter) : undefined,
    );
    return { sql: count, shape: null };
  }
  const nav = requireNavigation(parent.def, item.navigation);
  const child = env.scope(targetOf(nav));
  const { columns, shape } = projection(env, child, item.options);
  const filter = item.options.filter
    ? sql` AND (${compilePredicate(env, child, NO_VARS, item.options.filter)})`
    : sql``;
  const inner = sql`SELECT ${sql.join(columns)} FROM ${fromClause(child)} WHERE ${joinCondition(nav, parent, child, env)} AND ${env.readable(child)}${filter}${orderAndPage(env, child, item.options)}`;
  return { sql: jsonArray(env, inner, shape), shape };
}

/** Aggregates the inner rows into a JSON array; the only dialect-specific SQL of the compiler. */
function jsonArray(env: CompileEnv, inner: RawBuilder<unknown>, shape: RowShape): RawBuilder<unknown> {
  if (env.dialect === 'postgres') {
    return sql`(SELECT coalesce(json_agg(row_to_json(x)), '[]'::json) FROM (${inner}) x)`;
  }
  // SQLite loses the JSON subtype across subqueries: nested arrays are re-marked with json().
  const pairs: RawBuilder<unknown>[] = [];
  for (const f of shape.fields) pairs.push(sql`${sql.lit(f.name)}, ${sql.ref(`x.${f.name}`)}`);
  for (const e of shape.expands) {
    pairs.push(
      e.count
        ? sql`${sql.lit(e.name)}, ${sql.ref(`x.${e.name}`)}`
        : sql`${sql.lit(e.name)}, json(${sql.ref(`x.${e.name}`)})`,
    );
  }
  return sql`(SELECT json_group_array(json_object(${sql.join(pairs)})) FROM (${inner}) x)`;
}

function orderAndPage(env: CompileEnv, scope: Scope, options: QueryOptions): RawBuilder<unknown> {
  const terms = (options.orderby ?? []).map((item) => orderTerm(env, scope, item));
  // A final id tiebreak keeps paging stable and results identical across dialects.
  terms.push(sql`${sql.ref(`${scope.alias}.id`)} ASC`);
  let tail = sql` ORDER BY ${sql.join(terms)}`;
  if (options.top !== null) tail = sql`${tail} LIMIT ${sql.raw(String(options.top))}`;
  else if (options.skip !== null && env.dialect === 'sqlite') tail = sql`${tail} LIMIT -1`;
  if (options.skip !== null) tail = sql`${tail} OFFSET ${sql.raw(String(options.skip))}`;
  return tail;
}

function orderTerm(env: CompileEnv, scope: Scope, item: OrderByItem): RawBuilder<unknown> {
  const value = orderPathSql(env, scope, item.path);
  // SQLite and PostgreSQL disagree on where NULLs sort; pin SQLite's behaviour on both.
  return item.direction === 'asc' ? sql`${value} ASC NULLS FIRST` : sql`${value} DESC NULLS LAST`;
}

/** An $orderby path: a field, possibly through to-one navigations (each hop permission-filtered). */
function orderPathSql(env: CompileEnv, scope: Scope, path: readonly string[]): RawBuilder<unknown> {
  const [first, ...rest] = path;
  if (first === undefined) throw new AppError('odata_syntax', 'Empty $orderby path');
  if (rest.length === 0) {
    fieldOf(scope.def, first);
    return fieldSql(scope, first);
  }
  const nav = requireNavigation(scope.def, first);
  if (nav.kind !== 'one')
    throw new AppError('odata_syntax', `Cannot order by the collection "${clip(first)}"`);
  const child = env.scope(targetOf(nav));
  return sql`(SELECT ${orderPathSql(env, child, rest)} FROM ${fromClause(child)} WHERE ${joinCondition(nav, scope, child, env)} AND ${env.readable(child)})`;
}

import { type Fragment, quoteId, SqlBuilder, sql } from '../../db/sql/fragment.js';
import { ParamSlot } from '../../db/sql/slots.js';
import { AppError } from '../../errors/app-error.js';
import type { PredicateForm } from '../../permissions/permissions.js';
import type { NavigationDef, ResourceDef } from '../../resources/model.js';
import type {
  ExpandItem,
  ExpandNavigation,
  OrderByItem,
  ParsedRequest,
  QueryOptions,
  ResourceKey,
} from '../ast.js';
import { jsonArray, limitOffset } from '../sql/dialect.js';
import { compilePredicate, countSubquery } from './expressions.js';
import type { FieldSql } from './model-sql.js';
import { pinsOneRow } from './pinned.js';
import {
  type CompileEnv,
  clip,
  fieldSql,
  fieldSqlOf,
  fieldText,
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
    /**
     * A to-one expansion of the root read through a LEFT JOIN: its columns sit in the row itself,
     * the target's id first (null: no row, i.e. `[]`), then the fields of `shape`. Otherwise the
     * expansion is one column holding the aggregated JSON array (or the count).
     */
    readonly joined: boolean;
  }[];
}

const NO_VARS = new Map<string, Scope>();
const COUNT_SHAPE: RowShape = { fields: [], expands: [] };

/** Whether a compiled read is a `/$count` (one number, not rows). */
export function isCountShape(shape: RowShape): boolean {
  return shape === COUNT_SHAPE;
}

/**
 * `SELECT … FROM resource WHERE permission AND key AND filter ORDER BY … LIMIT …`, written straight
 * into SQL text (see db/sql/fragment.ts); every literal is a slot, every identifier from the model.
 */
export function compileRead(
  env: CompileEnv,
  def: ResourceDef,
  request: ParsedRequest,
  extraWhere?: (scope: Scope, form: PredicateForm) => Fragment,
): { query: Fragment; shape: RowShape } {
  const scope = env.scope(def);
  if (request.count) {
    const where = rootWhere(env, scope, request, extraWhere);
    return { query: sql`SELECT count(*) AS n FROM ${fromClause(scope)} WHERE ${where}`, shape: COUNT_SHAPE };
  }
  const b = new SqlBuilder().raw('SELECT ');
  const joins = new SqlBuilder();
  const shape = projection(env, scope, request.options, b, joins);
  b.raw(` FROM ${scope.model.table} ${scope.q}`).add(joins.done()).raw(' WHERE ');
  writeRootWhere(env, scope, request, extraWhere, b);
  orderAndPage(env, scope, request.options, b);
  return { query: b.done(), shape };
}

/** The WHERE of the root: permission, key, $filter. Also used to select the rows of PATCH/DELETE. */
export function rootWhere(
  env: CompileEnv,
  scope: Scope,
  request: ParsedRequest,
  extraWhere?: (scope: Scope, form: PredicateForm) => Fragment,
): Fragment {
  return writeRootWhere(env, scope, request, extraWhere, new SqlBuilder()).done();
}

function writeRootWhere(
  env: CompileEnv,
  scope: Scope,
  request: ParsedRequest,
  extraWhere: ((scope: Scope, form: PredicateForm) => Fragment) | undefined,
  b: SqlBuilder,
): SqlBuilder {
  const form = pinsOneRow(scope.def, request) ? 'point' : 'scan';
  b.add(env.readable(scope, form));
  if (request.key) keyCondition(scope, request.key, b.raw(' AND '));
  if (request.options.filter) {
    b.raw(' AND (')
      .add(compilePredicate(env, scope, NO_VARS, request.options.filter))
      .raw(')');
  }
  if (extraWhere) b.raw(' AND ').add(extraWhere(scope, form));
  return b;
}

function keyCondition(scope: Scope, key: ResourceKey, b: SqlBuilder): void {
  const name = key.field ?? 'id';
  if (!scope.def.alternateKeys.includes(name)) {
    throw new AppError('odata_unknown', `"${clip(name)}" is not a key of resource "${scope.def.name}"`);
  }
  const field = fieldSqlOf(scope, name);
  const type = fieldType(field);
  const wanted = type === 'int' ? 'number' : 'string';
  if (key.value.type !== wanted) throw new AppError('odata_syntax', `The key "${name}" expects a ${wanted}`);
  b.raw(`${fieldText(scope, field)} = `).slot(
    new ParamSlot(key.value.index, type === 'int' ? 'integer' : 'string'),
  );
}

function selectedFields(scope: Scope, options: QueryOptions): readonly FieldSql[] {
  if (options.select === null || options.select === '*') return scope.model.fields;
  const fields: FieldSql[] = [];
  for (const name of options.select) {
    const field = scope.model.byName.get(name);
    if (field) fields.push(field);
    else if (Object.hasOwn(scope.def.navigations, name)) {
      throw new AppError('odata_unknown', `"${clip(name)}" is a navigation: use $expand=${clip(name)}`);
    } else {
      throw new AppError('odata_unknown', `Unknown field "${clip(name)}" on resource "${scope.def.name}"`);
    }
  }
  return fields;
}

/**
 * Writes the select list into `b` and returns the shape of its rows. `joins` (the root read only)
 * receives the LEFT JOINs of the to-one expansions that {@link joinable} allows.
 */
function projection(
  env: CompileEnv,
  scope: Scope,
  options: QueryOptions,
  b: SqlBuilder,
  joins?: SqlBuilder,
): RowShape {
  let fields = selectedFields(scope, options);
  const expand = options.expand;
  // An expanded navigation replaces the foreign key of the same name (`belongs_to__application: [...]`).
  if (expand !== null) fields = withoutExpanded(fields, expand);
  let first = true;
  if (fields === scope.model.fields) {
    // A whole row: the model's select list, pre-rendered (root) or pieced around the alias.
    if (scope.alias === 't0') b.raw(scope.model.allColumnsT0);
    else {
      const parts = scope.model.allColumns;
      b.raw(parts[0] as string);
      for (let i = 1; i < parts.length; i++) b.raw(scope.q).raw(parts[i] as string);
    }
    first = fields.length === 0;
  } else {
    for (const field of fields) {
      b.raw(first ? fieldText(scope, field) : `, ${fieldText(scope, field)}`).raw(field.as);
      first = false;
    }
  }
  // FieldSql has the name and type a row shape needs: no copy per field.
  const shapeFields = fields === scope.model.fields ? scope.model.allFields : fields;
  if (expand === null) return { fields: shapeFields, expands: [] };
  const expands: RowShape['expands'][number][] = [];
  for (let i = 0; i < expand.length; i++) {
    const item = expand[i] as ExpandItem;
    for (let j = 0; j < i; j++) {
      if ((expand[j] as ExpandItem).navigation === item.navigation)
        throw new AppError('odata_syntax', `"${clip(item.navigation)}" is expanded twice`);
    }
    if (!first) b.raw(', ');
    first = false;
    if (joins && joinable(scope, item)) {
      const shape = joinedExpand(env, scope, item, b, joins);
      expands.push({ name: item.navigation, count: false, shape, joined: true });
      continue;
    }
    const compiled = expandSql(env, scope, item);
    // The name is a model navigation now: compiling it looked it up.
    b.add(compiled.sql).raw(` AS "${item.navigation}"`);
    expands.push({
      name: item.navigation,
      count: item.kind === 'expandCount',
      shape: compiled.shape,
      joined: false,
    });
  }
  return { fields: shapeFields, expands };
}

/**
 * A to-one expansion of the root with at most `$select`/`$filter` is read through a LEFT JOIN on the
 * target's primary key instead of a correlated subquery aggregating JSON for every row (half the
 * SQLite time of a 100-device list with its device type). Anything else (nested `$expand`, paging or
 * ordering inside, counts, to-many) keeps the subquery, whose semantics the join reproduces: the
 * join condition, the target's read permission and the `$filter` all sit in its ON clause, so a row
 * that any of them excludes becomes `[]`, exactly as an empty aggregate.
 */
function joinable(parent: Scope, item: ExpandItem): item is ExpandNavigation {
  if (item.kind !== 'expand') return false;
  const { expand, orderby, top, skip } = item.options;
  if (expand !== null || orderby !== null || top !== null || skip !== null) return false;
  return requireNavigation(parent.def, item.navigation).kind === 'one';
}

/** The column name of a joined expansion's field (`''`: the target's id). */
export function joinedColumn(navigation: string, field: string): string {
  return `${navigation}$${field}`;
}

function joinedExpand(
  env: CompileEnv,
  parent: Scope,
  item: ExpandNavigation,
  b: SqlBuilder,
  joins: SqlBuilder,
): RowShape {
  const nav = requireNavigation(parent.def, item.navigation);
  const child = env.scope(targetOf(nav));
  // The target's id tells a joined row from none; the fields follow. Named `<navigation>$…`, so
  // the root query can be wrapped as a subquery (sql/dialect.ts sqliteJsonRows).
  b.raw(`${child.q}."id" AS ${quoteId(joinedColumn(item.navigation, ''))}`);
  const fields = selectedFields(child, item.options);
  for (const field of fields) {
    b.raw(`, ${fieldText(child, field)} AS ${quoteId(joinedColumn(item.navigation, field.name))}`);
  }
  expandedRows(
    env,
    nav,
    parent,
    child,
    item.options,
    joins.raw(` LEFT JOIN ${child.model.table} ${child.q} ON `),
  );
  return { fields: fields === child.model.fields ? child.model.allFields : fields, expands: [] };
}

function expandSql(
  env: CompileEnv,
  parent: Scope,
  item: ExpandItem,
): { sql: Fragment; shape: RowShape | null } {
  if (item.kind === 'expandCount') {
    const count = countSubquery(env, parent, item.navigation, item.filter, NO_VARS);
    return { sql: count, shape: null };
  }
  const nav = requireNavigation(parent.def, item.navigation);
  const child = env.scope(targetOf(nav));
  const inner = new SqlBuilder().raw('SELECT ');
  const shape = projection(env, child, item.options, inner);
  expandedRows(
    env,
    nav,
    parent,
    child,
    item.options,
    inner.raw(` FROM ${child.model.table} ${child.q} WHERE `),
  );
  orderAndPage(env, child, item.options, inner);
  return { sql: jsonArray(env.dialect, inner.done(), shape), shape };
}

/**
 * Which target rows an expansion holds, for the subquery's WHERE and the join's ON alike: tied to
 * the parent row, readable by the principal, and passing the expansion's `$filter`.
 */
function expandedRows(
  env: CompileEnv,
  nav: NavigationDef,
  parent: Scope,
  child: Scope,
  options: QueryOptions,
  b: SqlBuilder,
): void {
  b.add(joinCondition(nav, parent, child, env))
    .raw(' AND ')
    .add(env.readable(child));
  if (options.filter)
    b.raw(' AND (')
      .add(compilePredicate(env, child, NO_VARS, options.filter))
      .raw(')');
}

function orderAndPage(env: CompileEnv, scope: Scope, options: QueryOptions, b: SqlBuilder): void {
  b.raw(' ORDER BY ');
  for (const item of options.orderby ?? []) b.add(orderTerm(env, scope, item)).raw(', ');
  // A final id tiebreak keeps paging stable and results identical across dialects.
  b.raw(`${scope.q}."id" ASC`).raw(limitOffset(env.dialect, options.top, options.skip));
}

function orderTerm(env: CompileEnv, scope: Scope, item: OrderByItem): Fragment {
  const value = orderPathSql(env, scope, item.path);
  // SQLite and PostgreSQL disagree on where NULLs sort; pin SQLite's behaviour on both.
  return item.direction === 'asc' ? sql`${value} ASC NULLS FIRST` : sql`${value} DESC NULLS LAST`;
}

/** An $orderby path: a field, possibly through to-one navigations (each hop permission-filtered). */
function orderPathSql(env: CompileEnv, scope: Scope, path: readonly string[]): Fragment {
  const [first, ...rest] = path;
  if (first === undefined) throw new AppError('odata_syntax', 'Empty $orderby path');
  if (rest.length === 0) return fieldSql(scope, first);
  const nav = requireNavigation(scope.def, first);
  if (nav.kind !== 'one')
    throw new AppError('odata_syntax', `Cannot order by the collection "${clip(first)}"`);
  const child = env.scope(targetOf(nav));
  return sql`(SELECT ${orderPathSql(env, child, rest)} FROM ${fromClause(child)} WHERE ${joinCondition(nav, scope, child, env)} AND ${env.readable(child)})`;
}

function withoutExpanded(fields: readonly FieldSql[], expand: readonly ExpandItem[]): readonly FieldSql[] {
  const kept: FieldSql[] = [];
  for (const field of fields) {
    let expanded = false;
    for (const item of expand) if (item.navigation === field.name) expanded = true;
    if (!expanded) kept.push(field);
  }
  return kept;
}

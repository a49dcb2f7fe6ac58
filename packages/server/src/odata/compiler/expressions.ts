import { EMPTY, FALSE, Fragment, joinSql, raw, sql, TRUE } from '../../db/sql/fragment.js';
import { type Conversion, ParamSlot } from '../../db/sql/slots.js';
import { AppError } from '../../errors/app-error.js';
import type {
  CallNode,
  CompareNode,
  CountNode,
  Expr,
  InNode,
  LambdaNode,
  ParamNode,
  PropertyNode,
} from '../ast.js';
import { distinctFrom } from '../sql/dialect.js';
import {
  type CompileEnv,
  clip,
  fieldSqlOf,
  fieldText,
  fieldType,
  fromClause,
  joinCondition,
  navigationOf,
  requireNavigation,
  type Scope,
  targetOf,
  type ValueType,
} from './scope.js';

/** Lambda variables in scope (inner lambdas shadow outer ones). */
export type Variables = ReadonlyMap<string, Scope>;

type Typed =
  | { readonly kind: 'pred'; readonly sql: Fragment }
  | { readonly kind: 'value'; readonly sql: Fragment; readonly type: ValueType }
  | { readonly kind: 'param'; readonly node: ParamNode }
  | { readonly kind: 'null' };

const bad = (message: string): AppError => new AppError('odata_syntax', message);

/** `$filter` → a SQL condition. Every literal is a bound parameter; identifiers come from the model. */
export function compilePredicate(env: CompileEnv, scope: Scope, vars: Variables, expr: Expr): Fragment {
  return asPredicate(compile(env, scope, vars, expr));
}

function compile(env: CompileEnv, scope: Scope, vars: Variables, expr: Expr): Typed {
  switch (expr.kind) {
    case 'param':
      return { kind: 'param', node: expr };
    case 'null':
      return { kind: 'null' };
    case 'property':
      return property(env, scope, vars, expr);
    case 'count':
      return { kind: 'value', type: 'int', sql: count(env, scope, vars, expr) };
    case 'lambda':
      return { kind: 'pred', sql: lambda(env, scope, vars, expr) };
    case 'call':
      return call(env, scope, vars, expr);
    case 'compare':
      return { kind: 'pred', sql: compare(env, scope, vars, expr) };
    case 'in':
      return { kind: 'pred', sql: inList(env, scope, vars, expr) };
    case 'not':
      return { kind: 'pred', sql: sql`NOT (${compilePredicate(env, scope, vars, expr.operand)})` };
    case 'and':
    case 'or': {
      const parts = expr.args.map((arg) => sql`(${compilePredicate(env, scope, vars, arg)})`);
      return { kind: 'pred', sql: joinSql(parts, expr.kind === 'and' ? ' AND ' : ' OR ') };
    }
  }
}

function asPredicate(typed: Typed): Fragment {
  if (typed.kind === 'pred') return typed.sql;
  if (typed.kind === 'value' && typed.type === 'bool') return sql`(${typed.sql} = 1)`;
  if (typed.kind === 'param' && typed.node.type === 'boolean')
    return sql`(${slot(typed.node, 'boolean')} = 1)`;
  throw bad('Expected a boolean expression in $filter');
}

function asValue(typed: Typed, expected?: ValueType): { sql: Fragment; type: ValueType | 'null' } {
  switch (typed.kind) {
    case 'pred':
      return { sql: sql`(CASE WHEN ${typed.sql} THEN 1 ELSE 0 END)`, type: 'bool' };
    case 'value':
      return typed;
    case 'null':
      return { sql: NULL, type: 'null' };
    case 'param':
      return paramValue(typed.node, expected);
  }
}

/** A literal compared with a typed operand takes that operand's type; mismatches are 400s. */
function paramValue(node: ParamNode, expected: ValueType | undefined): { sql: Fragment; type: ValueType } {
  switch (expected) {
    case 'int':
      if (node.type !== 'number') throw mismatch(node, expected);
      return { sql: slot(node, 'integer'), type: 'int' };
    case 'num':
      if (node.type !== 'number') throw mismatch(node, expected);
      return { sql: slot(node, 'raw'), type: 'num' };
    case 'str':
    case 'json':
      if (node.type !== 'string') throw mismatch(node, expected);
      return { sql: slot(node, 'string'), type: 'str' };
    case 'bool':
      if (node.type !== 'boolean') throw mismatch(node, expected);
      return { sql: slot(node, 'boolean'), type: 'bool' };
    case 'date':
      if (node.type !== 'datetime' && node.type !== 'string') throw mismatch(node, expected);
      return { sql: slot(node, 'datetime'), type: 'date' };
    case undefined:
      // Two literals compared (the SDK's `1 eq 1`): cast so PostgreSQL can type the parameters.
      switch (node.type) {
        case 'number':
          return { sql: sql`CAST(${slot(node, 'raw')} AS NUMERIC)`, type: 'num' };
        case 'string':
          return { sql: sql`CAST(${slot(node, 'string')} AS TEXT)`, type: 'str' };
        case 'boolean':
          return { sql: sql`CAST(${slot(node, 'boolean')} AS INTEGER)`, type: 'bool' };
        case 'datetime':
          return { sql: sql`CAST(${slot(node, 'datetime')} AS BIGINT)`, type: 'date' };
      }
  }
}

function mismatch(node: ParamNode, expected: ValueType): AppError {
  return bad(`A ${node.type} literal cannot be compared with a ${expected} value`);
}

function slot(node: ParamNode, as: Conversion): Fragment {
  return new Fragment('?', [new ParamSlot(node.index, as)]);
}

const NULL = raw('NULL');

const OPERATORS = { eq: ' = ', ne: ' <> ', gt: ' > ', ge: ' >= ', lt: ' < ', le: ' <= ' } as const;

function compare(env: CompileEnv, scope: Scope, vars: Variables, node: CompareNode): Fragment {
  const left = compile(env, scope, vars, node.left);
  const right = compile(env, scope, vars, node.right);
  if (left.kind === 'null' || right.kind === 'null') {
    const other = left.kind === 'null' ? right : left;
    if (other.kind === 'null') return node.op === 'eq' ? TRUE : FALSE;
    if (node.op !== 'eq' && node.op !== 'ne') throw bad(`"${node.op}" cannot compare with null`);
    const value = asValue(other).sql;
    return node.op === 'eq' ? sql`${value} IS NULL` : sql`${value} IS NOT NULL`;
  }
  const l = left.kind === 'param' ? undefined : asValue(left);
  const r = right.kind === 'param' ? undefined : asValue(right);
  const lv = l ?? asValue(left, r?.type === 'null' ? undefined : (r?.type as ValueType | undefined));
  const rv = r ?? asValue(right, lv.type === 'null' ? undefined : (lv.type as ValueType));
  if (!compatible(lv.type, rv.type)) throw bad(`Cannot compare ${lv.type} with ${rv.type}`);
  if ((lv.type === 'bool' || lv.type === 'json') && node.op !== 'eq' && node.op !== 'ne') {
    throw bad(`"${node.op}" does not apply to ${lv.type} values`);
  }
  // `ne` is null-safe like balena's: a NULL field is "not equal" to any value.
  if (node.op === 'ne') {
    return binary(lv.sql, distinctFrom(env.dialect), rv.sql);
  }
  return binary(lv.sql, OPERATORS[node.op], rv.sql);
}

const numeric = (t: string): boolean => t === 'int' || t === 'num';
const textual = (t: string): boolean => t === 'str' || t === 'json';

function compatible(a: ValueType | 'null', b: ValueType | 'null'): boolean {
  return a === b || (numeric(a) && numeric(b)) || (textual(a) && textual(b));
}

function inList(env: CompileEnv, scope: Scope, vars: Variables, node: InNode): Fragment {
  const operand = asValue(compile(env, scope, vars, node.operand));
  if (operand.type === 'null') throw bad('"in" needs a field on its left');
  const values = node.values.filter((v): v is ParamNode => v.kind === 'param');
  const hasNull = values.length !== node.values.length;
  const parts: Fragment[] = [];
  if (values.length > 0) {
    const list = values.map((v) => paramValue(v, operand.type as ValueType).sql);
    parts.push(sql`${operand.sql} IN (${joinSql(list)})`);
  }
  if (hasNull) parts.push(sql`${operand.sql} IS NULL`);
  return parts.length === 1 ? (parts[0] as Fragment) : sql`(${joinSql(parts, ' OR ')})`;
}

/** Resolves `a/b/c`: to-one navigations become correlated subqueries that also apply read permissions. */
function property(env: CompileEnv, scope: Scope, vars: Variables, node: PropertyNode): Typed {
  // The grammar (and the reference parser) allow a bare lambda variable; it names a row, not a value.
  if (node.path.length === 0)
    throw bad(`lambda variable '${clip(node.root ?? '')}' must be followed by '/property'`);
  const start = rootScope(scope, vars, node.root);
  return walkPath(env, start, node.path, 0);
}

function walkPath(
  env: CompileEnv,
  scope: Scope,
  path: readonly string[],
  at: number,
): { readonly kind: 'value'; readonly sql: Fragment; readonly type: ValueType } {
  const name = path[at] as string;
  if (at === path.length - 1) {
    const field = fieldSqlOf(scope, name);
    return { kind: 'value', sql: new Fragment(fieldText(scope, field)), type: fieldType(field) };
  }
  const nav = requireNavigation(scope.def, name);
  if (nav.kind !== 'one') {
    throw bad(`"${clip(name)}" is a collection: use ${clip(name)}/any(…) or ${clip(name)}/all(…)`);
  }
  const child = env.scope(targetOf(nav));
  const inner = walkPath(env, child, path, at + 1);
  return {
    kind: 'value',
    type: inner.type,
    sql: sql`(SELECT ${inner.sql} FROM ${fromClause(child)} WHERE ${joinCondition(nav, scope, child, env)} AND ${env.readable(child)})`,
  };
}

function rootScope(scope: Scope, vars: Variables, root: string | null): Scope {
  if (root === null) return scope;
  const bound = vars.get(root);
  if (!bound) throw bad(`Unknown lambda variable "${clip(root)}"`);
  return bound;
}

/**
 * Follows navigations `path` from `scope`, nesting EXISTS, and applies the lambda's predicate (negated
 * for `all`) to the last scope, where the lambda variable is bound.
 */
function exists(
  env: CompileEnv,
  scope: Scope,
  vars: Variables,
  path: readonly string[],
  at: number,
  node: LambdaNode,
): Fragment {
  const name = path[at] as string;
  const nav = navigationOf(scope.def, name);
  if (!nav) throw bad(`Unknown navigation "${clip(name)}" on resource "${scope.def.name}"`);
  const child = env.scope(targetOf(nav));
  const body =
    at < path.length - 1 ? exists(env, child, vars, path, at + 1, node) : lambdaBody(env, child, vars, node);
  return sql`EXISTS (SELECT 1 FROM ${fromClause(child)} WHERE ${joinCondition(nav, scope, child, env)} AND ${env.readable(child)} AND (${body}))`;
}

/** The lambda's predicate on `last` (the variable bound to it); negated for `all`. */
function lambdaBody(env: CompileEnv, last: Scope, vars: Variables, node: LambdaNode): Fragment {
  const inner = compilePredicate(env, last, new Map([...vars, [node.variable, last]]), node.predicate);
  return node.op === 'any' ? inner : sql`NOT (${inner})`;
}

function lambda(env: CompileEnv, scope: Scope, vars: Variables, node: LambdaNode): Fragment {
  const start = rootScope(scope, vars, node.root);
  // A lambda on a variable itself (`x/any(y: …)` with no further path) ranges over that one row.
  const found =
    node.path.length === 0
      ? lambdaBody(env, start, vars, node)
      : exists(env, start, vars, node.path, 0, node);
  // all(p) ≡ not any(not p)
  return node.op === 'any' ? found : sql`NOT ${found}`;
}

/** `nav/$count`: counts only rows the principal may read, optionally filtered. */
export function countSubquery(
  env: CompileEnv,
  scope: Scope,
  navigation: string,
  filter: Expr | null,
  vars: Variables,
): Fragment {
  const nav = requireNavigation(scope.def, navigation);
  const child = env.scope(targetOf(nav));
  const extra = filter ? sql` AND (${compilePredicate(env, child, vars, filter)})` : EMPTY;
  return sql`(SELECT count(*) FROM ${fromClause(child)} WHERE ${joinCondition(nav, scope, child, env)} AND ${env.readable(child)}${extra})`;
}

function count(env: CompileEnv, scope: Scope, vars: Variables, node: CountNode): Fragment {
  const start = rootScope(scope, vars, node.root);
  if (node.path.length !== 1) throw bad('$count is supported on a direct navigation only');
  return countSubquery(env, start, node.path[0] as string, node.filter, vars);
}

const LIKE: Record<string, Conversion> = {
  startswith: 'like-prefix',
  endswith: 'like-suffix',
  contains: 'like-contains',
  substringof: 'like-contains',
};

function call(env: CompileEnv, scope: Scope, vars: Variables, node: CallNode): Typed {
  const args = node.args.map((arg) => compile(env, scope, vars, arg));
  switch (node.name) {
    case 'tolower':
      return { kind: 'value', type: 'str', sql: sql`lower(${textArg(node, args[0])})` };
    case 'toupper':
      return { kind: 'value', type: 'str', sql: sql`upper(${textArg(node, args[0])})` };
    case 'length':
      return { kind: 'value', type: 'int', sql: sql`length(${textArg(node, args[0])})` };
    default: {
      // substringof(needle, haystack) has its arguments the other way round.
      const [haystack, needle] = node.name === 'substringof' ? [args[1], args[0]] : [args[0], args[1]];
      if (needle?.kind !== 'param' || needle.node.type !== 'string') {
        throw bad(`${node.name}() needs a string literal to search for`);
      }
      const pattern = slot(needle.node, LIKE[node.name] as Conversion);
      return { kind: 'pred', sql: sql`${textArg(node, haystack)} LIKE ${pattern} ESCAPE '\\'` };
    }
  }
}

function textArg(node: CallNode, typed: Typed | undefined): Fragment {
  if (!typed) throw bad(`${node.name}() is missing an argument`);
  const value = asValue(typed, 'str');
  if (value.type !== 'str' && value.type !== 'json') throw bad(`${node.name}() expects text`);
  return value.sql;
}

/** `left <op> right` without an intermediate array. */
function binary(left: Fragment, op: string, right: Fragment): Fragment {
  const text = left.text + op + right.text;
  if (right.slots.length === 0) return new Fragment(text, left.slots);
  if (left.slots.length === 0) return new Fragment(text, right.slots);
  return new Fragment(text, [...left.slots, ...right.slots]);
}

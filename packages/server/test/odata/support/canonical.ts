/**
 * One canonical form for a parsed OData request, and the conversion of *our* AST into it. The
 * reference parser's tree is converted by reference-canonical.ts; the differential test compares the
 * two. Literal values are substituted for parameters, `and`/`or` runs are flattened (associativity
 * is not a difference), and absent options are left out.
 */
import type { ExpandItem, Expr, ParsedRequest, QueryOptions } from '../../../src/odata/ast.js';

export type CValue = string | number | boolean | { readonly datetime: number };

export type CExpr =
  | readonly ['val', CValue]
  | readonly ['null']
  | readonly ['prop', string | null, readonly string[]]
  | readonly ['count', string | null, readonly string[], CExpr | null]
  | readonly ['lambda', string, string | null, readonly string[], string, CExpr]
  | readonly ['call', string, readonly CExpr[]]
  | readonly ['cmp', string, CExpr, CExpr]
  | readonly ['in', CExpr, readonly CExpr[]]
  | readonly ['not', CExpr]
  | readonly ['and' | 'or', readonly CExpr[]];

export type CExpand =
  | { readonly nav: string; readonly options: COptions }
  | { readonly nav: string; readonly count: true; readonly filter: CExpr | null };

export interface COptions {
  select?: '*' | readonly string[];
  filter?: CExpr;
  expand?: readonly CExpand[];
  orderby?: readonly (readonly [readonly string[], string])[];
  top?: number;
  skip?: number;
}

export interface CRequest {
  readonly resource: string;
  readonly key: { readonly field: string | null; readonly value: CValue } | null;
  readonly count: boolean;
  readonly options: COptions;
}

/** Builds an `and`/`or` node, splicing in operands that are the same operator. */
export function logical(op: 'and' | 'or', args: readonly CExpr[]): CExpr {
  const flat: CExpr[] = [];
  for (const a of args) {
    if (a[0] === op) flat.push(...(a[1] as readonly CExpr[]));
    else flat.push(a);
  }
  return [op, flat];
}

export function canonicalFromOurs(req: ParsedRequest): CRequest {
  const value = (i: number): CValue => {
    const v = req.params[i];
    if (v === undefined) throw new Error(`param ${i} out of range`);
    return v;
  };
  const expr = (e: Expr): CExpr => {
    switch (e.kind) {
      case 'param':
        return ['val', value(e.index)];
      case 'null':
        return ['null'];
      case 'property':
        return ['prop', e.root, e.path];
      case 'count':
        return ['count', e.root, e.path, e.filter === null ? null : expr(e.filter)];
      case 'lambda':
        return ['lambda', e.op, e.root, e.path, e.variable, expr(e.predicate)];
      case 'call':
        return ['call', e.name, e.args.map(expr)];
      case 'compare':
        return ['cmp', e.op, expr(e.left), expr(e.right)];
      case 'in':
        return ['in', expr(e.operand), e.values.map(expr)];
      case 'not':
        return ['not', expr(e.operand)];
      case 'and':
      case 'or':
        return logical(e.kind, e.args.map(expr));
    }
  };
  const expand = (item: ExpandItem): CExpand =>
    item.kind === 'expand'
      ? { nav: item.navigation, options: options(item.options) }
      : { nav: item.navigation, count: true, filter: item.filter === null ? null : expr(item.filter) };
  const options = (o: QueryOptions): COptions => {
    const c: COptions = {};
    if (o.select !== null) c.select = o.select;
    if (o.filter !== null) c.filter = expr(o.filter);
    if (o.expand !== null) c.expand = o.expand.map(expand);
    if (o.orderby !== null) c.orderby = o.orderby.map((i) => [i.path, i.direction] as const);
    if (o.top !== null) c.top = o.top;
    if (o.skip !== null) c.skip = o.skip;
    return c;
  };
  return {
    resource: req.resource,
    key: req.key === null ? null : { field: req.key.field, value: value(req.key.value.index) },
    count: req.count,
    options: options(req.options),
  };
}

/** Every parameter index in the AST, in the canonical walk order of parse-url.ts. */
export function paramIndices(req: ParsedRequest): number[] {
  const out: number[] = [];
  if (req.key !== null) out.push(req.key.value.index);
  const expr = (e: Expr): void => {
    switch (e.kind) {
      case 'param':
        out.push(e.index);
        return;
      case 'count':
        if (e.filter !== null) expr(e.filter);
        return;
      case 'lambda':
        expr(e.predicate);
        return;
      case 'call':
      case 'and':
      case 'or':
        for (const a of e.args) expr(a);
        return;
      case 'compare':
        expr(e.left);
        expr(e.right);
        return;
      case 'in':
        expr(e.operand);
        for (const v of e.values) expr(v);
        return;
      case 'not':
        expr(e.operand);
        return;
      default:
        return;
    }
  };
  const options = (o: QueryOptions): void => {
    if (o.filter !== null) expr(o.filter);
    for (const item of o.expand ?? []) {
      if (item.kind === 'expand') options(item.options);
      else if (item.filter !== null) expr(item.filter);
    }
  };
  options(req.options);
  return out;
}

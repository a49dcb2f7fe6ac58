import type { ResourceDef } from '../../resources/model.js';
import type { Expr, ParsedRequest } from '../ast.js';

/**
 * Whether a root query matches at most one row: a key in the path (`device(1)`,
 * `device(uuid='…')`) or a top-level `$filter` conjunct `<unique field> eq <literal>` (the status
 * read `$filter=uuid eq '…'`). Such a query gets the `point` form of the permission predicate
 * (permissions.ts `PredicateForm`). A cost decision only: both forms select the same rows.
 */
export function pinsOneRow(def: ResourceDef, request: ParsedRequest): boolean {
  if (request.key) return true;
  const filter = request.options.filter;
  return filter !== null && pins(def, filter);
}

function pins(def: ResourceDef, expr: Expr): boolean {
  if (expr.kind === 'and') return expr.args.some((arg) => pins(def, arg));
  if (expr.kind !== 'compare' || expr.op !== 'eq') return false;
  const { left, right } = expr;
  if (left.kind === 'property' && right.kind === 'param') return isUniqueField(def, left.root, left.path);
  if (right.kind === 'property' && left.kind === 'param') return isUniqueField(def, right.root, right.path);
  return false;
}

function isUniqueField(def: ResourceDef, root: string | null, path: readonly string[]): boolean {
  if (root !== null || path.length !== 1) return false;
  const name = path[0] as string;
  return name === 'id' || def.uniques.some((unique) => unique.length === 1 && unique[0] === name);
}

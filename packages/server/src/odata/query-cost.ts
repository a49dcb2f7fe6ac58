import type { Principal } from '../auth/principal.js';
import { AppError } from '../errors/app-error.js';
import type { NavigationDef, ResourceDef } from '../resources/model.js';
import type { Expr, OrderByItem, ParsedRequest, QueryOptions } from './ast.js';
import { navigationOf, targetOf } from './compiler/scope.js';

/**
 * The static cost of an OData read, measured on the AST before any SQL exists (docs/threat-model.md,
 * "What a query may cost"). Correlated subqueries multiply: a lambda nested in a lambda over a to-many
 * navigation is evaluated once per row of the outer one, so nine nested `any()` over
 * device_type ⇄ cpu_architecture made SQLite run for 49 s. Every measure here is a count a caller
 * controls through the URL; {@link QUERY_BUDGETS} caps each one per caller tier.
 */
export interface QueryCost {
  /** Nesting of `any()`/`all()` lambdas. */
  readonly lambdaDepth: number;
  /** Nesting of `nav/$count` terms (a `$count` inside a `$count($filter=…)` is 2). */
  readonly countDepth: number;
  /** Nesting of correlated subqueries: every navigation step, `$count` and `$expand` level. */
  readonly subqueryDepth: number;
  /** Subqueries and joins in the whole statement. */
  readonly subqueries: number;
  /** Nodes of every `$filter` (also inside `$expand` and `$count`). */
  readonly filterNodes: number;
  /** Operands of the widest `or` chain. */
  readonly orWidth: number;
  /** Nesting of `$expand`. */
  readonly expandDepth: number;
  /**
   * Estimated work per row of the resource read: every subquery and filter node weighs the rows it
   * runs for, a to-many step multiplying them by {@link FANOUT}. Grows exponentially with nesting,
   * as the real work does.
   */
  readonly cost: number;
}

export type LimitName = keyof QueryCost;

/** Who is asking, for budgets and concurrency: anonymous, device/provisioning keys, or users. */
export type CallerTier = 'anonymous' | 'device' | 'user';

/** The rows a to-many navigation is assumed to yield per parent row. */
export const FANOUT = 10;

/** In the order they are checked: the message names the most specific limit a query exceeds. */
const LOW_BUDGET: QueryCost = Object.freeze({
  lambdaDepth: 2,
  countDepth: 1,
  expandDepth: 3,
  orWidth: 32,
  subqueryDepth: 4,
  subqueries: 16,
  filterNodes: 200,
  cost: 2_000,
});

/**
 * Limits per tier. No balena-sdk URL comes near them (test/odata/query-cost.test.ts checks every
 * captured SDK URL: within half of the user budget, within the anonymous one); the 691-character
 * attack (cost 4·10⁹) exceeded the anonymous lambda depth fourfold. Device and provisioning keys sit
 * on devices in the field and run a few fixed queries, so they get the anonymous budget.
 */
export const QUERY_BUDGETS: Readonly<Record<CallerTier, QueryCost>> = Object.freeze({
  user: Object.freeze({
    lambdaDepth: 4,
    countDepth: 2,
    expandDepth: 4,
    orWidth: 256,
    subqueryDepth: 8,
    subqueries: 48,
    filterNodes: 1000,
    cost: 100_000,
  }),
  anonymous: LOW_BUDGET,
  device: LOW_BUDGET,
});

/**
 * Authenticated reads at or below this estimated cost run inline (the hot path: a status read costs
 * 4, the dearest captured SDK URL 53); dearer ones, and every anonymous read, run guarded (time
 * limit, worker thread, per-tier concurrency; odata/read-guard.ts).
 */
export const INLINE_COST = 100;

const DESCRIBE: Readonly<Record<LimitName, string>> = {
  lambdaDepth: 'any()/all() nesting',
  countDepth: '$count nesting',
  subqueryDepth: 'subquery nesting',
  subqueries: 'subqueries and joins',
  filterNodes: '$filter size (nodes)',
  orWidth: "operands of one 'or'",
  expandDepth: '$expand nesting',
  cost: 'estimated cost',
};

const TIER_TEXT: Readonly<Record<CallerTier, string>> = {
  anonymous: 'anonymous callers',
  device: 'device and provisioning keys',
  user: 'users',
};

export function tierOf(principal: Principal | null): CallerTier {
  if (principal === null) return 'anonymous';
  return principal.kind === 'user' ? 'user' : 'device';
}

/**
 * The first limit `cost` exceeds for `tier` as a 400 naming it, or null. Checked in budget order,
 * so the message names the most specific cause (a deep lambda, not just "too expensive").
 */
export function overBudget(cost: QueryCost, tier: CallerTier): AppError | null {
  const budget = QUERY_BUDGETS[tier];
  for (const name of Object.keys(budget) as LimitName[]) {
    if (cost[name] > budget[name]) {
      return new AppError(
        'query_too_expensive',
        `OData query too expensive: ${DESCRIBE[name]} is ${cost[name]}, the limit ${name} is ${budget[name]} for ${TIER_TEXT[tier]}`,
      );
    }
  }
  return null;
}

/**
 * Measures a parsed read against the model. Unknown names count as to-many steps and are left for
 * the compiler to refuse, so this never throws on input the compiler would explain better.
 */
export function measureQuery(def: ResourceDef, request: ParsedRequest): QueryCost {
  const m = new Meter();
  m.options(def, request.options, 1, 0, 0);
  return {
    lambdaDepth: m.lambdaDepth,
    countDepth: m.countDepth,
    subqueryDepth: m.subqueryDepth,
    subqueries: m.subqueries,
    filterNodes: m.filterNodes,
    orWidth: m.orWidth,
    expandDepth: m.expandDepth,
    // Capped so that absurd nesting stays a finite, printable number.
    cost: Math.min(Math.round(m.cost), Number.MAX_SAFE_INTEGER),
  };
}

type Vars = ReadonlyMap<string, ResourceDef | null>;
const NO_VARS: Vars = new Map();

/** Where an expression is evaluated: its resource (null once unknown), rows per root row, depth. */
interface At {
  readonly def: ResourceDef | null;
  readonly rows: number;
  readonly depth: number;
  readonly lambdas: number;
  readonly counts: number;
}

class Meter {
  lambdaDepth = 0;
  countDepth = 0;
  subqueryDepth = 0;
  subqueries = 0;
  filterNodes = 0;
  orWidth = 0;
  expandDepth = 0;
  cost = 0;

  options(def: ResourceDef | null, o: QueryOptions, rows: number, depth: number, expandLevel: number): void {
    if (o.filter !== null) this.expr(o.filter, NO_VARS, { def, rows, depth, lambdas: 0, counts: 0 });
    if (o.orderby !== null) for (const item of o.orderby) this.orderby(def, item, rows, depth);
    if (o.expand === null) return;
    const level = expandLevel + 1;
    this.expandDepth = Math.max(this.expandDepth, level);
    for (const item of o.expand) {
      const step = this.step(def, item.navigation, rows, depth + 1);
      if (item.kind === 'expand') this.options(step.def, item.options, step.rows, depth + 1, level);
      else if (item.filter !== null)
        this.expr(item.filter, NO_VARS, { ...step, depth: depth + 1, lambdas: 0, counts: 1 });
    }
  }

  private orderby(def: ResourceDef | null, item: OrderByItem, rows: number, depth: number): void {
    let scope = def;
    for (let i = 0; i < item.path.length - 1; i++) {
      scope = this.step(scope, item.path[i] as string, rows, depth + i + 1).def;
    }
  }

  /** One navigation step: a subquery (or join) running `rows × fanout` times. */
  private step(
    def: ResourceDef | null,
    name: string,
    rows: number,
    depth: number,
  ): { def: ResourceDef | null; rows: number } {
    const nav: NavigationDef | undefined = def === null ? undefined : navigationOf(def, name);
    const out = rows * (nav?.kind === 'one' ? 1 : FANOUT);
    this.subqueries++;
    this.subqueryDepth = Math.max(this.subqueryDepth, depth);
    this.cost += out;
    return { def: nav === undefined ? null : targetOf(nav), rows: out };
  }

  /** Follows `path` from `at`, one subquery per step; returns where the last step lands. */
  private walk(at: At, path: readonly string[], steps: number): At {
    let { def, rows, depth } = at;
    for (let i = 0; i < steps; i++) {
      depth++;
      ({ def, rows } = this.step(def, path[i] as string, rows, depth));
    }
    return { ...at, def, rows, depth };
  }

  private expr(e: Expr, vars: Vars, at: At): void {
    this.filterNodes++;
    this.cost += at.rows;
    switch (e.kind) {
      case 'param':
      case 'null':
        return;
      case 'property': {
        // The last segment is a field; each one before it is a to-one subquery.
        this.walk(start(e.root, vars, at), e.path, e.path.length - 1);
        return;
      }
      case 'count': {
        const counts = at.counts + 1;
        this.countDepth = Math.max(this.countDepth, counts);
        const inner = this.walk(start(e.root, vars, at), e.path, e.path.length);
        if (e.filter !== null) this.expr(e.filter, vars, { ...inner, counts });
        return;
      }
      case 'lambda': {
        const lambdas = at.lambdas + 1;
        this.lambdaDepth = Math.max(this.lambdaDepth, lambdas);
        const inner = this.walk(start(e.root, vars, at), e.path, e.path.length);
        const scoped = new Map(vars).set(e.variable, inner.def);
        this.expr(e.predicate, scoped, { ...inner, lambdas });
        return;
      }
      case 'call':
        for (const arg of e.args) this.expr(arg, vars, at);
        return;
      case 'compare':
        this.expr(e.left, vars, at);
        this.expr(e.right, vars, at);
        return;
      case 'in':
        this.expr(e.operand, vars, at);
        return;
      case 'not':
        this.expr(e.operand, vars, at);
        return;
      case 'and':
      case 'or':
        if (e.kind === 'or') this.orWidth = Math.max(this.orWidth, e.args.length);
        for (const arg of e.args) this.expr(arg, vars, at);
        return;
    }
  }
}

/** The scope a path starts from: a lambda variable's resource, or the current one. */
function start(root: string | null, vars: Vars, at: At): At {
  if (root === null) return at;
  const def = vars.get(root);
  return def === undefined ? at : { ...at, def };
}

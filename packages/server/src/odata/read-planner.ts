import type { Principal } from '../auth/principal.js';
import type { DialectName } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { principalShape } from '../permissions/permissions.js';
import { canEverRead } from '../resources/access.js';
import { type ResourceDef, resourceDef } from '../resources/model.js';
import type { ParsedRequest } from './ast.js';
import { CompileEnv, clip } from './compiler/scope.js';
import { compileRead } from './compiler/select.js';
import { withoutCredentialParams } from './credential-params.js';
import { parseODataUrl } from './parse-url.js';
import type { Plan, PlanCache } from './plan-cache.js';
import {
  type CallerTier,
  INLINE_COST,
  measureQuery,
  overBudget,
  type QueryCost,
  tierOf,
} from './query-cost.js';

/** What a GET needs before it runs: the parsed request and the plan (null: may never read it). */
export interface PreparedRead {
  readonly request: ParsedRequest;
  readonly def: ResourceDef;
  readonly plan: Plan | null;
  /** Whose budget and concurrency share the read uses. */
  readonly tier: CallerTier;
  /** Run through the ReadGuard (time limit, worker thread, per-tier share), not inline. */
  readonly guarded: boolean;
}

/** One exact URL: parsed and measured once, then one plan per principal shape. */
interface UrlEntry {
  readonly request: ParsedRequest;
  readonly def: ResourceDef;
  readonly cost: QueryCost;
  readonly byShape: Map<string, ShapeEntry>;
}

/** The decision for one URL and principal shape: a refusal, or a plan and how to run it. */
interface ShapeEntry {
  readonly plan: Plan | null;
  readonly refusal: AppError | null;
  readonly tier: CallerTier;
  readonly guarded: boolean;
}

/**
 * The steady-state read path (DESIGN.md §6). Polling clients repeat the same URLs, so a repeated
 * URL costs one map lookup on the URL, one on the principal's shape (a constant string for sessions
 * and unlimited keys) and the plan's precomputed binder: no parsing, no key strings built per request.
 * A URL seen for the first time is parsed and its plan taken from the shared {@link PlanCache}
 * (keyed by the URL's literal-free shape), so different literals still share one compiled statement.
 */
export class ReadPlanner {
  private readonly urls = new Map<string, UrlEntry>();
  /** URLs parsed because they were not in the map (for tests and the benchmark). */
  urlMisses = 0;

  constructor(
    private readonly plans: PlanCache,
    private readonly dialect: DialectName,
    private readonly maxUrls = 5000,
  ) {}

  prepare(fullUrl: string, principal: Principal | null): PreparedRead {
    const url = withoutCredentialParams(fullUrl);
    let entry = this.urls.get(url);
    if (entry === undefined) {
      this.urlMisses++;
      const request = parseODataUrl(url);
      const def = resourceDef(request.resource);
      if (!def) throw new AppError('odata_unknown', `Unknown resource "${clip(request.resource)}"`);
      entry = { request, def, cost: measureQuery(def, request), byShape: new Map() };
      // Drop the oldest URL when full (Map keeps insertion order): a large fleet polling with one
      // URL per device keeps most of its URLs instead of losing all of them at once.
      if (this.urls.size >= this.maxUrls) {
        const oldest = this.urls.keys().next().value;
        if (oldest !== undefined) this.urls.delete(oldest);
      }
      this.urls.set(url, entry);
    }
    const shape = principalShape(principal);
    let decided = entry.byShape.get(shape);
    if (decided === undefined) {
      decided = this.decide(entry, shape, principal);
      entry.byShape.set(shape, decided);
    }
    if (decided.refusal) throw decided.refusal;
    const { request, def } = entry;
    return { request, def, plan: decided.plan, tier: decided.tier, guarded: decided.guarded };
  }

  /** Everything here depends only on the URL and the principal's shape, so it is decided once. */
  private decide(entry: UrlEntry, shape: string, principal: Principal | null): ShapeEntry {
    const tier = tierOf(principal);
    // Whether the resource is readable at all depends only on the principal's shape.
    if (!canEverRead(entry.def.name, principal)) return { plan: null, refusal: null, tier, guarded: false };
    // Refused before any SQL exists: the cost of a query is bounded by its shape (query-cost.ts).
    const refusal = overBudget(entry.cost, tier);
    if (refusal) return { plan: null, refusal, tier, guarded: false };
    // Anonymous reads are always guarded: the estimate assumes a fan-out that a catalogue the caller
    // does not control could exceed, and nothing anonymous may take the event loop.
    const guarded = tier === 'anonymous' || entry.cost.cost > INLINE_COST;
    const plan = this.plans.get(
      `GET${guarded ? '!' : ''}|${shape}|${entry.request.shapeKey}`,
      () => compileRead(new CompileEnv(this.dialect, principal, guarded), entry.def, entry.request),
      true,
    );
    return { plan, refusal: null, tier, guarded };
  }
}

import type { Principal } from '../auth/principal.js';
import type { DialectName } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { canEverRead, principalShape } from '../permissions/permissions.js';
import { type ResourceDef, resourceDef } from '../resources/model.js';
import type { ParsedRequest } from './ast.js';
import { CompileEnv, clip } from './compiler/scope.js';
import { compileRead } from './compiler/select.js';
import { withoutCredentialParams } from './credential-params.js';
import { parseODataUrl } from './parse-url.js';
import type { Plan, PlanCache } from './plan-cache.js';

/** What a GET needs before it runs: the parsed request and the plan (null: may never read it). */
export interface PreparedRead {
  readonly request: ParsedRequest;
  readonly def: ResourceDef;
  readonly plan: Plan | null;
}

/** One exact URL: parsed once, then one plan per principal shape. */
interface UrlEntry {
  readonly request: ParsedRequest;
  readonly def: ResourceDef;
  readonly byShape: Map<string, Plan | null>;
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
      entry = { request, def, byShape: new Map() };
      // Drop the oldest URL when full (Map keeps insertion order): a large fleet polling with one
      // URL per device keeps most of its URLs instead of losing all of them at once.
      if (this.urls.size >= this.maxUrls) {
        const oldest = this.urls.keys().next().value;
        if (oldest !== undefined) this.urls.delete(oldest);
      }
      this.urls.set(url, entry);
    }
    const shape = principalShape(principal);
    let plan = entry.byShape.get(shape);
    if (plan === undefined) {
      plan = this.planFor(entry, shape, principal);
      entry.byShape.set(shape, plan);
    }
    return { request: entry.request, def: entry.def, plan };
  }

  private planFor(entry: UrlEntry, shape: string, principal: Principal | null): Plan | null {
    // Whether the resource is readable at all depends only on the principal's shape.
    if (!canEverRead(entry.def.name, principal)) return null;
    return this.plans.get(
      `GET|${shape}|${entry.request.shapeKey}`,
      () => compileRead(new CompileEnv(this.dialect, principal), entry.def, entry.request),
      true,
    );
  }
}

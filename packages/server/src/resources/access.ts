import type { KeyLimits, Principal } from '../auth/principal.js';
import {
  type Action,
  ALL,
  fleetLimit,
  intersect,
  NONE,
  type RowFilter,
  where,
} from '../permissions/permissions.js';
import { resourceDef } from './model.js';
import type { AccessRules, WriteAction } from './types.js';

/**
 * The one place that decides which `/v7` rows a principal may touch (DESIGN.md §2, STYLE.md §5): it
 * combines the rules each resource declares (`resources/<name>.ts` `access`) with the caller's kind
 * and key limits. The OData compiler applies the result to the root query, every $expand, every
 * lambda and navigation, and every write; the custom endpoints ask it too.
 */
export function rowFilter(resource: string, action: Action, principal: Principal | null): RowFilter {
  const rules = resourceDef(resource)?.access;
  if (!rules) return NONE;
  if (action !== 'read' && rules.readOnly?.includes(action)) return NONE;
  if (!principal) {
    if (action !== 'read') return NONE;
    if (rules.publicRead) return ALL;
    return rules.anonymous ? where(rules.anonymous) : NONE;
  }
  if (rules.publicRead) return ALL;
  if (principal.kind === 'device') {
    const rule = rules.device?.[action];
    return rule ? where(rule) : NONE;
  }
  // Provisioning keys only register devices (POST /device/register), never through /v7.
  if (principal.kind !== 'user') return NONE;
  const owner: RowFilter = principal.isAdmin ? ALL : rules.member ? where(rules.member) : NONE;
  return principal.limits ? intersect(owner, limitFilter(rules, action, principal.limits)) : owner;
}

/** What a named key's limits allow, before intersecting with its owner's rights. */
function limitFilter(rules: AccessRules, action: Action, limits: KeyLimits): RowFilter {
  if (rules.area) {
    const level = limits.areas[rules.area];
    if (!level || (action !== 'read' && level !== 'write')) return NONE;
  } else if (action !== 'read') {
    return NONE;
  }
  if (limits.fleetIds === null) return ALL;
  if (action === 'create' && rules.createInFleets === false) return NONE;
  const inFleets = rules.inFleets;
  if (!inFleets) return NONE;
  const fleets = fleetLimit(limits);
  return where((a, form = 'scan') => inFleets(a, form, fleets));
}

/** Whether any row of the resource could ever be readable: false → the root query answers 401/403. */
export function canEverRead(resource: string, principal: Principal | null): boolean {
  return rowFilter(resource, 'read', principal).kind !== 'none';
}

/** Whether the principal may create rows of `resource` at all (the parent is checked separately). */
export function mayCreate(resource: string, principal: Principal): boolean {
  return rowFilter(resource, 'create', principal).kind !== 'none';
}

/** Fields the principal may set on update; null = every field the model marks updatable. */
export function writableFields(resource: string, principal: Principal): ReadonlySet<string> | null {
  if (principal.kind !== 'device') return null;
  return resourceDef(resource)?.access.deviceWritable ?? null;
}

/** True when /v7 never writes this resource for anyone (405 rather than 403). */
export function isReadOnlyResource(resource: string, action: WriteAction): boolean {
  const def = resourceDef(resource);
  return def === undefined || (def.access.readOnly?.includes(action) ?? false);
}

/** What must hold for a new (or moved) row: its parent must pass this action's filter. */
export function createParent(resource: string): AccessRules['createParent'] {
  return resourceDef(resource)?.access.createParent;
}

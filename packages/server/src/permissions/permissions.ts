import { type RawBuilder, sql } from 'kysely';
import type { Principal } from '../auth/principal.js';
import { PrincipalSlot } from '../odata/slots.js';

/**
 * THE permission module (DESIGN.md §2, STYLE.md §5): for each resource and action, the rows a
 * principal may touch, as a SQL predicate over the row alias. The OData compiler applies it to the
 * root query, every $expand, every lambda and navigation, and every write. Nothing else decides access.
 */
export type Action = 'read' | 'create' | 'update' | 'delete';

export type RowFilter =
  | { readonly kind: 'all' }
  | { readonly kind: 'none' }
  | { readonly kind: 'where'; readonly predicate: (alias: string) => RawBuilder<unknown> };

const ALL: RowFilter = { kind: 'all' };
const NONE: RowFilter = { kind: 'none' };
const where = (predicate: (alias: string) => RawBuilder<unknown>): RowFilter => ({
  kind: 'where',
  predicate,
});

const userId = new PrincipalSlot('userId');
const actorId = new PrincipalSlot('actorId');
const col = (alias: string, column: string) => sql.ref(`${alias}.${column}`);

/** Organizations the calling user belongs to. */
const myOrgs = () =>
  sql`(SELECT pm.is_member_of__organization FROM organization_membership pm WHERE pm."user" = ${userId})`;
/** Fleets of those organizations. */
const myApps = () => sql`(SELECT pa.id FROM application pa WHERE pa.organization IN ${myOrgs()})`;
const myDevices = () => sql`(SELECT pd.id FROM device pd WHERE pd.belongs_to__application IN ${myApps()})`;

/** Resources that /v7 never writes (managed by Mooring endpoints or seeded). */
const READ_ONLY = new Set([
  'organization',
  'organization_membership',
  'user',
  'device_type',
  'device_type_alias',
  'cpu_architecture',
]);
/** Readable by anyone, even without credentials (COMPAT.md (b) item 0). */
const PUBLIC_CATALOGUE = new Set(['device_type', 'device_type_alias', 'cpu_architecture']);

/** Rules for members of organizations (non-administrators). */
const MEMBER_RULES: Record<string, (a: string) => RawBuilder<unknown>> = {
  organization: (a) => sql`${col(a, 'id')} IN ${myOrgs()}`,
  organization_membership: (a) => sql`${col(a, 'is_member_of__organization')} IN ${myOrgs()}`,
  user: (a) =>
    sql`(${col(a, 'id')} = ${userId} OR ${col(a, 'id')} IN (SELECT pm2."user" FROM organization_membership pm2 WHERE pm2.is_member_of__organization IN ${myOrgs()}))`,
  application: (a) => sql`${col(a, 'organization')} IN ${myOrgs()}`,
  device: (a) => sql`${col(a, 'belongs_to__application')} IN ${myApps()}`,
  application_environment_variable: (a) => sql`${col(a, 'application')} IN ${myApps()}`,
  application_config_variable: (a) => sql`${col(a, 'application')} IN ${myApps()}`,
  device_environment_variable: (a) => sql`${col(a, 'device')} IN ${myDevices()}`,
  device_config_variable: (a) => sql`${col(a, 'device')} IN ${myDevices()}`,
  // Own keys, and the provisioning/device keys of fleets and devices the user can reach.
  api_key: (a) =>
    sql`(${col(a, 'is_of__actor')} = ${actorId} OR ${col(a, 'is_of__actor')} IN (SELECT ka.actor FROM application ka WHERE ka.organization IN ${myOrgs()}) OR ${col(a, 'is_of__actor')} IN (SELECT kd.actor FROM device kd WHERE kd.belongs_to__application IN ${myApps()}))`,
};

export function rowFilter(resource: string, action: Action, principal: Principal | null): RowFilter {
  if (action !== 'read' && (READ_ONLY.has(resource) || (resource === 'api_key' && action === 'create'))) {
    return NONE;
  }
  if (!principal) {
    if (action !== 'read') return NONE;
    if (PUBLIC_CATALOGUE.has(resource)) return ALL;
    // Anonymous callers see public fleets only (none unless marked public).
    if (resource === 'application') return where((a) => sql`${col(a, 'is_public')} = 1`);
    return NONE;
  }
  if (PUBLIC_CATALOGUE.has(resource)) return ALL;
  if (principal.kind !== 'user') return NONE; // provisioning and device keys arrive with the API-key feature
  if (principal.isAdmin) return ALL;
  const rule = MEMBER_RULES[resource];
  return rule ? where(rule) : NONE;
}

/** Whether any row of the resource could ever be readable: false → the root query answers 401/403. */
export function canEverRead(resource: string, principal: Principal | null): boolean {
  if (!principal) return PUBLIC_CATALOGUE.has(resource) || resource === 'application';
  return rowFilter(resource, 'read', principal).kind !== 'none';
}

/** True when /v7 never writes this resource for anyone (405 rather than 403). */
export function isReadOnlyResource(resource: string, action: Exclude<Action, 'read'>): boolean {
  return READ_ONLY.has(resource) || (resource === 'api_key' && action === 'create');
}

/**
 * What must hold for a new row: its parent (by foreign key) must pass this filter. A member may create
 * fleets in their organizations, devices in their fleets, variables on fleets/devices they can update.
 */
export const CREATE_PARENT: Readonly<Record<string, { field: string; resource: string; action: Action }>> = {
  application: { field: 'organization', resource: 'organization', action: 'read' },
  device: { field: 'belongs_to__application', resource: 'application', action: 'update' },
  application_environment_variable: { field: 'application', resource: 'application', action: 'update' },
  application_config_variable: { field: 'application', resource: 'application', action: 'update' },
  device_environment_variable: { field: 'device', resource: 'device', action: 'update' },
  device_config_variable: { field: 'device', resource: 'device', action: 'update' },
};

/** A cache-key fragment: principals with equal shapes compile to the same SQL. */
export function principalShape(principal: Principal | null): string {
  if (!principal) return 'anon';
  return `${principal.kind}:${principal.isAdmin ? 'admin' : 'member'}`;
}

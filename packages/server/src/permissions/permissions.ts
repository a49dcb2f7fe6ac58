import type { KeyLimits, Principal, ScopeArea } from '../auth/principal.js';
import { FALSE, type Fragment, joinSql, quoteLiteral, raw, ref, sql, TRUE } from '../db/sql/fragment.js';
import { ConstSlot, PrincipalSlot } from '../db/sql/slots.js';

/**
 * The vocabulary of permission predicates (DESIGN.md §2, STYLE.md §5): the rows a principal may touch,
 * as a SQL predicate over the row alias (a `Fragment`: SQL text with `?` per bound principal value,
 * see db/sql/fragment.ts; it also embeds in Kysely `sql` templates). The sets a principal reaches
 * (its organizations, fleets, devices, a key's fleet list) are defined here once; each `/v7` resource
 * states its rules with them in `resources/<name>.ts`, and `resources/access.ts` `rowFilter` combines
 * them. The event and webhook rules and the device endpoint decisions live here too. Effective
 * rights = key limits ∩ the owner's current rights, both evaluated in SQL at request time, so leaving
 * an organization removes a key's access at once.
 */
export type Action = 'read' | 'create' | 'update' | 'delete';

/**
 * How a predicate tests membership of a set it reaches through subqueries. `scan` writes
 * `x IN (SELECT …)`: the list is built once per statement and can drive an index, right for
 * queries over many rows. `point` writes the same test as correlated `EXISTS (SELECT 1 … = x)`:
 * no list is built, a few primary-key or unique-index probes per candidate row, right for a query
 * pinned to at most one row by a unique key (about half the statement's cost for a status read).
 * Both select the same rows: they differ only when `x` is NULL (IN gives NULL, EXISTS false), and
 * a permission predicate is only ever used un-negated, where NULL and false both exclude the row.
 */
export type PredicateForm = 'scan' | 'point';

export type RowFilter =
  | { readonly kind: 'all' }
  | { readonly kind: 'none' }
  | { readonly kind: 'where'; readonly predicate: Predicate };

export type Predicate = (alias: string, form?: PredicateForm) => Fragment;

/**
 * The filter as one SQL predicate over `alias` (`1 = 1` / `1 = 0` for all / none rows), for
 * queries written outside the OData compiler and for the compiler's own scopes.
 */
export function filterPredicate(filter: RowFilter, alias: string, form: PredicateForm = 'scan'): Fragment {
  if (filter.kind === 'all') return TRUE;
  if (filter.kind === 'none') return FALSE;
  return filter.predicate(alias, form);
}

export const ALL: RowFilter = { kind: 'all' };
export const NONE: RowFilter = { kind: 'none' };
export const where = (predicate: Predicate): RowFilter => ({ kind: 'where', predicate });

/** The calling principal's values, bound per request. */
export const userId = new PrincipalSlot('userId');
export const actorId = new PrincipalSlot('actorId');
export const deviceId = new PrincipalSlot('deviceId');
export const applicationId = new PrincipalSlot('applicationId');
/** `"alias"."column"` */
export const col = ref;

/**
 * A set of ids the principal reaches: `SELECT <column> FROM <from> WHERE <where>`. Its columns are
 * primary keys or uniquely indexed, so the `point` form probes an index. Aliases are fixed per set
 * and distinct from the compiler's (`t0`, `t1`, …).
 */
export interface Reach {
  readonly from: Fragment;
  readonly column: Fragment;
  readonly where: (form: PredicateForm) => Fragment;
}

/** `value` is in `set`, written in `form` (see {@link PredicateForm}). */
export function within(value: Fragment, set: Reach, form: PredicateForm = 'scan'): Fragment {
  return form === 'scan'
    ? sql`${value} IN (SELECT ${set.column} FROM ${set.from} WHERE ${set.where(form)})`
    : sql`EXISTS (SELECT 1 FROM ${set.from} WHERE ${set.column} = ${value} AND ${set.where(form)})`;
}

const reach = (from: string, column: string, where: (form: PredicateForm) => Fragment): Reach => ({
  from: raw(from),
  column: raw(column),
  where,
});

/** Organizations the calling user belongs to. */
export const MY_ORGS = reach(
  'organization_membership pm',
  'pm.is_member_of__organization',
  () => sql`pm."user" = ${userId}`,
);
/** Fleets of those organizations. */
export const MY_APPS = reach('application pa', 'pa.id', (form) =>
  within(raw('pa.organization'), MY_ORGS, form),
);
/** Devices of those fleets. */
export const MY_DEVICES = reach('device pd', 'pd.id', (form) =>
  within(raw('pd.belongs_to__application'), MY_APPS, form),
);
/** Users who share an organization with the caller. */
export const CO_MEMBERS = reach('organization_membership pm2', 'pm2."user"', (form) =>
  within(raw('pm2.is_member_of__organization'), MY_ORGS, form),
);
/** Actors of the caller's fleets (their provisioning keys) and of their devices (device keys). */
export const FLEET_ACTORS = reach('application ka', 'ka.actor', (form) =>
  within(raw('ka.organization'), MY_ORGS, form),
);
export const DEVICE_ACTORS = reach('device kd', 'kd.actor', (form) =>
  within(raw('kd.belongs_to__application'), MY_APPS, form),
);

/** What a device may write on its own row: the state it reports (COMPAT.md A7). */
export const DEVICE_REPORTED_FIELDS: ReadonlySet<string> = new Set([
  'status',
  'ip_address',
  'mac_address',
  'public_address',
  'os_version',
  'os_variant',
  'supervisor_version',
  'memory_usage',
  'memory_total',
  'storage_block_device',
  'storage_usage',
  'storage_total',
  'cpu_usage',
  'cpu_temp',
  'cpu_id',
  'is_undervolted',
  'download_progress',
  'provisioning_progress',
  'provisioning_state',
  'api_port',
  'update_status',
  'local_id',
]);

/** Rows both filters allow. */
export function intersect(a: RowFilter, b: RowFilter): RowFilter {
  if (a.kind === 'none' || b.kind === 'none') return NONE;
  if (a.kind === 'all') return b;
  if (b.kind === 'all') return a;
  return where((alias, form) => sql`(${a.predicate(alias, form)}) AND (${b.predicate(alias, form)})`);
}

/**
 * The sets a fleet-restricted key reaches (its `fleetIds`, bound per request as `fleetId` slots: the
 * list's length is part of the principal's shape, its values are not).
 */
export interface FleetLimit {
  /** `(?, ?, …)`: the key's fleet ids (`(NULL)` for an empty list: no row matches). */
  readonly list: () => Fragment;
  readonly devices: Reach;
  readonly fleetActors: Reach;
  readonly deviceActors: Reach;
  readonly organizations: Reach;
}

export function fleetLimit(limits: KeyLimits): FleetLimit {
  const list = () =>
    sql`(${joinSql(limits.fleetIds?.length ? limits.fleetIds.map((_, i) => sql`${new PrincipalSlot('fleetId', i)}`) : [raw('NULL')])})`;
  const inFleets = (column: string) => () => sql`${raw(column)} IN ${list()}`;
  return {
    list,
    devices: reach('device ld', 'ld.id', inFleets('ld.belongs_to__application')),
    fleetActors: reach('application la', 'la.actor', inFleets('la.id')),
    deviceActors: reach('device ld', 'ld.actor', inFleets('ld.belongs_to__application')),
    organizations: reach('application lo', 'lo.organization', inFleets('lo.id')),
  };
}

/*
 * Events (issue 20, docs/events.md). An event row names the organization, fleet and owning actor it
 * concerns (columns `organization`, `application`, `actor`); who receives it follows the read rules of
 * what it is about, evaluated in SQL each time events are delivered (feed page, stream batch), so a
 * member removed from an organization stops receiving its events at once:
 * - members: events of their organizations (fleets, devices, provisioning and device keys) and of their
 *   own user keys; administrators: every event;
 * - a limited key, in addition: device events need the `devices` area, key events the `keys` area, and
 *   a fleet restriction keeps only events of those fleets (a user key's events name no fleet);
 * - device and provisioning keys, anonymous callers: none.
 */
export function eventFilter(principal: Principal | null): RowFilter {
  if (!principal || principal.kind !== 'user') return NONE;
  const owner: RowFilter = principal.isAdmin
    ? ALL
    : where(
        (a, form) =>
          sql`(${within(col(a, 'organization'), MY_ORGS, form)} OR (${col(a, 'organization')} IS NULL AND ${col(a, 'actor')} = ${actorId}))`,
      );
  return principal.limits ? intersect(owner, eventLimitFilter(principal.limits)) : owner;
}

/** Whether a principal may ever receive events (false → 403 on the event endpoints). */
export function mayReceiveEvents(principal: Principal | null): boolean {
  return eventFilter(principal).kind !== 'none';
}

/** Event type prefix → the scope area a limited key needs to read it. */
const EVENT_AREAS: readonly (readonly [string, ScopeArea])[] = [
  ['device.', 'devices'],
  ['api_key.', 'keys'],
];

function eventLimitFilter(limits: KeyLimits): RowFilter {
  const prefixes = EVENT_AREAS.filter(([, area]) => limits.areas[area] !== undefined).map(([p]) => p);
  if (prefixes.length === 0) return NONE;
  const typeRule = (a: string): Fragment =>
    prefixes.length === EVENT_AREAS.length
      ? TRUE
      : sql`(${joinSql(
          prefixes.map(
            (p) => sql`substr(${col(a, 'type')}, 1, ${raw(String(p.length))}) = ${raw(quoteLiteral(p))}`,
          ),
          ' OR ',
        )})`;
  if (limits.fleetIds === null) return prefixes.length === EVENT_AREAS.length ? ALL : where(typeRule);
  const fleets = sql`(${joinSql(limits.fleetIds.length ? limits.fleetIds.map((_, i) => sql`${new PrincipalSlot('fleetId', i)}`) : [raw('NULL')])})`;
  return where((a) => sql`${typeRule(a)} AND ${col(a, 'application')} IN ${fleets}`);
}

/*
 * Webhook endpoints (issue 20, docs/events.md "Webhooks"). An endpoint belongs to an organization and
 * is managed (read, changed, deleted, created) by that organization's administrators (membership role
 * `administrator`) and by instance administrators, through a session or an unlimited named key. A
 * limited key never manages endpoints: an endpoint receives its whole organization's events, more
 * than any fleet- or scope-limited key may read. Device and provisioning keys: never.
 */
const MY_ADMIN_ORGS = reach(
  'organization_membership wm',
  'wm.is_member_of__organization',
  () => sql`wm."user" = ${userId} AND wm.role = 'administrator'`,
);

/** Rows of `webhook_endpoint` (alias over its columns) the principal may manage. */
export function webhookEndpointFilter(principal: Principal | null): RowFilter {
  if (!principal || principal.kind !== 'user' || principal.limits) return NONE;
  if (principal.isAdmin) return ALL;
  return where((a, form) => within(col(a, 'organization'), MY_ADMIN_ORGS, form));
}

/** Rows of `organization` in which the principal may create webhook endpoints. */
export function webhookOrganizationFilter(principal: Principal | null): RowFilter {
  if (!principal || principal.kind !== 'user' || principal.limits) return NONE;
  if (principal.isAdmin) return ALL;
  return where((a, form) => within(col(a, 'id'), MY_ADMIN_ORGS, form));
}

/**
 * The events an endpoint may be sent, over `event_log` (alias), evaluated when deliveries are queued
 * and checked again before each attempt ({@link webhookMayReceive}): its organization's events only
 * (user-key events name no organization and are never sent), within its fleets and types.
 */
export function webhookEventFilter(endpoint: WebhookScope): RowFilter {
  return where((a) => {
    const parts = [sql`${col(a, 'organization')} = ${new ConstSlot(endpoint.organization)}`];
    if (endpoint.fleetIds !== null)
      parts.push(
        endpoint.fleetIds.length === 0
          ? FALSE
          : sql`${col(a, 'application')} IN (${joinSql(endpoint.fleetIds.map((id) => sql`${new ConstSlot(id)}`))})`,
      );
    if (endpoint.types !== null)
      parts.push(
        endpoint.types.length === 0
          ? FALSE
          : sql`${col(a, 'type')} IN (${joinSql(endpoint.types.map((t) => sql`${new ConstSlot(t)}`))})`,
      );
    return joinSql(parts, ' AND ');
  });
}

export interface WebhookScope {
  readonly organization: number;
  /** Only these fleets' events; null = every fleet of the organization. */
  readonly fleetIds: readonly number[] | null;
  /** Only these event types; null = every type. */
  readonly types: readonly string[] | null;
}

/** The same rule as {@link webhookEventFilter} for one queued delivery, right before it is sent. */
export function webhookMayReceive(
  endpoint: WebhookScope,
  event: { organization: number | null; fleet: number | null; type: string },
): boolean {
  if (event.organization !== endpoint.organization) return false;
  if (endpoint.fleetIds !== null && (event.fleet === null || !endpoint.fleetIds.includes(event.fleet)))
    return false;
  return endpoint.types === null || endpoint.types.includes(event.type);
}

/** A cache-key fragment: principals with equal shapes compile to the same SQL. */
export function principalShape(principal: Principal | null): string {
  if (!principal) return 'anon';
  const limits = principal.limits;
  // Constant strings for the common shapes: the hot read path does no string building per request.
  if (!limits) return BASE_SHAPES[principal.kind][principal.isAdmin ? 1 : 0];
  let shape = limitShapes.get(limits);
  if (shape === undefined) {
    const areas = Object.entries(limits.areas)
      .map(([area, level]) => `${area}=${level}`)
      .sort()
      .join(',');
    const base = BASE_SHAPES[principal.kind][principal.isAdmin ? 1 : 0];
    shape = `${base}:${areas}:${limits.fleetIds === null ? '*' : limits.fleetIds.length}`;
    limitShapes.set(limits, shape);
  }
  return shape;
}

const BASE_SHAPES: Readonly<Record<Principal['kind'], readonly [string, string]>> = {
  user: ['user:member', 'user:admin'],
  application: ['application:member', 'application:admin'],
  device: ['device:member', 'device:admin'],
};
/**
 * Shape of a key's limits, per limits object (the credential cache hands out the same object for
 * the same key; the limits are immutable, and a changed key is a new object after invalidation).
 */
const limitShapes = new WeakMap<KeyLimits, string>();

/*
 * Device endpoints (issue 5). Plain decisions over the principal; the device and fleet ids they
 * compare against come from the database (the device looked up by the uuid in the path, the fleet
 * named in the registration body).
 */

/** `POST /device/register`: a provisioning key registers devices into its own fleet only (COMPAT.md A7, (b) 3). */
export function mayRegisterDevice(principal: Principal, applicationId: number): boolean {
  return principal.kind === 'application' && principal.applicationId === applicationId;
}

/** `GET /device/v2|v3/:uuid/state`: only the device's own key reads its target state (COMPAT.md A9). */
export function mayReadDeviceState(principal: Principal, deviceId: number): boolean {
  return principal.kind === 'device' && principal.deviceId === deviceId;
}

/** `PATCH /device/v2|v3/:uuid/state`: only the device's own key reports its state. */
export function mayReportDeviceState(principal: Principal, deviceId: number): boolean {
  return principal.kind === 'device' && principal.deviceId === deviceId;
}

/** Whether a device may report this field of its own row (the same list /v7 applies to device keys). */
export function deviceMayReport(field: string): boolean {
  return DEVICE_REPORTED_FIELDS.has(field);
}

/** Only polls by a device key are heartbeats; users and other keys reading state do not count (COMPAT.md A9). */
export function pollCountsAsHeartbeat(principal: Principal): boolean {
  return principal.kind === 'device';
}

import { randomBytes } from 'node:crypto';
import type { Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors/app-error.js';
import { toView } from '../events/event-types.js';
import { headCursor } from '../events/events.repository.js';
import { parseFilters } from '../events/events.service.js';
import { webhookEndpointFilter } from '../permissions/permissions.js';
import { newSecret, newSigningKey } from './signing.js';
import { checkTargetUrl } from './ssrf.js';
import {
  addDeliveries,
  type DeliveryStatus,
  deleteEndpoint as deleteEndpointRow,
  type EndpointRow,
  eventsForRedelivery,
  findEndpoint,
  findOrganizationToManage,
  fleetsOfOrganization,
  insertEndpoint,
  isMember,
  listDeliveries as listDeliveryRows,
  listEndpoints as listEndpointRows,
  rotateSecret as rotateSecretRow,
  updateEndpoint as updateEndpointRow,
} from './webhooks.repository.js';
import { deliveryFor, scopeOf } from './webhooks.scope.js';

/** An endpoint as the API shows it (never its secrets). */
export interface EndpointView {
  readonly id: number;
  readonly organization: number;
  readonly url: string;
  readonly description: string | null;
  readonly types: readonly string[] | null;
  readonly fleets: readonly number[] | null;
  readonly enabled: boolean;
  readonly disabledReason: string | null;
  readonly disabledAt: string | null;
  /** `whpk_…`: verifies the `v1a,` (Ed25519) signatures. */
  readonly publicKey: string;
  /** When the previous secret stops signing (after a rotation), or null. */
  readonly previousSecretExpiresAt: string | null;
  /** First failure since the last success; five days of failures disable the endpoint. */
  readonly failingSince: string | null;
  readonly createdAt: string;
  readonly modifiedAt: string;
}

export interface EndpointInput {
  readonly organization: number | string;
  readonly url: string;
  readonly description?: string | null;
  readonly types?: readonly string[] | null;
  readonly fleets?: readonly number[] | null;
  readonly enabled?: boolean;
}

export type EndpointUpdate = Partial<Omit<EndpointInput, 'organization'>>;

/** Redelivery of one event, or of every event since a time, at most this many per call. */
export const MAX_REDELIVERY = 10_000;
const REDELIVERY_PAGE = 1000;
export const DEFAULT_GRACE_SECONDS = 86_400;

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(Number(ms)).toISOString());

function view(row: EndpointRow, now: number): EndpointView {
  const scope = scopeOf(row);
  const previousUntil =
    row.previous_secret_expires_at === null ? null : Number(row.previous_secret_expires_at);
  return {
    id: Number(row.id),
    organization: Number(row.organization),
    url: row.url,
    description: row.description,
    types: scope.types,
    fleets: scope.fleetIds,
    enabled: Number(row.enabled) === 1,
    disabledReason: row.disabled_reason,
    disabledAt: iso(row.disabled_at),
    publicKey: row.public_key,
    previousSecretExpiresAt: previousUntil !== null && previousUntil > now ? iso(previousUntil) : null,
    failingSince: iso(row.failing_since),
    createdAt: iso(row.created_at) ?? '',
    modifiedAt: iso(row.modified_at) ?? '',
  };
}

/** 403 for credentials that can never manage endpoints (limited keys, devices). */
function requireManagers(principal: Principal): void {
  if (webhookEndpointFilter(principal).kind === 'none')
    throw new AppError(
      'forbidden',
      'This credential cannot manage webhooks (an unlimited user credential is needed)',
    );
}

const notFound = (): AppError => new AppError('not_found', 'No such webhook endpoint');

async function endpointOf(ctx: AppContext, principal: Principal, id: number): Promise<EndpointRow> {
  requireManagers(principal);
  const row = await findEndpoint(ctx.db, principal, id);
  if (!row) throw notFound();
  return row;
}

function checkUrl(ctx: AppContext, url: string): string {
  const checked = checkTargetUrl(url.trim(), ctx.config.webhooks.allowPrivateNetworks);
  if (!checked.ok) throw new AppError('validation', `Webhook URL refused: ${checked.reason}`);
  return checked.url;
}

function checkTypes(types: readonly string[] | null | undefined): string[] | null {
  if (types === undefined || types === null) return null;
  if (types.length === 0)
    throw new AppError('validation', 'types must name at least one event type (or be null: all)');
  return [...(parseFilters(types.join(','), undefined).types ?? [])].sort();
}

async function checkFleets(
  ctx: AppContext,
  organization: number,
  fleets: readonly number[] | null | undefined,
): Promise<number[] | null> {
  if (fleets === undefined || fleets === null) return null;
  if (fleets.length === 0)
    throw new AppError('validation', 'fleets must name at least one fleet (or be null: all)');
  const wanted = [...new Set(fleets)].sort((a, b) => a - b);
  const found = new Set(await fleetsOfOrganization(ctx.db, organization, wanted));
  const missing = wanted.filter((id) => !found.has(id));
  if (missing.length > 0)
    throw new AppError('validation', `Not fleets of this organization: ${missing.slice(0, 10).join(', ')}`);
  return wanted;
}

function checkDescription(description: string | null | undefined): string | null {
  if (description === undefined || description === null) return null;
  const trimmed = description.trim();
  return trimmed === '' ? null : trimmed;
}

/** Creates an endpoint; the answer carries the `whsec_` secret, shown only this once. */
export async function createEndpoint(
  ctx: AppContext,
  principal: Principal,
  input: EndpointInput,
): Promise<EndpointView & { secret: string }> {
  requireManagers(principal);
  const org = await findOrganizationToManage(ctx.db, principal, input.organization);
  if (!org || (!org.manage && !(await isMember(ctx.db, principal.userId, org.id))))
    throw new AppError('not_found', 'No such organization');
  if (!org.manage)
    throw new AppError('forbidden', 'Only the organization’s administrators manage its webhooks');
  const url = checkUrl(ctx, input.url);
  const types = checkTypes(input.types);
  const fleetIds = await checkFleets(ctx, org.id, input.fleets);
  const publicId = `we_${randomBytes(12).toString('hex')}`;
  const secret = newSecret(ctx.keys.encryption, publicId);
  const signing = newSigningKey(ctx.keys.encryption, publicId);
  const now = ctx.clock.now();
  // From now on: the endpoint receives the events written after it exists (redeliver for older ones).
  const cursor = await headCursor(ctx.db);
  const id = await insertEndpoint(ctx.db, {
    publicId,
    organization: org.id,
    url,
    description: checkDescription(input.description),
    types,
    fleetIds,
    enabled: input.enabled ?? true,
    secret: secret.sealed,
    signingKey: signing.sealed,
    publicKey: signing.publicKey,
    cursor,
    actor: principal.actorId,
    now,
  });
  const row = await findEndpoint(ctx.db, principal, id);
  if (!row) throw new AppError('internal', 'The new endpoint could not be read back');
  return { ...view(row, now), secret: secret.secret };
}

export async function listEndpoints(
  ctx: AppContext,
  principal: Principal,
  organization: number | undefined,
): Promise<EndpointView[]> {
  requireManagers(principal);
  const now = ctx.clock.now();
  return (await listEndpointRows(ctx.db, principal, organization ?? null)).map((r) => view(r, now));
}

export async function getEndpoint(ctx: AppContext, principal: Principal, id: number): Promise<EndpointView> {
  return view(await endpointOf(ctx, principal, id), ctx.clock.now());
}

export async function updateEndpoint(
  ctx: AppContext,
  principal: Principal,
  id: number,
  input: EndpointUpdate,
): Promise<EndpointView> {
  const row = await endpointOf(ctx, principal, id);
  const now = ctx.clock.now();
  await updateEndpointRow(ctx.db, row.id, {
    ...(input.url === undefined ? {} : { url: checkUrl(ctx, input.url) }),
    ...(input.description === undefined ? {} : { description: checkDescription(input.description) }),
    ...(input.types === undefined ? {} : { types: checkTypes(input.types) }),
    ...(input.fleets === undefined
      ? {}
      : { fleetIds: await checkFleets(ctx, row.organization, input.fleets) }),
    ...(input.enabled === undefined ? {} : { enabled: input.enabled, head: await headCursor(ctx.db) }),
    now,
  });
  return getEndpoint(ctx, principal, id);
}

export async function deleteEndpoint(ctx: AppContext, principal: Principal, id: number): Promise<void> {
  const row = await endpointOf(ctx, principal, id);
  await deleteEndpointRow(ctx.db, row.id);
}

/**
 * A new `whsec_` secret (shown once). The old one keeps signing alongside it for the grace period
 * (0: stops at once), so receivers can switch without losing a message.
 */
export async function rotateSecret(
  ctx: AppContext,
  principal: Principal,
  id: number,
  gracePeriodSeconds: number,
): Promise<{ secret: string; previousSecretExpiresAt: string | null }> {
  const row = await endpointOf(ctx, principal, id);
  const now = ctx.clock.now();
  const fresh = newSecret(ctx.keys.encryption, row.public_id);
  const until = now + gracePeriodSeconds * 1000;
  await rotateSecretRow(
    ctx.db,
    row.id,
    fresh.sealed,
    gracePeriodSeconds > 0 ? { sealed: row.secret, until } : null,
    now,
  );
  return { secret: fresh.secret, previousSecretExpiresAt: gracePeriodSeconds > 0 ? iso(until) : null };
}

export interface DeliveryView {
  readonly id: number;
  /** The `webhook-id` header (the same for every attempt and every redelivery of the event). */
  readonly webhookId: string;
  /** The event's cursor; null for a test event. */
  readonly eventId: number | null;
  readonly type: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  /** When the next attempt is due (pending deliveries only). */
  readonly nextAttemptAt: string | null;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly createdAt: string;
  readonly completedAt: string | null;
  readonly attemptLog: readonly {
    readonly attempt: number;
    readonly at: string;
    readonly statusCode: number | null;
    readonly durationMs: number;
    readonly error: string | null;
    /** The first 1 KiB of the answer. */
    readonly response: string | null;
    readonly succeeded: boolean;
  }[];
}

export async function listDeliveries(
  ctx: AppContext,
  principal: Principal,
  id: number,
  query: { before?: number; limit?: number; status?: DeliveryStatus },
): Promise<{ deliveries: DeliveryView[]; next: number | null }> {
  const row = await endpointOf(ctx, principal, id);
  const limit = query.limit ?? 20;
  const { deliveries, attempts } = await listDeliveryRows(ctx.db, row.id, {
    before: query.before ?? null,
    limit,
    status: query.status ?? null,
  });
  const byDelivery = new Map<number, DeliveryView['attemptLog'][number][]>();
  for (const a of attempts) {
    const list = byDelivery.get(Number(a.delivery)) ?? [];
    list.push({
      attempt: Number(a.attempt),
      at: iso(a.started_at) ?? '',
      statusCode: a.status_code === null ? null : Number(a.status_code),
      durationMs: Number(a.duration_ms),
      error: a.error,
      response: a.response_body,
      succeeded: Number(a.succeeded) === 1,
    });
    byDelivery.set(Number(a.delivery), list);
  }
  const out = deliveries.map(
    (d): DeliveryView => ({
      id: Number(d.id),
      webhookId: d.message_id,
      eventId: d.event === null ? null : Number(d.event),
      type: d.type,
      status: d.status,
      attempts: Number(d.attempts),
      nextAttemptAt: d.status === 'pending' ? iso(d.next_attempt_at) : null,
      lastStatus: d.last_status === null ? null : Number(d.last_status),
      lastError: d.last_error,
      createdAt: iso(d.created_at) ?? '',
      completedAt: iso(d.completed_at),
      attemptLog: byDelivery.get(Number(d.id)) ?? [],
    }),
  );
  const last = out[out.length - 1];
  return { deliveries: out, next: out.length === limit && last ? last.id : null };
}

/**
 * Queues one event again, or every event since a time (oldest first, at most {@link MAX_REDELIVERY}),
 * with the same `webhook-id` as before. Only events the endpoint may receive now: another
 * organization's cursor is "no such event", as is a pruned one.
 */
export async function redeliver(
  ctx: AppContext,
  principal: Principal,
  id: number,
  input: { eventId?: number; since?: string },
  wake: () => void,
): Promise<{ queued: number; truncated: boolean }> {
  const row = await endpointOf(ctx, principal, id);
  if ((input.eventId === undefined) === (input.since === undefined))
    throw new AppError('validation', 'Give exactly one of eventId and since');
  const scope = scopeOf(row);
  const now = ctx.clock.now();
  let queued = 0;
  let truncated = false;
  if (input.eventId !== undefined) {
    const rows = await eventsForRedelivery(ctx.db, scope, { event: input.eventId });
    const event = rows[0];
    if (!event)
      throw new AppError('not_found', 'No such event for this endpoint (outside its filters, or pruned)');
    await addDeliveries(ctx.db, row.id, [deliveryFor(toView(event))], now);
    queued = 1;
  } else {
    const since = Date.parse(input.since ?? '');
    if (Number.isNaN(since))
      throw new AppError('validation', 'since must be a date-time, e.g. 2026-01-15T12:00:00Z');
    const upTo = await headCursor(ctx.db);
    let after = 0;
    // Bounded: at most MAX_REDELIVERY / REDELIVERY_PAGE pages.
    while (queued < MAX_REDELIVERY) {
      const limit = Math.min(REDELIVERY_PAGE, MAX_REDELIVERY - queued);
      const rows = await eventsForRedelivery(ctx.db, scope, { since, after, upTo, limit });
      await addDeliveries(
        ctx.db,
        row.id,
        rows.map((r) => deliveryFor(toView(r))),
        now,
      );
      queued += rows.length;
      const last = rows[rows.length - 1];
      if (rows.length < limit || !last) break;
      after = Number(last.id);
    }
    if (queued >= MAX_REDELIVERY)
      truncated = (await eventsForRedelivery(ctx.db, scope, { since, after, upTo, limit: 1 })).length > 0;
  }
  if (queued > 0) wake();
  return { queued, truncated };
}

/** Queues a `webhook.test` message to the endpoint (sent once, not retried). */
export async function sendTestEvent(
  ctx: AppContext,
  principal: Principal,
  id: number,
  wake: () => void,
): Promise<{ webhookId: string }> {
  const row = await endpointOf(ctx, principal, id);
  if (Number(row.enabled) !== 1) throw new AppError('conflict', 'The endpoint is disabled; enable it first');
  const now = ctx.clock.now();
  const webhookId = `msg_test_${randomBytes(12).toString('hex')}`;
  const at = new Date(now).toISOString();
  await addDeliveries(
    ctx.db,
    row.id,
    [
      {
        event: null,
        messageId: webhookId,
        type: 'webhook.test',
        organization: Number(row.organization),
        application: null,
        device: null,
        payload: JSON.stringify({
          type: 'webhook.test',
          timestamp: at,
          data: { endpoint: Number(row.id), organization: Number(row.organization), at },
        }),
      },
    ],
    now,
  );
  wake();
  return { webhookId };
}

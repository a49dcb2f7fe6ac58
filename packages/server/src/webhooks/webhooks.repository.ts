import { type RawBuilder, sql } from 'kysely';
import type { Principal } from '../auth/principal.js';
import type { Database } from '../db/database.js';
import { bindValues } from '../db/sql/values.js';
import type { EventRow } from '../events/event-types.js';
import type { EventTransaction } from '../events/event-writer.js';
import {
  filterPredicate,
  type RowFilter,
  type WebhookScope,
  webhookEndpointFilter,
  webhookEventFilter,
  webhookOrganizationFilter,
} from '../permissions/permissions.js';

/** `webhook_endpoint` as read (sealed columns included: they never leave the service layer). */
export interface EndpointRow {
  readonly id: number;
  readonly public_id: string;
  readonly organization: number;
  readonly url: string;
  readonly description: string | null;
  readonly event_types: string | null;
  readonly fleet_ids: string | null;
  readonly enabled: number;
  readonly disabled_reason: string | null;
  readonly disabled_at: number | null;
  readonly secret: string;
  readonly previous_secret: string | null;
  readonly previous_secret_expires_at: number | null;
  readonly signing_key: string;
  readonly public_key: string;
  readonly event_cursor: number;
  readonly failing_since: number | null;
  readonly created_at: number;
  readonly modified_at: number;
}

const ENDPOINT_COLUMNS = sql.raw(
  'w.id, w.public_id, w.organization, w.url, w.description, w.event_types, w.fleet_ids, w.enabled, w.disabled_reason, w.disabled_at, w.secret, w.previous_secret, w.previous_secret_expires_at, w.signing_key, w.public_key, w.event_cursor, w.failing_since, w.created_at, w.modified_at',
);

/**
 * Runs a query that embeds a permission predicate: its principal values (and the endpoint's own,
 * bound as constants) are bound here, as for every query written outside the OData compiler.
 */
async function withRights<T>(
  db: Database,
  query: RawBuilder<unknown>,
  principal: Principal | null,
): Promise<T[]> {
  const compiled = query.compile(db.kysely);
  const result = await db.kysely.executeQuery<T>({
    ...compiled,
    parameters: bindValues(compiled.parameters, [], principal),
  });
  return result.rows;
}

export async function findOrganizationToManage(
  db: Database,
  principal: Principal,
  organization: number | string,
): Promise<{ id: number; manage: boolean } | undefined> {
  const byId = typeof organization === 'number';
  const readable = await db.kysely
    .selectFrom('organization')
    .select('id')
    .where(byId ? 'id' : 'handle', '=', organization)
    .executeTakeFirst();
  if (!readable) return undefined;
  const manage = await withRights<{ id: number }>(
    db,
    sql`SELECT o.id FROM organization o WHERE o.id = ${readable.id} AND ${filterPredicate(webhookOrganizationFilter(principal), 'o')}`,
    principal,
  );
  return { id: Number(readable.id), manage: manage.length > 0 };
}

/** Whether the user belongs to the organization at all (403 rather than 404 when they do). */
export async function isMember(
  db: Database,
  userId: number | undefined,
  organization: number,
): Promise<boolean> {
  if (userId === undefined) return false;
  const row = await db.kysely
    .selectFrom('organization_membership')
    .select('id')
    .where('user', '=', userId)
    .where('is_member_of__organization', '=', organization)
    .executeTakeFirst();
  return row !== undefined;
}

/** Fleets among `ids` that belong to the organization. */
export async function fleetsOfOrganization(
  db: Database,
  organization: number,
  ids: readonly number[],
): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await db.kysely
    .selectFrom('application')
    .select('id')
    .where('organization', '=', organization)
    .where('id', 'in', [...ids])
    .execute();
  return rows.map((r) => Number(r.id));
}

export interface NewEndpoint {
  readonly publicId: string;
  readonly organization: number;
  readonly url: string;
  readonly description: string | null;
  readonly types: readonly string[] | null;
  readonly fleetIds: readonly number[] | null;
  readonly enabled: boolean;
  readonly secret: string;
  readonly signingKey: string;
  readonly publicKey: string;
  readonly cursor: number;
  readonly actor: number;
  readonly now: number;
}

export async function insertEndpoint(db: Database, e: NewEndpoint): Promise<number> {
  const row = await db.kysely
    .insertInto('webhook_endpoint')
    .values({
      public_id: e.publicId,
      organization: e.organization,
      url: e.url,
      description: e.description,
      event_types: e.types === null ? null : JSON.stringify(e.types),
      fleet_ids: e.fleetIds === null ? null : JSON.stringify(e.fleetIds),
      enabled: e.enabled ? 1 : 0,
      disabled_reason: e.enabled ? null : 'manual',
      disabled_at: e.enabled ? null : e.now,
      secret: e.secret,
      signing_key: e.signingKey,
      public_key: e.publicKey,
      event_cursor: e.cursor,
      created_by__actor: e.actor,
      created_at: e.now,
      modified_at: e.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

function endpointRights(principal: Principal): RowFilter {
  return webhookEndpointFilter(principal);
}

/** One endpoint the principal may manage, or undefined (unknown or not theirs: both 404). */
export async function findEndpoint(
  db: Database,
  principal: Principal,
  id: number,
): Promise<EndpointRow | undefined> {
  const rows = await withRights<EndpointRow>(
    db,
    sql`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoint w WHERE w.id = ${id} AND ${filterPredicate(endpointRights(principal), 'w', 'point')}`,
    principal,
  );
  return rows[0];
}

export async function listEndpoints(
  db: Database,
  principal: Principal,
  organization: number | null,
): Promise<EndpointRow[]> {
  const byOrg = organization === null ? sql`1 = 1` : sql`w.organization = ${organization}`;
  return withRights<EndpointRow>(
    db,
    sql`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoint w WHERE ${byOrg} AND ${filterPredicate(endpointRights(principal), 'w')}
      ORDER BY w.id LIMIT 1000`,
    principal,
  );
}

export interface EndpointPatch {
  readonly url?: string;
  readonly description?: string | null;
  readonly types?: readonly string[] | null;
  readonly fleetIds?: readonly number[] | null;
  /** true: enable (the cursor jumps to `head`: events of the disabled time are not queued). */
  readonly enabled?: boolean;
  readonly head?: number;
  readonly now: number;
}

export async function updateEndpoint(db: Database, id: number, patch: EndpointPatch): Promise<void> {
  let q = db.kysely.updateTable('webhook_endpoint').set({ modified_at: patch.now }).where('id', '=', id);
  if (patch.url !== undefined) q = q.set({ url: patch.url });
  if (patch.description !== undefined) q = q.set({ description: patch.description });
  if (patch.types !== undefined)
    q = q.set({ event_types: patch.types === null ? null : JSON.stringify(patch.types) });
  if (patch.fleetIds !== undefined)
    q = q.set({ fleet_ids: patch.fleetIds === null ? null : JSON.stringify(patch.fleetIds) });
  if (patch.enabled === true) {
    q = q.set({ enabled: 1, disabled_reason: null, disabled_at: null, failing_since: null });
    // Only when it was disabled: re-enabling does not replay the events of the disabled time.
    q = q.set((eb) => ({
      event_cursor: eb
        .case()
        .when('enabled', '=', 0)
        .then(patch.head ?? 0)
        .else(eb.ref('event_cursor'))
        .end(),
    }));
  } else if (patch.enabled === false) {
    q = q.set({ enabled: 0, disabled_reason: 'manual', disabled_at: patch.now });
  }
  await q.execute();
}

export async function deleteEndpoint(db: Database, id: number): Promise<void> {
  await db.kysely.deleteFrom('webhook_endpoint').where('id', '=', id).execute();
}

export async function rotateSecret(
  db: Database,
  id: number,
  sealed: string,
  keepPrevious: { sealed: string; until: number } | null,
  now: number,
): Promise<void> {
  await db.kysely
    .updateTable('webhook_endpoint')
    .set({
      secret: sealed,
      previous_secret: keepPrevious?.sealed ?? null,
      previous_secret_expires_at: keepPrevious?.until ?? null,
      modified_at: now,
    })
    .where('id', '=', id)
    .execute();
}

/* ---------------------------------------------------------------- queueing (the log consumer) */

/** Enabled endpoints whose cursor is behind `head`. */
export async function endpointsBehind(db: Database, head: number, limit: number): Promise<EndpointRow[]> {
  const result = await sql<EndpointRow>`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoint w
    WHERE w.enabled = 1 AND w.event_cursor < ${head} ORDER BY w.id LIMIT ${limit}`.execute(db.kysely);
  return result.rows;
}

const EVENT_COLUMNS = sql.raw(
  'e.id, e.type, e.at, e.organization, e.application, e.device, e.device_uuid, e.device_seq, e.api_key, e.previous_status, e.status, e.data',
);

/** Events in `(after, upTo]` the endpoint may receive, oldest first. */
export async function eventsFor(
  db: Database,
  scope: WebhookScope,
  range: { after: number; upTo: number; limit: number },
): Promise<EventRow[]> {
  return withRights<EventRow>(
    db,
    sql`SELECT ${EVENT_COLUMNS} FROM event_log e WHERE e.id > ${range.after} AND e.id <= ${range.upTo}
      AND ${filterPredicate(webhookEventFilter(scope), 'e')} ORDER BY e.id LIMIT ${range.limit}`,
    null,
  );
}

/** One event the endpoint may receive, or a page of those that happened since a time (redelivery). */
export async function eventsForRedelivery(
  db: Database,
  scope: WebhookScope,
  which: { event: number } | { since: number; after: number; upTo: number; limit: number },
): Promise<EventRow[]> {
  const where =
    'event' in which
      ? sql`e.id = ${which.event}`
      : sql`e.at >= ${which.since} AND e.id > ${which.after} AND e.id <= ${which.upTo}`;
  const limit = 'event' in which ? 1 : which.limit;
  return withRights<EventRow>(
    db,
    sql`SELECT ${EVENT_COLUMNS} FROM event_log e WHERE ${where} AND ${filterPredicate(webhookEventFilter(scope), 'e')}
      ORDER BY e.id LIMIT ${limit}`,
    null,
  );
}

export interface NewDelivery {
  readonly event: number | null;
  readonly messageId: string;
  readonly type: string;
  readonly organization: number | null;
  readonly application: number | null;
  readonly device: number | null;
  readonly payload: string;
}

const INSERT_CHUNK = 200;

async function insertDeliveries(
  trx: EventTransaction,
  endpoint: number,
  deliveries: readonly NewDelivery[],
  now: number,
): Promise<void> {
  for (let i = 0; i < deliveries.length; i += INSERT_CHUNK) {
    const rows = deliveries
      .slice(i, i + INSERT_CHUNK)
      .map(
        (d) =>
          sql`(${endpoint}, ${d.event}, ${d.messageId}, ${d.type}, ${d.organization}, ${d.application}, ${d.device}, ${d.payload}, 'pending', 0, ${now}, ${now})`,
      );
    await sql`INSERT INTO webhook_delivery (endpoint, event, message_id, type, organization, application, device, payload, status, attempts, next_attempt_at, created_at)
      VALUES ${sql.join(rows)}`.execute(trx);
  }
}

/**
 * Queues deliveries and moves the endpoint's cursor from `from` to `to`, atomically and only if the
 * cursor is still at `from` (compare-and-swap: of several instances consuming the log at once,
 * exactly one queues each event). False when another instance got there first.
 */
export async function queueDeliveries(
  db: Database,
  endpoint: number,
  cursor: { from: number; to: number },
  deliveries: readonly NewDelivery[],
  now: number,
): Promise<boolean> {
  return db.kysely.transaction().execute(async (trx) => {
    const moved = await sql`UPDATE webhook_endpoint SET event_cursor = ${cursor.to}
      WHERE id = ${endpoint} AND event_cursor = ${cursor.from} AND enabled = 1`.execute(trx);
    if (Number(moved.numAffectedRows ?? 0) !== 1) return false;
    await insertDeliveries(trx, endpoint, deliveries, now);
    return true;
  });
}

/** Queues extra deliveries (redelivery, test event) without touching the cursor. */
export async function addDeliveries(
  db: Database,
  endpoint: number,
  deliveries: readonly NewDelivery[],
  now: number,
): Promise<void> {
  if (deliveries.length === 0) return;
  await db.kysely.transaction().execute((trx) => insertDeliveries(trx, endpoint, deliveries, now));
}

/* ---------------------------------------------------------------- claiming and completing */

/**
 * Leases up to `limit` due deliveries of enabled endpoints to `owner` until `until`: a delivery is
 * due when its time has come, no lease on it is running, and no earlier delivery of the same device
 * to the same endpoint is still pending (per-device order). The guarded UPDATE is the compare-and-
 * swap; on PostgreSQL the candidates are picked `FOR UPDATE SKIP LOCKED`, so concurrent claimers on
 * other instances take other rows instead of waiting. Returns the leased ids.
 */
export async function claimDeliveries(
  db: Database,
  owner: string,
  now: number,
  until: number,
  limit: number,
): Promise<number[]> {
  const lock = db.dialect === 'postgres' ? sql`FOR UPDATE OF d SKIP LOCKED` : sql``;
  return db.kysely.transaction().execute(async (trx) => {
    // Due rows in claim order straight from webhook_delivery_claim_idx, stopping at `limit`. A burst
    // grows the table faster than autovacuum analyzes it; on statistics of a near-empty table the
    // planner anti-joined and sorted the whole backlog instead, on every claim (68 ms at 30,000
    // pending, against 0.2 ms). Sorting is what that plan needs, so it is ruled out for this one.
    if (db.dialect === 'postgres') await sql`SET LOCAL enable_sort = off`.execute(trx);
    const picked = await sql<{ id: number }>`SELECT d.id FROM webhook_delivery d
      JOIN webhook_endpoint w ON w.id = d.endpoint
      WHERE d.status = 'pending' AND d.next_attempt_at <= ${now}
        AND (d.lease_until IS NULL OR d.lease_until <= ${now}) AND w.enabled = 1
        AND NOT EXISTS (SELECT 1 FROM webhook_delivery p
          WHERE p.endpoint = d.endpoint AND p.device = d.device AND p.status = 'pending'
            AND (p.event < d.event OR (p.event = d.event AND p.id < d.id)))
      ORDER BY d.next_attempt_at, d.id LIMIT ${limit} ${lock}`.execute(trx);
    if (picked.rows.length === 0) return [];
    // By primary key: as one statement with `id IN (SELECT …)`, SQLite walked every pending row
    // through the status index for each claim, so claiming slowed as the backlog grew. It picks that
    // index for a list of several ids too (862 µs for 8 ids in a 30,000-row backlog): NOT INDEXED
    // leaves it the rowid lookups.
    const ids = picked.rows.map((r) => Number(r.id));
    const byRowid = db.dialect === 'sqlite' ? sql` NOT INDEXED` : sql``;
    const result = await sql<{ id: number }>`UPDATE webhook_delivery${byRowid}
      SET lease_owner = ${owner}, lease_until = ${until}
      WHERE id IN (${sql.join(ids)}) AND status = 'pending'
        AND (lease_until IS NULL OR lease_until <= ${now})
      RETURNING id`.execute(trx);
    return result.rows.map((r) => Number(r.id));
  });
}

/** A leased delivery with what sending it needs. */
export interface ClaimedRow {
  readonly id: number;
  readonly endpoint: number;
  readonly event: number | null;
  readonly message_id: string;
  readonly type: string;
  readonly organization: number | null;
  readonly application: number | null;
  readonly payload: string;
  readonly attempts: number;
  readonly created_at: number;
  readonly url: string;
  readonly public_id: string;
  readonly endpoint_organization: number;
  readonly event_types: string | null;
  readonly fleet_ids: string | null;
  readonly secret: string;
  readonly previous_secret: string | null;
  readonly previous_secret_expires_at: number | null;
  readonly signing_key: string;
}

export async function loadClaimed(
  db: Database,
  owner: string,
  ids: readonly number[],
): Promise<ClaimedRow[]> {
  if (ids.length === 0) return [];
  const result = await sql<ClaimedRow>`SELECT d.id, d.endpoint, d.event, d.message_id, d.type, d.organization,
      d.application, d.payload, d.attempts, d.created_at, w.url, w.public_id, w.organization AS endpoint_organization,
      w.event_types, w.fleet_ids, w.secret, w.previous_secret, w.previous_secret_expires_at, w.signing_key
    FROM webhook_delivery d JOIN webhook_endpoint w ON w.id = d.endpoint
    WHERE d.id IN (${sql.join([...ids])}) AND d.lease_owner = ${owner} ORDER BY d.id`.execute(db.kysely);
  return result.rows;
}

export interface AttemptRecord {
  readonly attempt: number;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly responseBody: string | null;
  readonly succeeded: boolean;
}

export interface Completion {
  readonly delivery: number;
  readonly owner: string;
  readonly endpoint: number;
  /** null: nothing was sent (rights no longer allow it, or keys unusable) — no attempt row. */
  readonly attempt: AttemptRecord | null;
  readonly status: DeliveryStatus;
  readonly nextAttemptAt: number;
  readonly lastError: string | null;
  /** Endpoint bookkeeping: healthy again, failing, or to disable now (with the reason). */
  readonly endpointHealth: 'ok' | 'failing' | 'gone' | 'none';
  readonly now: number;
  readonly disableFailingBefore: number;
}

/**
 * Records an attempt's outcome in one transaction guarded by the lease (a lease that was lost —
 * it cannot be while attempts are bounded by the timeout, but a frozen process could outlive it —
 * records nothing). Returns the endpoint when this completion disabled it (the caller writes the
 * `webhook.disabled` event through `onDisabled`, inside the same transaction).
 */
export async function completeDelivery(
  db: Database,
  c: Completion,
  onDisabled: (trx: EventTransaction, endpoint: { id: number; reason: string }) => Promise<void>,
): Promise<'recorded' | 'lease-lost'> {
  if (db.dialect === 'postgres' && (c.endpointHealth === 'ok' || c.endpointHealth === 'none')) {
    return completeInOneStatement(db, c);
  }
  return db.kysely.transaction().execute(async (trx) => {
    const updated = await sql`UPDATE webhook_delivery SET status = ${c.status},
        attempts = attempts + ${c.attempt === null ? 0 : 1}, next_attempt_at = ${c.nextAttemptAt},
        lease_owner = NULL, lease_until = NULL, last_status = ${c.attempt?.statusCode ?? null},
        last_error = ${c.lastError}, completed_at = ${c.status === 'pending' ? null : c.now}
      WHERE id = ${c.delivery} AND lease_owner = ${c.owner} AND status = 'pending'`.execute(trx);
    if (Number(updated.numAffectedRows ?? 0) !== 1) return 'lease-lost';
    const a = c.attempt;
    if (a !== null) {
      await sql`INSERT INTO webhook_attempt (delivery, attempt, started_at, duration_ms, status_code, error, response_body, succeeded)
        VALUES (${c.delivery}, ${a.attempt}, ${a.startedAt}, ${a.durationMs}, ${a.statusCode}, ${a.error}, ${a.responseBody}, ${a.succeeded ? 1 : 0})`.execute(
        trx,
      );
    }
    let disable: string | null = null;
    if (c.endpointHealth === 'ok') {
      await sql`UPDATE webhook_endpoint SET failing_since = NULL WHERE id = ${c.endpoint} AND failing_since IS NOT NULL`.execute(
        trx,
      );
    } else if (c.endpointHealth === 'failing') {
      await sql`UPDATE webhook_endpoint SET failing_since = ${c.now} WHERE id = ${c.endpoint} AND failing_since IS NULL`.execute(
        trx,
      );
      const off =
        await sql`UPDATE webhook_endpoint SET enabled = 0, disabled_reason = 'failing', disabled_at = ${c.now}
        WHERE id = ${c.endpoint} AND enabled = 1 AND failing_since <= ${c.disableFailingBefore}`.execute(trx);
      if (Number(off.numAffectedRows ?? 0) === 1) disable = 'failing';
    } else if (c.endpointHealth === 'gone') {
      const off =
        await sql`UPDATE webhook_endpoint SET enabled = 0, disabled_reason = 'gone', disabled_at = ${c.now}
        WHERE id = ${c.endpoint} AND enabled = 1`.execute(trx);
      if (Number(off.numAffectedRows ?? 0) === 1) disable = 'gone';
    }
    // Last: writing the event takes the event log's lock until commit (events/event-writer.ts).
    if (disable !== null) await onDisabled(trx, { id: c.endpoint, reason: disable });
    return 'recorded';
  });
}

/**
 * PostgreSQL, a completion that cannot disable its endpoint (the common case: delivered, or nothing
 * sent): the same writes as one statement, atomic by itself, in one round trip instead of five. The
 * attempt row and the endpoint's health follow the guarded delivery update (`FROM d`), so a lost
 * lease still records nothing.
 *
 * Its commit does not wait for the WAL flush (`synchronous_commit` off for this transaction only):
 * a burst of deliveries otherwise queues on one disk flush per attempt. A PostgreSQL crash may forget
 * the last fraction of a second of such records; those deliveries are then sent again under their
 * `webhook-id` (at-least-once, as for an instance that dies mid-attempt). WAL order still holds: any
 * later synchronous commit (a claim, an event) makes the earlier records durable first. No event is
 * written here, and the tables written are never part of a `/v7` ETag.
 */
async function completeInOneStatement(db: Database, c: Completion): Promise<'recorded' | 'lease-lost'> {
  const a = c.attempt;
  const attempt =
    a === null
      ? sql``
      : sql`, a AS (INSERT INTO webhook_attempt (delivery, attempt, started_at, duration_ms, status_code, error, response_body, succeeded)
          SELECT d.id, ${a.attempt}::integer, ${a.startedAt}::bigint, ${a.durationMs}::integer, ${a.statusCode}::integer,
            ${a.error}::text, ${a.responseBody}::text, ${a.succeeded ? 1 : 0}::integer FROM d)`;
  const healthy =
    c.endpointHealth === 'ok'
      ? sql`, e AS (UPDATE webhook_endpoint SET failing_since = NULL
          WHERE id = ${c.endpoint} AND failing_since IS NOT NULL AND EXISTS (SELECT 1 FROM d))`
      : sql``;
  const result = await sql<{
    n: number;
  }>`WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true) AS v),
      d AS (UPDATE webhook_delivery SET status = ${c.status},
        attempts = attempts + ${c.attempt === null ? 0 : 1}, next_attempt_at = ${c.nextAttemptAt},
        lease_owner = NULL, lease_until = NULL, last_status = ${c.attempt?.statusCode ?? null},
        last_error = ${c.lastError}, completed_at = ${c.status === 'pending' ? null : c.now}
      WHERE id = ${c.delivery} AND lease_owner = ${c.owner} AND status = 'pending' RETURNING id)${attempt}${healthy}
    SELECT (SELECT count(*) FROM d)::integer AS n, (SELECT v FROM relaxed) AS commit_mode`.execute(db.kysely);
  return result.rows[0]?.n === 1 ? 'recorded' : 'lease-lost';
}

/** Gives back this instance's leases (shutdown): the deliveries are attempted again at once. */
export async function releaseLeases(db: Database, owners: readonly string[]): Promise<void> {
  if (owners.length === 0) return;
  await sql`UPDATE webhook_delivery SET lease_owner = NULL, lease_until = NULL
    WHERE lease_owner IN (${sql.join([...owners])}) AND status = 'pending'`.execute(db.kysely);
}

/**
 * Gives back every lease (after an unclean stop on SQLite, where the data-directory lock proves the
 * process that held them is gone): its attempts in flight are retried at once, same webhook-id,
 * instead of after their lease runs out.
 */
export async function releaseEveryLease(db: Database): Promise<number> {
  const result = await sql`UPDATE webhook_delivery SET lease_owner = NULL, lease_until = NULL
    WHERE lease_owner IS NOT NULL AND status = 'pending'`.execute(db.kysely);
  return Number(result.numAffectedRows ?? 0);
}

/** Deletes up to `batch` finished deliveries completed before `before` (their attempts cascade). */
export async function pruneDeliveries(db: Database, before: number, batch: number): Promise<number> {
  const result = await sql`DELETE FROM webhook_delivery WHERE id IN (
      SELECT id FROM webhook_delivery WHERE completed_at < ${before} ORDER BY completed_at LIMIT ${batch})`.execute(
    db.kysely,
  );
  return Number(result.numAffectedRows ?? 0);
}

/* ---------------------------------------------------------------- the delivery log */

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'cancelled';

export interface DeliveryRow {
  readonly id: number;
  readonly event: number | null;
  readonly message_id: string;
  readonly type: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly next_attempt_at: number;
  readonly last_status: number | null;
  readonly last_error: string | null;
  readonly created_at: number;
  readonly completed_at: number | null;
}

export interface AttemptRow {
  readonly delivery: number;
  readonly attempt: number;
  readonly started_at: number;
  readonly duration_ms: number;
  readonly status_code: number | null;
  readonly error: string | null;
  readonly response_body: string | null;
  readonly succeeded: number;
}

export async function listDeliveries(
  db: Database,
  endpoint: number,
  page: { before: number | null; limit: number; status: DeliveryStatus | null },
): Promise<{ deliveries: DeliveryRow[]; attempts: AttemptRow[] }> {
  let q = db.kysely
    .selectFrom('webhook_delivery')
    .select([
      'id',
      'event',
      'message_id',
      'type',
      'status',
      'attempts',
      'next_attempt_at',
      'last_status',
      'last_error',
      'created_at',
      'completed_at',
    ])
    .where('endpoint', '=', endpoint)
    .orderBy('id', 'desc')
    .limit(page.limit);
  if (page.before !== null) q = q.where('id', '<', page.before);
  if (page.status !== null) q = q.where('status', '=', page.status);
  const deliveries = (await q.execute()) as DeliveryRow[];
  if (deliveries.length === 0) return { deliveries, attempts: [] };
  const attempts = (await db.kysely
    .selectFrom('webhook_attempt')
    .select([
      'delivery',
      'attempt',
      'started_at',
      'duration_ms',
      'status_code',
      'error',
      'response_body',
      'succeeded',
    ])
    .where(
      'delivery',
      'in',
      deliveries.map((d) => Number(d.id)),
    )
    .orderBy('delivery')
    .orderBy('attempt')
    .execute()) as AttemptRow[];
  return { deliveries, attempts };
}

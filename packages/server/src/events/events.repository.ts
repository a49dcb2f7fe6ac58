import { type RawBuilder, sql } from 'kysely';
import type { Principal } from '../auth/principal.js';
import type { Database } from '../db/database.js';
import { bindPrincipal } from '../permissions/bind.js';
import { eventFilter, filterPredicate } from '../permissions/permissions.js';
import type { EventRow } from './event-types.js';
import { type EventTransaction, isPostgresExecutor } from './event-writer.js';

const COLUMNS = sql.raw(
  'e.id, e.type, e.at, e.organization, e.application, e.device, e.device_uuid, e.device_seq, e.api_key, e.previous_status, e.status, e.data',
);

/** The newest cursor (0 for an empty log). Every event at or below it is committed (event-writer.ts). */
export async function headCursor(db: Database): Promise<number> {
  const result = await sql<{ head: number | null }>`SELECT max(id) AS head FROM event_log`.execute(db.kysely);
  return Number(result.rows[0]?.head ?? 0);
}

export interface EventFilters {
  /** Exact types; null = every type. */
  readonly types: readonly string[] | null;
  readonly fleet: number | null;
}

/**
 * Events after `after` and at most `upTo` that the principal may receive (the permission module's
 * event predicate, evaluated now) and that match the filters, oldest first.
 */
export async function listVisibleEvents(
  db: Database,
  principal: Principal,
  range: { after: number; upTo: number; limit: number },
  filters: EventFilters,
): Promise<EventRow[]> {
  const filter = eventFilter(principal);
  if (filter.kind === 'none') return [];
  const conditions: RawBuilder<unknown>[] = [
    sql`e.id > ${range.after}`,
    sql`e.id <= ${range.upTo}`,
    sql`${filterPredicate(filter, 'e')}`,
  ];
  if (filters.types !== null) conditions.push(sql`e.type IN (${sql.join([...filters.types])})`);
  if (filters.fleet !== null) conditions.push(sql`e.application = ${filters.fleet}`);
  const compiled = sql`SELECT ${COLUMNS} FROM event_log e WHERE ${sql.join(conditions, sql` AND `)}
    ORDER BY e.id LIMIT ${range.limit}`.compile(db.kysely);
  const result = await db.kysely.executeQuery<EventRow>({
    ...compiled,
    parameters: bindPrincipal(compiled.parameters, principal),
  });
  return result.rows;
}

/** Every event after `after`, oldest first: the stream hub's one read per batch for all subscribers. */
export async function readEvents(db: Database, after: number, limit: number): Promise<EventRow[]> {
  const result = await sql<EventRow>`SELECT ${COLUMNS} FROM event_log e WHERE e.id > ${after}
    ORDER BY e.id LIMIT ${limit}`.execute(db.kysely);
  return result.rows;
}

/** Ids in `(after, upTo]` the principal may receive now (one query per distinct principal per batch). */
export async function visibleIds(
  db: Database,
  principal: Principal,
  after: number,
  upTo: number,
): Promise<Set<number>> {
  const filter = eventFilter(principal);
  if (filter.kind === 'none') return new Set();
  const compiled = sql<{ id: number }>`SELECT e.id FROM event_log e
    WHERE e.id > ${after} AND e.id <= ${upTo} AND ${filterPredicate(filter, 'e')}`.compile(db.kysely);
  const result = await db.kysely.executeQuery<{ id: number }>({
    ...compiled,
    parameters: bindPrincipal(compiled.parameters, principal),
  });
  return new Set(result.rows.map((r) => Number(r.id)));
}

/**
 * Whether the credential behind a long-lived subscription is still valid (DESIGN.md §9: key validity
 * is checked at delivery): the session not revoked or expired, the key (or signing key) not deleted
 * or expired. A request-time principal says nothing about later; this reads the rows again.
 */
export async function credentialAlive(db: Database, principal: Principal, now: number): Promise<boolean> {
  if (principal.via === 'session') {
    if (principal.sessionId === undefined) return false;
    const row = await db.kysely
      .selectFrom('session')
      .select('id')
      .where('id', '=', principal.sessionId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return row !== undefined;
  }
  if (principal.apiKeyId === undefined) return false;
  const row = await db.kysely
    .selectFrom('api_key')
    .select('id')
    .where('id', '=', principal.apiKeyId)
    .where((eb) => eb.or([eb('expiry_date', 'is', null), eb('expiry_date', '>', now)]))
    .executeTakeFirst();
  return row !== undefined;
}

/** Deletes up to `batch` events written before `before`; returns how many. */
export async function pruneEvents(db: Database, before: number, batch: number): Promise<number> {
  const result = await sql`DELETE FROM event_log WHERE id IN (
      SELECT id FROM event_log WHERE created_at < ${before} ORDER BY created_at LIMIT ${batch})`.execute(
    db.kysely,
  );
  return Number(result.numAffectedRows ?? 0);
}

/**
 * Claims keys whose expiry event is due, with a guarded UPDATE (compare-and-swap on the marker
 * column): of several instances sweeping at once each key is claimed by exactly one, and only once
 * per expiry date. `expiring`: expiry within `horizonMs` but not yet reached; `expired`: reached.
 * Returns the claimed ids, inside the caller's transaction (the events are appended in it).
 */
export async function claimKeys(
  trx: EventTransaction,
  kind: 'expiring' | 'expired',
  now: number,
  horizonMs: number,
  limit: number,
): Promise<number[]> {
  const marker = sql.ref(kind === 'expiring' ? 'expiring_event_for' : 'expired_event_for');
  const due =
    kind === 'expiring'
      ? sql`expiry_date > ${now} AND expiry_date <= ${now + horizonMs}`
      : sql`expiry_date <= ${now}`;
  const lock = isPostgresExecutor(trx) ? sql`FOR UPDATE SKIP LOCKED` : sql``;
  const result = await sql<{ id: number }>`UPDATE api_key SET ${marker} = expiry_date
    WHERE id IN (SELECT id FROM api_key WHERE expiry_date IS NOT NULL AND ${due}
        AND (${marker} IS NULL OR ${marker} <> expiry_date) ORDER BY id LIMIT ${limit} ${lock})
      AND expiry_date IS NOT NULL AND ${due} AND (${marker} IS NULL OR ${marker} <> expiry_date)
    RETURNING id`.execute(trx);
  return result.rows.map((r) => Number(r.id)).sort((a, b) => a - b);
}

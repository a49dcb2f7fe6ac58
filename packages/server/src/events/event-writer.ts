import { PostgresAdapter, type QueryExecutorProvider, sql } from 'kysely';
import type { EventType, NewEvent } from './event-types.js';

/*
 * Writing the event log (DESIGN.md §9, docs/events.md "Ordering"). Every event is inserted in the
 * transaction of the change it describes (the outbox pattern): a rollback never leaves an event, a
 * crash after commit never loses one.
 *
 * PostgreSQL hands out sequence values at insert time but transactions commit in any order: if A takes
 * id 10 and B takes 11 and commits first, a reader at cursor 11 would never see 10. So every writer
 * takes one transaction-scoped advisory lock right before inserting its events, as the last thing it
 * does before committing: ids are then handed out in lock order, and the lock is released only after
 * the commit is visible, so commit order = id order and a reader that sees id n sees every id below.
 * Writers hold the lock only for the insert and the commit, never while waiting for a row lock (the
 * event table has no foreign keys), so it cannot deadlock with row locks. SQLite has one writer at a
 * time and needs nothing.
 */

/** The advisory lock key of the event log (any constant no other Mooring lock uses). */
export const EVENT_LOCK_ID = '7366392000020';

/** What the writer needs of a transaction: Kysely's `Transaction`, whatever its table types. */
export interface EventTransaction extends QueryExecutorProvider {
  readonly isTransaction: boolean;
}

const CHUNK = 500;

export function isPostgresExecutor(trx: QueryExecutorProvider): boolean {
  return trx.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * Appends events inside the caller's transaction. Call it last, right before the transaction
 * commits: on PostgreSQL it takes the event-log lock, held until commit.
 */
export async function appendEvents(
  trx: EventTransaction,
  events: readonly NewEvent[],
  now: number,
): Promise<void> {
  if (events.length === 0) return;
  if (!trx.isTransaction) throw new TypeError('appendEvents must run inside the transaction of the change');
  if (isPostgresExecutor(trx)) await sql.raw(`SELECT pg_advisory_xact_lock(${EVENT_LOCK_ID})`).execute(trx);
  for (let i = 0; i < events.length; i += CHUNK) {
    const rows = events
      .slice(i, i + CHUNK)
      .map(
        (e) =>
          sql`(${e.type}, ${e.at}, ${now}, ${e.organization}, ${e.application}, ${e.actor}, ${e.device}, ${e.deviceUuid}, ${e.deviceSeq}, ${e.apiKey}, ${e.previousStatus}, ${e.status}, ${e.data === null ? null : JSON.stringify(e.data)})`,
      );
    await sql`INSERT INTO event_log (type, at, created_at, organization, application, actor, device, device_uuid, device_seq, api_key, previous_status, status, data)
      VALUES ${sql.join(rows)}`.execute(trx);
  }
}

interface DeviceSnapshot {
  id: number;
  uuid: string;
  device_name: string;
  event_seq: number;
  application: number;
  organization: number;
  status: string;
}

/**
 * Events about devices (`registered`, `moved`, `deleted`): takes each device's next sequence number
 * (under its row lock) and reads what the event names. For `device.deleted` call it before the
 * delete, and append after.
 */
export async function deviceEvents(
  trx: EventTransaction,
  ids: readonly number[],
  type: Extract<EventType, 'device.registered' | 'device.moved' | 'device.deleted'>,
  at: number,
  data: (device: { id: number; name: string }) => Record<string, unknown> | null = (d) => ({ name: d.name }),
): Promise<NewEvent[]> {
  const events: NewEvent[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = [...ids.slice(i, i + CHUNK)].sort((a, b) => a - b);
    await sql`UPDATE device SET event_seq = event_seq + 1 WHERE id IN (${sql.join(chunk)})`.execute(trx);
    const rows = await sql<DeviceSnapshot>`SELECT d.id, d.uuid, d.device_name, d.event_seq,
        d.belongs_to__application AS application, a.organization, d.api_heartbeat_state AS status
      FROM device d JOIN application a ON a.id = d.belongs_to__application
      WHERE d.id IN (${sql.join(chunk)}) ORDER BY d.id`.execute(trx);
    for (const r of rows.rows) {
      events.push({
        type,
        at,
        organization: Number(r.organization),
        application: Number(r.application),
        actor: null,
        device: Number(r.id),
        deviceUuid: r.uuid,
        deviceSeq: Number(r.event_seq),
        apiKey: null,
        previousStatus: null,
        status: r.status,
        data: data({ id: Number(r.id), name: r.device_name }),
      });
    }
  }
  return events;
}

/** The devices of some fleets (a fleet's delete removes its devices: each gets `device.deleted`). */
export async function devicesOfFleets(trx: EventTransaction, fleetIds: readonly number[]): Promise<number[]> {
  if (fleetIds.length === 0) return [];
  const rows = await sql<{
    id: number;
  }>`SELECT id FROM device WHERE belongs_to__application IN (${sql.join([...fleetIds])}) ORDER BY id`.execute(
    trx,
  );
  return rows.rows.map((r) => Number(r.id));
}

/** Fleet and organization of devices, read before a move. */
export async function deviceFleets(
  trx: EventTransaction,
  ids: readonly number[],
): Promise<Map<number, { fleet: number; organization: number }>> {
  const out = new Map<number, { fleet: number; organization: number }>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const rows = await sql<{
      id: number;
      fleet: number;
      organization: number;
    }>`SELECT d.id, d.belongs_to__application AS fleet, a.organization
      FROM device d JOIN application a ON a.id = d.belongs_to__application WHERE d.id IN (${sql.join(ids.slice(i, i + CHUNK))})`.execute(
      trx,
    );
    for (const r of rows.rows)
      out.set(Number(r.id), { fleet: Number(r.fleet), organization: Number(r.organization) });
  }
  return out;
}

interface KeySnapshot {
  id: number;
  kind: string;
  name: string | null;
  actor: number;
  expiry_date: number | null;
  application: number | null;
  organization: number | null;
  device: number | null;
  uuid: string | null;
}

/**
 * Events about API keys. A user key's event names its owner (`actor`) and no organization; a
 * provisioning key's names its fleet; a device key's its device and fleet.
 */
export async function keyEvents(
  trx: EventTransaction,
  ids: readonly number[],
  type: Extract<EventType, 'api_key.expiring' | 'api_key.expired' | 'api_key.revoked'>,
  at: (key: { expiryDate: number | null }) => number,
): Promise<NewEvent[]> {
  const events: NewEvent[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = [...ids.slice(i, i + CHUNK)].sort((a, b) => a - b);
    const rows = await sql<KeySnapshot>`SELECT k.id, k.kind, k.name, k.is_of__actor AS actor, k.expiry_date,
        COALESCE(fa.id, da.id) AS application, COALESCE(fa.organization, da.organization) AS organization,
        d.id AS device, d.uuid
      FROM api_key k
      LEFT JOIN application fa ON fa.actor = k.is_of__actor
      LEFT JOIN device d ON d.actor = k.is_of__actor
      LEFT JOIN application da ON da.id = d.belongs_to__application
      WHERE k.id IN (${sql.join(chunk)}) ORDER BY k.id`.execute(trx);
    for (const r of rows.rows) {
      const expiryDate = r.expiry_date === null ? null : Number(r.expiry_date);
      events.push({
        type,
        at: at({ expiryDate }),
        organization: r.organization === null ? null : Number(r.organization),
        application: r.application === null ? null : Number(r.application),
        actor: Number(r.actor),
        device: r.device === null ? null : Number(r.device),
        deviceUuid: r.uuid,
        deviceSeq: null,
        apiKey: Number(r.id),
        previousStatus: null,
        status: null,
        data: {
          kind: r.kind,
          name: r.name,
          expiryDate: expiryDate === null ? null : new Date(expiryDate).toISOString(),
        },
      });
    }
  }
  return events;
}

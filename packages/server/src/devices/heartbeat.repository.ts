import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import type { NewEvent } from '../events/event-types.js';
import { appendEvents, EVENT_LOCK_ID } from '../events/event-writer.js';

/** One device's coalesced polls since the last flush. */
export interface HeartbeatWrite {
  readonly deviceId: number;
  /** First poll in the interval: when an offline/timeout/unknown device became online. */
  readonly firstAt: number;
  /** Last poll in the interval: the timeout counts from here. */
  readonly lastAt: number;
  /** When this device times out unless it polls again (lastAt + 1.5 × poll interval). */
  readonly dueAt: number;
}

export interface WriteCounts {
  /** Device rows the database reports as updated. */
  readonly rowsWritten: number;
  /** Status-history rows inserted (one per actual transition); each is also an event-log row. */
  readonly events: number;
}

/**
 * Writes one chunk of heartbeats in one transaction: at most one UPDATE per device, whatever the
 * number of polls behind it. Idempotent and safe across instances: a heartbeat older than the one
 * stored is skipped (compare-and-swap on `last_api_heartbeat_at`), so replays and late flushes from
 * another instance never move a device's timeout earlier or record a transition twice.
 */
export async function writeHeartbeats(
  db: Database,
  writes: readonly HeartbeatWrite[],
  now: number = Date.now(),
): Promise<WriteCounts> {
  if (writes.length === 0) return { rowsWritten: 0, events: 0 };
  return db.sqlite ? writeSqlite(db, writes, now) : writePostgres(db, writes, now);
}

/** What a `device.online` event names besides the transition (read only when one happens). */
interface DeviceContext {
  u: string;
  app: number;
  org: number;
}

function onlineEvent(deviceId: number, from: string, at: number, seq: number, d: DeviceContext): NewEvent {
  return {
    type: 'device.online',
    at,
    organization: Number(d.org),
    application: Number(d.app),
    actor: null,
    device: deviceId,
    deviceUuid: d.u,
    deviceSeq: seq,
    apiKey: null,
    previousStatus: from,
    status: 'online',
    data: null,
  };
}

async function writeSqlite(
  db: Database,
  writes: readonly HeartbeatWrite[],
  now: number,
): Promise<WriteCounts> {
  const raw = db.sqlite;
  if (!raw) throw new TypeError('writeSqlite needs a SQLite handle');
  // Through a Kysely transaction so it holds the connection's mutex: no other transaction can be
  // half-open on this single connection while these synchronous statements run.
  return db.kysely.transaction().execute(async (trx) => {
    const select = raw.prepare(
      'SELECT api_heartbeat_state AS s, last_api_heartbeat_at AS l, changed_api_heartbeat_state_on__date AS c, event_seq AS q FROM device WHERE id = ?',
    );
    const stayOnline = raw.prepare(
      'UPDATE device SET last_api_heartbeat_at = ?, heartbeat_due_at = ? WHERE id = ?',
    );
    const comeOnline = raw.prepare(
      "UPDATE device SET last_api_heartbeat_at = ?, heartbeat_due_at = ?, api_heartbeat_state = 'online', changed_api_heartbeat_state_on__date = ?, last_connectivity_event = ?, event_seq = ? WHERE id = ?",
    );
    const event = raw.prepare(
      "INSERT INTO device_status_event (device, from_state, to_state, at) VALUES (?, ?, 'online', ?)",
    );
    const context = raw.prepare(
      'SELECT d.uuid AS u, d.belongs_to__application AS app, a.organization AS org FROM device d JOIN application a ON a.id = d.belongs_to__application WHERE d.id = ?',
    );
    let rowsWritten = 0;
    const logged: NewEvent[] = [];
    for (const w of writes) {
      const row = select.get(w.deviceId) as
        | { s: string; l: number | null; c: number | null; q: number }
        | undefined;
      if (!row || (row.l !== null && row.l >= w.lastAt)) continue;
      if (row.s === 'online') {
        rowsWritten += stayOnline.run(w.lastAt, w.dueAt, w.deviceId).changes;
        continue;
      }
      // Never stamp the move back online before the transition it follows (a sweep may have run
      // between a poll and its flush).
      const at = Math.max(w.firstAt, row.c ?? 0);
      const seq = row.q + 1;
      rowsWritten += comeOnline.run(w.lastAt, w.dueAt, at, at, seq, w.deviceId).changes;
      event.run(w.deviceId, row.s, at);
      logged.push(onlineEvent(w.deviceId, row.s, at, seq, context.get(w.deviceId) as DeviceContext));
    }
    await appendEvents(trx, logged, now);
    return { rowsWritten, events: logged.length };
  });
}

interface PgTransition {
  /** [device id, uuid, from state, at, sequence, fleet, organization] */
  readonly t: [number, string, string, number, number, number, number][] | null;
  readonly written: number;
}

async function writePostgres(
  db: Database,
  writes: readonly HeartbeatWrite[],
  now: number,
): Promise<WriteCounts> {
  if (!db.pool) throw new TypeError('writePostgres needs a pool');
  // One statement per chunk, then (only when some device came online) the event-log insert under the
  // event-log lock, in the same transaction. Rows are locked in id order, so two instances flushing
  // overlapping devices wait for each other instead of deadlocking; the event-log lock is taken last,
  // when no row lock is waited for any more (events/event-writer.ts).
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    const counts = await flushPostgres(client, writes, now);
    await client.query('COMMIT');
    return counts;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

async function flushPostgres(
  client: import('pg').PoolClient,
  writes: readonly HeartbeatWrite[],
  now: number,
): Promise<WriteCounts> {
  const result = await client.query<PgTransition>({
    name: 'mooring_heartbeat_flush',
    text: `WITH v AS (
        SELECT * FROM unnest($1::int[], $2::bigint[], $3::bigint[], $4::bigint[]) AS v(id, first_at, last_at, due_at)
      ), old AS (
        SELECT d.id, d.api_heartbeat_state AS from_state, d.changed_api_heartbeat_state_on__date AS changed
        FROM device d JOIN v ON v.id = d.id
        WHERE d.last_api_heartbeat_at IS NULL OR d.last_api_heartbeat_at < v.last_at
        ORDER BY d.id FOR UPDATE OF d
      ), upd AS (
        UPDATE device d SET
          last_api_heartbeat_at = v.last_at,
          heartbeat_due_at = v.due_at,
          api_heartbeat_state = 'online',
          changed_api_heartbeat_state_on__date = CASE WHEN old.from_state = 'online'
            THEN d.changed_api_heartbeat_state_on__date ELSE GREATEST(v.first_at, COALESCE(old.changed, 0)) END,
          last_connectivity_event = CASE WHEN old.from_state = 'online'
            THEN d.last_connectivity_event ELSE GREATEST(v.first_at, COALESCE(old.changed, 0)) END,
          event_seq = CASE WHEN old.from_state = 'online' THEN d.event_seq ELSE d.event_seq + 1 END
        FROM v JOIN old ON old.id = v.id
        WHERE d.id = v.id
        RETURNING d.id, d.uuid, old.from_state, d.changed_api_heartbeat_state_on__date AS at, d.event_seq,
          d.belongs_to__application AS app
      ), ins AS (
        INSERT INTO device_status_event (device, from_state, to_state, at)
        SELECT id, from_state, 'online', at FROM upd WHERE from_state <> 'online'
        RETURNING 1
      )
      SELECT (SELECT count(*) FROM upd)::int AS written,
        (SELECT json_agg(json_build_array(upd.id, upd.uuid, upd.from_state, upd.at, upd.event_seq, upd.app, a.organization) ORDER BY upd.id)
          FROM upd JOIN application a ON a.id = upd.app WHERE upd.from_state <> 'online') AS t`,
    values: [
      writes.map((w) => w.deviceId),
      writes.map((w) => w.firstAt),
      writes.map((w) => w.lastAt),
      writes.map((w) => w.dueAt),
    ],
  });
  const row = result.rows[0];
  const transitions = row?.t ?? [];
  if (transitions.length > 0) {
    const events = transitions.map(([id, u, from, at, seq, app, org]) =>
      onlineEvent(Number(id), from, Number(at), Number(seq), { u, app, org }),
    );
    await client.query(`SELECT pg_advisory_xact_lock(${EVENT_LOCK_ID})`);
    await client.query({
      name: 'mooring_heartbeat_events',
      text: `INSERT INTO event_log (type, at, created_at, organization, application, device, device_uuid, device_seq, previous_status, status)
        SELECT 'device.online', at, $1, org, app, id, uuid, seq, from_state, 'online'
        FROM unnest($2::bigint[], $3::int[], $4::int[], $5::int[], $6::text[], $7::int[], $8::text[])
          AS v(at, org, app, id, uuid, seq, from_state)`,
      values: [
        now,
        events.map((e) => e.at),
        events.map((e) => e.organization),
        events.map((e) => e.application),
        events.map((e) => e.device),
        events.map((e) => e.deviceUuid),
        events.map((e) => e.deviceSeq),
        events.map((e) => e.previousStatus),
      ],
    });
  }
  return { rowsWritten: Number(row?.written ?? 0), events: transitions.length };
}

export type SweptState = 'timeout' | 'offline';

/**
 * Moves up to `limit` overdue devices one step (online → timeout, or timeout → offline), stamping the
 * time the transition was due, not the time the sweep noticed it: a server that was down reports when
 * a device really went silent. Compare-and-swap on (state, due time); on PostgreSQL `SKIP LOCKED`
 * lets several instances sweep at once without waiting on each other or recording a step twice.
 * Returns how many devices moved.
 */
export async function sweepStep(
  db: Database,
  to: SweptState,
  now: number,
  graceMs: number,
  limit: number,
): Promise<number> {
  const from = to === 'timeout' ? 'online' : 'timeout';
  const nextDue = to === 'timeout' ? sql`heartbeat_due_at + ${graceMs}` : sql`NULL`;
  return db.kysely.transaction().execute(async (trx) => {
    let moved: number[];
    if (db.dialect === 'postgres') {
      const result = await sql<{ id: number }>`WITH picked AS (
          SELECT id FROM device WHERE api_heartbeat_state = ${from} AND heartbeat_due_at <= ${now}
          ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED
        ), upd AS (
          UPDATE device SET api_heartbeat_state = ${to},
            changed_api_heartbeat_state_on__date = heartbeat_due_at,
            last_connectivity_event = heartbeat_due_at,
            heartbeat_due_at = ${nextDue},
            event_seq = event_seq + 1
          WHERE id IN (SELECT id FROM picked) AND api_heartbeat_state = ${from} AND heartbeat_due_at <= ${now}
          RETURNING id, changed_api_heartbeat_state_on__date AS at
        ), ins AS (
          INSERT INTO device_status_event (device, from_state, to_state, at)
          SELECT id, CAST(${from} AS varchar(16)), CAST(${to} AS varchar(16)), at FROM upd RETURNING 1
        )
        SELECT id FROM upd ORDER BY id`.execute(trx);
      moved = result.rows.map((r) => Number(r.id));
    } else {
      const result = await sql<{ id: number; at: number }>`UPDATE device SET api_heartbeat_state = ${to},
          changed_api_heartbeat_state_on__date = heartbeat_due_at,
          last_connectivity_event = heartbeat_due_at,
          heartbeat_due_at = ${nextDue},
          event_seq = event_seq + 1
        WHERE id IN (SELECT id FROM device WHERE api_heartbeat_state = ${from} AND heartbeat_due_at <= ${now} ORDER BY id LIMIT ${limit})
        RETURNING id, changed_api_heartbeat_state_on__date AS at`.execute(trx);
      if (result.rows.length > 0) {
        await trx
          .insertInto('device_status_event')
          .values(
            result.rows.map((r) => ({ device: r.id, from_state: from, to_state: to, at: Number(r.at) })),
          )
          .execute();
      }
      moved = result.rows.map((r) => Number(r.id)).sort((a, b) => a - b);
    }
    if (moved.length === 0) return 0;
    const rows = await sql<{ id: number; uuid: string; seq: number; at: number; app: number; org: number }>`
      SELECT d.id, d.uuid, d.event_seq AS seq, d.changed_api_heartbeat_state_on__date AS at,
        d.belongs_to__application AS app, a.organization AS org
      FROM device d JOIN application a ON a.id = d.belongs_to__application
      WHERE d.id IN (${sql.join(moved)}) ORDER BY d.id`.execute(trx);
    const events: NewEvent[] = rows.rows.map((r) => ({
      type: to === 'timeout' ? 'device.timeout' : 'device.offline',
      at: Number(r.at),
      organization: Number(r.org),
      application: Number(r.app),
      actor: null,
      device: Number(r.id),
      deviceUuid: r.uuid,
      deviceSeq: Number(r.seq),
      apiKey: null,
      previousStatus: from,
      status: to,
      data: null,
    }));
    await appendEvents(trx, events, now);
    return moved.length;
  });
}

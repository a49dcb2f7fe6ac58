import { sql } from 'kysely';
import type { Database } from '../db/database.js';

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
  /** Status-history rows inserted (one per actual transition). */
  readonly events: number;
}

/**
 * Writes one chunk of heartbeats in one transaction: at most one UPDATE per device, whatever the
 * number of polls behind it. Idempotent and safe across instances: a heartbeat older than the one
 * stored is skipped (compare-and-swap on `last_api_heartbeat_at`), so replays and late flushes from
 * another instance never move a device's timeout earlier or record a transition twice.
 */
export async function writeHeartbeats(db: Database, writes: readonly HeartbeatWrite[]): Promise<WriteCounts> {
  if (writes.length === 0) return { rowsWritten: 0, events: 0 };
  return db.sqlite ? writeSqlite(db, writes) : writePostgres(db, writes);
}

async function writeSqlite(db: Database, writes: readonly HeartbeatWrite[]): Promise<WriteCounts> {
  const raw = db.sqlite;
  if (!raw) throw new TypeError('writeSqlite needs a SQLite handle');
  // Through a Kysely transaction so it holds the connection's mutex: no other transaction can be
  // half-open on this single connection while these synchronous statements run.
  return db.kysely.transaction().execute(async () => {
    const select = raw.prepare(
      'SELECT api_heartbeat_state AS s, last_api_heartbeat_at AS l, changed_api_heartbeat_state_on__date AS c FROM device WHERE id = ?',
    );
    const stayOnline = raw.prepare(
      'UPDATE device SET last_api_heartbeat_at = ?, heartbeat_due_at = ? WHERE id = ?',
    );
    const comeOnline = raw.prepare(
      "UPDATE device SET last_api_heartbeat_at = ?, heartbeat_due_at = ?, api_heartbeat_state = 'online', changed_api_heartbeat_state_on__date = ?, last_connectivity_event = ? WHERE id = ?",
    );
    const event = raw.prepare(
      "INSERT INTO device_status_event (device, from_state, to_state, at) VALUES (?, ?, 'online', ?)",
    );
    let rowsWritten = 0;
    let events = 0;
    for (const w of writes) {
      const row = select.get(w.deviceId) as { s: string; l: number | null; c: number | null } | undefined;
      if (!row || (row.l !== null && row.l >= w.lastAt)) continue;
      if (row.s === 'online') {
        rowsWritten += stayOnline.run(w.lastAt, w.dueAt, w.deviceId).changes;
        continue;
      }
      // Never stamp the move back online before the transition it follows (a sweep may have run
      // between a poll and its flush).
      const at = Math.max(w.firstAt, row.c ?? 0);
      rowsWritten += comeOnline.run(w.lastAt, w.dueAt, at, at, w.deviceId).changes;
      events += event.run(w.deviceId, row.s, at).changes;
    }
    return { rowsWritten, events };
  });
}

async function writePostgres(db: Database, writes: readonly HeartbeatWrite[]): Promise<WriteCounts> {
  if (!db.pool) throw new TypeError('writePostgres needs a pool');
  // One statement per chunk. Rows are locked in id order, so two instances flushing overlapping
  // devices wait for each other instead of deadlocking.
  const result = await db.pool.query<{ written: number; events: number }>({
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
            THEN d.last_connectivity_event ELSE GREATEST(v.first_at, COALESCE(old.changed, 0)) END
        FROM v JOIN old ON old.id = v.id
        WHERE d.id = v.id
        RETURNING d.id, old.from_state, d.changed_api_heartbeat_state_on__date AS at
      ), ins AS (
        INSERT INTO device_status_event (device, from_state, to_state, at)
        SELECT id, from_state, 'online', at FROM upd WHERE from_state <> 'online'
        RETURNING 1
      )
      SELECT (SELECT count(*) FROM upd)::int AS written, (SELECT count(*) FROM ins)::int AS events`,
    values: [
      writes.map((w) => w.deviceId),
      writes.map((w) => w.firstAt),
      writes.map((w) => w.lastAt),
      writes.map((w) => w.dueAt),
    ],
  });
  const row = result.rows[0];
  return { rowsWritten: Number(row?.written ?? 0), events: Number(row?.events ?? 0) };
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
  if (db.dialect === 'postgres') {
    const result = await sql<{ n: number }>`WITH picked AS (
        SELECT id FROM device WHERE api_heartbeat_state = ${from} AND heartbeat_due_at <= ${now}
        ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED
      ), upd AS (
        UPDATE device SET api_heartbeat_state = ${to},
          changed_api_heartbeat_state_on__date = heartbeat_due_at,
          last_connectivity_event = heartbeat_due_at,
          heartbeat_due_at = ${nextDue}
        WHERE id IN (SELECT id FROM picked) AND api_heartbeat_state = ${from} AND heartbeat_due_at <= ${now}
        RETURNING id, changed_api_heartbeat_state_on__date AS at
      ), ins AS (
        INSERT INTO device_status_event (device, from_state, to_state, at)
        SELECT id, CAST(${from} AS varchar(16)), CAST(${to} AS varchar(16)), at FROM upd RETURNING 1
      )
      SELECT count(*)::int AS n FROM ins`.execute(db.kysely);
    return Number(result.rows[0]?.n ?? 0);
  }
  return db.kysely.transaction().execute(async (trx) => {
    const moved = await sql<{ id: number; at: number }>`UPDATE device SET api_heartbeat_state = ${to},
        changed_api_heartbeat_state_on__date = heartbeat_due_at,
        last_connectivity_event = heartbeat_due_at,
        heartbeat_due_at = ${nextDue}
      WHERE id IN (SELECT id FROM device WHERE api_heartbeat_state = ${from} AND heartbeat_due_at <= ${now} ORDER BY id LIMIT ${limit})
      RETURNING id, changed_api_heartbeat_state_on__date AS at`.execute(trx);
    if (moved.rows.length > 0) {
      await trx
        .insertInto('device_status_event')
        .values(moved.rows.map((r) => ({ device: r.id, from_state: from, to_state: to, at: Number(r.at) })))
        .execute();
    }
    return moved.rows.length;
  });
}

/**
 * Database side of the events benchmark (scripts/bench-events.ts). Seeds through the HTTP
 * benchmark's seeder (real migrations, keys stored as the server stores them), then puts every
 * device online with its next heartbeat transition far away. A scenario "arms" a group of devices by
 * moving their stored due time (`device.heartbeat_due_at`) to a chosen moment — exactly what the
 * device's last poll would have left there with a short poll interval — so they go silent together
 * (or one after another) and the server's own sweep writes `device.timeout`, then `device.offline`.
 * The event log's `created_at` (the sweep's clock when it wrote the event) is read back afterwards
 * to time "transition written → received".
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../packages/server/src/db/database.js';
import { type SeedResult, seedDatabase } from './seed.js';

const DAY_MS = 86_400_000;
const CHUNK = 500;

export async function seedForEvents(
  database: Database,
  pepper: Uint8Array,
  devices: number,
): Promise<SeedResult> {
  const seed = await seedDatabase(database, pepper, {
    organizations: 1,
    usersPerOrganization: 1,
    fleets: 4,
    devices,
    namedKeys: 1,
    deviceKeys: 0,
  });
  const db = database.kysely as unknown as Kysely<Record<string, Record<string, unknown>>>;
  const now = Date.now();
  // Webhook endpoints are managed by organization administrators.
  await sql`UPDATE organization_membership SET role = 'administrator'`.execute(db);
  await sql`UPDATE device SET api_heartbeat_state = 'online', heartbeat_due_at = ${now + DAY_MS},
    last_api_heartbeat_at = ${now}, changed_api_heartbeat_state_on__date = ${now},
    last_connectivity_event = ${now}`.execute(db);
  return seed;
}

/** Makes `ids` due at `dueAt` (one value for all, or one per device). */
export async function arm(
  database: Database,
  ids: readonly number[],
  dueAt: number | number[],
): Promise<void> {
  const db = database.kysely as unknown as Kysely<Record<string, Record<string, unknown>>>;
  await db.transaction().execute(async (trx) => {
    if (typeof dueAt === 'number') {
      for (let i = 0; i < ids.length; i += CHUNK) {
        const chunk = ids.slice(i, i + CHUNK);
        await sql`UPDATE device SET heartbeat_due_at = ${dueAt} WHERE id IN (${sql.join(chunk)})`.execute(
          trx,
        );
      }
      return;
    }
    for (const [i, id] of ids.entries()) {
      await sql`UPDATE device SET heartbeat_due_at = ${dueAt[i]} WHERE id = ${id}`.execute(trx);
    }
  });
}

/** The event log's write time (`created_at`, the writing sweep's clock) and due time per cursor. */
export async function writtenAt(
  database: Database,
  eventIds: readonly number[],
): Promise<Map<number, { createdAt: number; at: number }>> {
  const db = database.kysely as unknown as Kysely<Record<string, Record<string, unknown>>>;
  const out = new Map<number, { createdAt: number; at: number }>();
  for (let i = 0; i < eventIds.length; i += CHUNK) {
    const chunk = eventIds.slice(i, i + CHUNK);
    const rows = await sql<{ id: number; created_at: number; at: number }>`
      SELECT id, created_at, at FROM event_log WHERE id IN (${sql.join(chunk)})`.execute(db);
    for (const r of rows.rows) out.set(Number(r.id), { createdAt: Number(r.created_at), at: Number(r.at) });
  }
  return out;
}

/** The earliest `created_at` of the events of `type` for these devices, with their count. */
export async function burstWritten(
  database: Database,
  type: string,
  fromDevice: number,
  toDevice: number,
): Promise<{ first: number; last: number; count: number }> {
  const db = database.kysely as unknown as Kysely<Record<string, Record<string, unknown>>>;
  const rows = await sql<{ first: number | null; last: number | null; n: number }>`
    SELECT MIN(created_at) AS first, MAX(created_at) AS last, COUNT(*) AS n FROM event_log
    WHERE type = ${type} AND device BETWEEN ${fromDevice} AND ${toDevice}`.execute(db);
  const r = rows.rows[0];
  return { first: Number(r?.first ?? 0), last: Number(r?.last ?? 0), count: Number(r?.n ?? 0) };
}

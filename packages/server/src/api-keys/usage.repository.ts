import { sql } from 'kysely';
import type { Database } from '../db/database.js';

/**
 * Adds `requests` to a key's count for `day`. An INSERT … SELECT from `api_key`, so a key deleted
 * since its use was noted adds nothing instead of failing the flush on the foreign key.
 */
export async function addUsage(db: Database, keyId: number, day: string, requests: number): Promise<void> {
  await db.kysely
    .insertInto('api_key_usage')
    .columns(['api_key', 'day', 'requests'])
    .expression((eb) =>
      eb
        .selectFrom('api_key')
        .select(['id', sql<string>`${day}`.as('day'), sql<number>`${requests}`.as('requests')])
        .where('id', '=', keyId),
    )
    .onConflict((oc) =>
      oc.columns(['api_key', 'day']).doUpdateSet({
        requests: sql<number>`api_key_usage.requests + excluded.requests`,
      }),
    )
    .execute();
}

export interface UsageRow {
  readonly keyId: number;
  readonly day: string;
  readonly requests: number;
}

/**
 * Adds many counts in two statements (rows of deleted keys are dropped first), so a flush costs the
 * same few round trips whether ten keys were used or a thousand. A key deleted between the two
 * statements fails the insert on the foreign key; then the rows go one by one through `addUsage`,
 * which skips it. Callers keep batches under the dialects' parameter limits (3 per row).
 */
export async function addUsageBatch(db: Database, rows: readonly UsageRow[]): Promise<void> {
  if (rows.length === 0) return;
  const ids = [...new Set(rows.map((r) => r.keyId))];
  const found = await db.kysely.selectFrom('api_key').select('id').where('id', 'in', ids).execute();
  const live = new Set(found.map((r) => Number(r.id)));
  const values = rows
    .filter((r) => live.has(r.keyId))
    .map((r) => ({ api_key: r.keyId, day: r.day, requests: r.requests }));
  if (values.length === 0) return;
  try {
    await db.kysely
      .insertInto('api_key_usage')
      .values(values)
      .onConflict((oc) =>
        oc.columns(['api_key', 'day']).doUpdateSet({
          requests: sql<number>`api_key_usage.requests + excluded.requests`,
        }),
      )
      .execute();
  } catch {
    for (const r of values) await addUsage(db, r.api_key, r.day, r.requests);
  }
}

/** Deletes every count of a day before `day` (`YYYY-MM-DD`). */
export async function pruneUsageBefore(db: Database, day: string): Promise<void> {
  await db.kysely.deleteFrom('api_key_usage').where('day', '<', day).execute();
}

/** A key's counts from `fromDay` on, oldest first. */
export async function usageSince(
  db: Database,
  keyId: number,
  fromDay: string,
): Promise<{ day: string; requests: number }[]> {
  const rows = await db.kysely
    .selectFrom('api_key_usage')
    .select(['day', 'requests'])
    .where('api_key', '=', keyId)
    .where('day', '>=', fromDay)
    .orderBy('day')
    .execute();
  return rows.map((r) => ({ day: r.day, requests: Number(r.requests) }));
}

/**
 * Sets `last_used_at` of many keys in one statement: an UPDATE … FROM a VALUES list (SQLite ≥ 3.33
 * and PostgreSQL both name its columns `column1`, `column2`; the casts give PostgreSQL the types of
 * otherwise untyped parameters). Rows of deleted keys simply match nothing.
 */
export async function setLastUsedAt(
  db: Database,
  uses: readonly { readonly keyId: number; readonly at: number }[],
): Promise<void> {
  if (uses.length === 0) return;
  const values = sql.join(uses.map((u) => sql`(CAST(${u.keyId} AS integer), CAST(${u.at} AS bigint))`));
  await sql`UPDATE api_key SET last_used_at = v.column2 FROM (VALUES ${values}) AS v
    WHERE api_key.id = v.column1`.execute(db.kysely);
}

export async function lastUsedAt(db: Database, keyId: number): Promise<number | null | undefined> {
  const row = await db.kysely
    .selectFrom('api_key')
    .select('last_used_at')
    .where('id', '=', keyId)
    .executeTakeFirst();
  return row === undefined ? undefined : row.last_used_at === null ? null : Number(row.last_used_at);
}

import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.js';

/** The SQL of the resource write hooks (`resources/<name>.ts`); each takes the write's transaction. */

/** A new actor (the owner of a fleet's or device's API keys). */
export async function insertActor(trx: Kysely<DB>, now: number): Promise<number> {
  const actor = await trx
    .insertInto('actor')
    .values({ created_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return actor.id;
}

export async function findOrganizationHandle(
  trx: Kysely<DB>,
  organizationId: number,
): Promise<string | undefined> {
  const org = await trx
    .selectFrom('organization')
    .select('handle')
    .where('id', '=', organizationId)
    .executeTakeFirst();
  return org?.handle;
}

/** Recomputes the fleets' slugs (`<organization handle>/<app_name>`, lower case) from their rows. */
export async function updateFleetSlugs(trx: Kysely<DB>, ids: readonly number[]): Promise<void> {
  await trx
    .updateTable('application')
    .set({
      slug: sql<string>`lower((SELECT o.handle FROM organization o WHERE o.id = application.organization) || '/' || app_name)`,
    })
    .where('id', 'in', ids)
    .execute();
}

/** The actors of these devices. */
export async function deviceActors(trx: Kysely<DB>, ids: readonly number[]): Promise<number[]> {
  const rows = await trx.selectFrom('device').select('actor').where('id', 'in', ids).execute();
  return rows.map((r) => Number(r.actor));
}

/** The actors of these fleets and of their devices. */
export async function fleetActors(trx: Kysely<DB>, ids: readonly number[]): Promise<number[]> {
  const apps = await trx.selectFrom('application').select('actor').where('id', 'in', ids).execute();
  const devices = await trx
    .selectFrom('device')
    .select('actor')
    .where('belongs_to__application', 'in', ids)
    .execute();
  return [...apps, ...devices].map((r) => Number(r.actor));
}

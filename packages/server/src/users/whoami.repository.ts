import type { Database } from '../db/database.js';

export interface WhoamiUserRow {
  readonly id: number;
  readonly actor: number;
  readonly username: string;
  readonly email: string | null;
}

// SQLite runs the statement synchronously from the handle's statement cache: `GET /actor/v1/whoami`
// is polled by every integration, and Kysely would build and compile the same SELECT on each call.
const WHOAMI_SQL = 'SELECT id, actor, username, email FROM "user" WHERE id = ?';

/** The fields `whoami` answers with, read fresh on every call (a rename shows at once). */
export async function findWhoamiUser(db: Database, id: number): Promise<WhoamiUserRow | undefined> {
  if (db.statements) return db.statements.prepare(WHOAMI_SQL).get(id) as WhoamiUserRow | undefined;
  return db.kysely
    .selectFrom('user')
    .select(['id', 'actor', 'username', 'email'])
    .where('id', '=', id)
    .executeTakeFirst();
}

/** The slug of the fleet behind a provisioning key. */
export async function findWhoamiFleet(
  db: Database,
  id: number,
): Promise<{ id: number; slug: string } | undefined> {
  return db.kysely.selectFrom('application').select(['id', 'slug']).where('id', '=', id).executeTakeFirst();
}

/** The uuid of the device behind a device key. */
export async function findWhoamiDevice(
  db: Database,
  id: number,
): Promise<{ id: number; uuid: string } | undefined> {
  return db.kysely.selectFrom('device').select(['id', 'uuid']).where('id', '=', id).executeTakeFirst();
}

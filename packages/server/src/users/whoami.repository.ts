import type { Database } from '../db/database.js';
import { hotQuery, hotRow } from '../db/hot-query.js';

export interface WhoamiUserRow {
  readonly id: number;
  readonly actor: number;
  readonly username: string;
  readonly email: string | null;
}

// `GET /actor/v1/whoami` is polled by every integration: a hot query (db/hot-query.ts).
const WHOAMI = hotQuery('whoami_user', 'SELECT id, actor, username, email FROM "user" WHERE id = ?');

/** The fields `whoami` answers with, read fresh on every call (a rename shows at once). */
export async function findWhoamiUser(db: Database, id: number): Promise<WhoamiUserRow | undefined> {
  return hotRow<WhoamiUserRow>(db, WHOAMI, [id]);
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

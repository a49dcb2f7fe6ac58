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

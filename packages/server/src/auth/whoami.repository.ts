import type { Statement } from 'better-sqlite3';
import type { Database } from '../db/database.js';

export interface WhoamiUserRow {
  readonly id: number;
  readonly actor: number;
  readonly username: string;
  readonly email: string | null;
}

// One prepared statement per SQLite handle: `GET /actor/v1/whoami` is polled by every integration,
// and Kysely would build, compile and prepare the same SELECT on each call (docs/benchmarks.md).
const statements = new WeakMap<object, Statement<[number], WhoamiUserRow>>();

/** The fields `whoami` answers with, read fresh on every call (a rename shows at once). */
export async function findWhoamiUser(db: Database, id: number): Promise<WhoamiUserRow | undefined> {
  if (db.sqlite) {
    let statement = statements.get(db.sqlite);
    if (!statement) {
      statement = db.sqlite.prepare<[number], WhoamiUserRow>(
        'SELECT id, actor, username, email FROM "user" WHERE id = ?',
      );
      statements.set(db.sqlite, statement);
    }
    return statement.get(id);
  }
  return db.kysely
    .selectFrom('user')
    .select(['id', 'actor', 'username', 'email'])
    .where('id', '=', id)
    .executeTakeFirst();
}

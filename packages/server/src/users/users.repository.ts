import { sql } from 'kysely';
import type { Database } from '../db/database.js';

export interface UserRow {
  readonly id: number;
  readonly actor: number;
  readonly username: string;
  readonly email: string | null;
  readonly password_hash: string;
  readonly is_admin: number;
  readonly created_at: number;
}

const USER_COLUMNS = ['id', 'actor', 'username', 'email', 'password_hash', 'is_admin', 'created_at'] as const;

/** Case-insensitive: by e-mail when the login contains '@', else by username (COMPAT.md A1). */
export async function findUserByLogin(db: Database, login: string): Promise<UserRow | undefined> {
  const column = login.includes('@') ? 'email' : 'username';
  return db.kysely
    .selectFrom('user')
    .select(USER_COLUMNS)
    .where(sql`lower(${sql.ref(column)})`, '=', login.toLowerCase())
    .executeTakeFirst();
}

export async function findUserById(db: Database, id: number): Promise<UserRow | undefined> {
  return db.kysely.selectFrom('user').select(USER_COLUMNS).where('id', '=', id).executeTakeFirst();
}

export async function countUsers(db: Database): Promise<number> {
  const row = await db.kysely
    .selectFrom('user')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface NewUser {
  readonly username: string;
  readonly email: string | null;
  readonly passwordHash: string;
  readonly isAdmin: boolean;
  readonly now: number;
}

/** Creates the user and its actor in one transaction. */
export async function insertUser(db: Database, user: NewUser): Promise<UserRow> {
  return db.kysely.transaction().execute(async (trx) => {
    const actor = await trx
      .insertInto('actor')
      .values({ created_at: user.now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return trx
      .insertInto('user')
      .values({
        actor: actor.id,
        username: user.username,
        email: user.email,
        password_hash: user.passwordHash,
        is_admin: user.isAdmin ? 1 : 0,
        created_at: user.now,
        modified_at: user.now,
      })
      .returning(USER_COLUMNS)
      .executeTakeFirstOrThrow();
  });
}

export async function updatePasswordHash(db: Database, userId: number, passwordHash: string, now: number) {
  await db.kysely
    .updateTable('user')
    .set({ password_hash: passwordHash, modified_at: now })
    .where('id', '=', userId)
    .execute();
}

export async function listUsers(db: Database): Promise<UserRow[]> {
  return db.kysely.selectFrom('user').select(USER_COLUMNS).orderBy('id').execute();
}

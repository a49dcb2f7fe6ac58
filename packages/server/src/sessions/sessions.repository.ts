import type { Database } from '../db/database.js';

export interface SessionRow {
  readonly id: string;
  readonly user: number;
  readonly auth_time: number;
  readonly created_at: number;
  readonly expires_at: number;
  readonly last_refreshed_at: number;
  readonly revoked_at: number | null;
  readonly user_agent: string | null;
  readonly ip_address: string | null;
}

const COLUMNS = [
  'id',
  'user',
  'auth_time',
  'created_at',
  'expires_at',
  'last_refreshed_at',
  'revoked_at',
  'user_agent',
  'ip_address',
] as const;

export async function insertSession(db: Database, row: Omit<SessionRow, 'revoked_at'>): Promise<void> {
  await db.kysely
    .insertInto('session')
    .values({ ...row, revoked_at: null })
    .execute();
}

export async function findSession(db: Database, id: string): Promise<SessionRow | undefined> {
  return db.kysely.selectFrom('session').select(COLUMNS).where('id', '=', id).executeTakeFirst();
}

/**
 * Compare-and-swap: only a live session is extended. Returns false if it was revoked meanwhile.
 * `authTime` re-stamps the password login after the password was checked again.
 */
export async function extendSession(
  db: Database,
  id: string,
  expiresAt: number,
  now: number,
  authTime?: number,
): Promise<boolean> {
  const result = await db.kysely
    .updateTable('session')
    .set({
      expires_at: expiresAt,
      last_refreshed_at: now,
      ...(authTime === undefined ? {} : { auth_time: authTime }),
    })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function listLiveSessions(db: Database, userId: number, now: number): Promise<SessionRow[]> {
  return db.kysely
    .selectFrom('session')
    .select(COLUMNS)
    .where('user', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('created_at', 'desc')
    .execute();
}

export async function revokeSession(db: Database, userId: number, id: string, now: number): Promise<boolean> {
  const result = await db.kysely
    .updateTable('session')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('user', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Revokes every live session of a user except `keepId` (if given). Returns the revoked ids. */
export async function revokeUserSessions(
  db: Database,
  userId: number,
  now: number,
  keepId?: string,
): Promise<string[]> {
  let query = db.kysely
    .updateTable('session')
    .set({ revoked_at: now })
    .where('user', '=', userId)
    .where('revoked_at', 'is', null);
  if (keepId !== undefined) query = query.where('id', '!=', keepId);
  const rows = await query.returning('id').execute();
  return rows.map((r) => r.id);
}

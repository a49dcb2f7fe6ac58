import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/database.js';
import type { DB } from '../db/schema.js';

export type MembershipRole = 'administrator' | 'member';

/** The user's role in the organization, or undefined when they are not a member. */
export async function findMembershipRole(
  db: Database,
  organizationId: number,
  userId: number,
): Promise<MembershipRole | undefined> {
  const row = await db.kysely
    .selectFrom('organization_membership')
    .select('role')
    .where('is_member_of__organization', '=', organizationId)
    .where('user', '=', userId)
    .executeTakeFirst();
  return row?.role as MembershipRole | undefined;
}

export type RemoveOutcome = 'removed' | 'not_member' | 'last_administrator';

/**
 * Deletes one membership unless it is the organization's last administrator. One guarded DELETE
 * decides (compare-and-swap, no read-modify-write); on PostgreSQL the organization row is locked
 * first, so two concurrent removals of the last two administrators cannot both see "one other is
 * left" under READ COMMITTED. SQLite runs one writer at a time, so the single statement suffices
 * there (and an explicit transaction would hold the write lock across awaits).
 */
export async function deleteMembership(
  db: Database,
  organizationId: number,
  userId: number,
): Promise<RemoveOutcome> {
  const guardedDelete = async (trx: Kysely<DB>): Promise<boolean> => {
    const deleted = await trx
      .deleteFrom('organization_membership')
      .where('is_member_of__organization', '=', organizationId)
      .where('user', '=', userId)
      .where((eb) =>
        eb.or([
          eb('role', '<>', 'administrator'),
          eb(
            eb
              .selectFrom('organization_membership as other')
              .select((o) => o.fn.countAll<number>().as('n'))
              .where('other.is_member_of__organization', '=', organizationId)
              .where('other.role', '=', 'administrator'),
            '>',
            1,
          ),
        ]),
      )
      .executeTakeFirst();
    return Number(deleted.numDeletedRows) > 0;
  };
  const removed =
    db.dialect === 'postgres'
      ? await db.kysely.transaction().execute(async (trx) => {
          await sql`SELECT id FROM organization WHERE id = ${organizationId} FOR UPDATE`.execute(trx);
          return guardedDelete(trx);
        })
      : await guardedDelete(db.kysely);
  if (removed) return 'removed';
  return (await findMembershipRole(db, organizationId, userId)) ? 'last_administrator' : 'not_member';
}

import type { Database } from '../db/database.js';

export interface OrganizationRow {
  readonly id: number;
  readonly name: string;
  readonly handle: string;
}

export async function insertOrganization(
  db: Database,
  org: { name: string; handle: string; now: number },
): Promise<OrganizationRow> {
  return db.kysely
    .insertInto('organization')
    .values({ name: org.name, handle: org.handle, created_at: org.now, modified_at: org.now })
    .returning(['id', 'name', 'handle'])
    .executeTakeFirstOrThrow();
}

export async function findOrganization(db: Database, id: number): Promise<OrganizationRow | undefined> {
  return db.kysely
    .selectFrom('organization')
    .select(['id', 'name', 'handle'])
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function listOrganizations(db: Database): Promise<OrganizationRow[]> {
  return db.kysely.selectFrom('organization').select(['id', 'name', 'handle']).orderBy('name').execute();
}

export async function upsertMembership(
  db: Database,
  m: { userId: number; organizationId: number; role: 'administrator' | 'member'; now: number },
): Promise<void> {
  await db.kysely
    .insertInto('organization_membership')
    .values({ user: m.userId, is_member_of__organization: m.organizationId, role: m.role, created_at: m.now })
    .onConflict((oc) => oc.columns(['user', 'is_member_of__organization']).doUpdateSet({ role: m.role }))
    .execute();
}

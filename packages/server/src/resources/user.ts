import { sql } from '../db/sql/fragment.js';
import { CO_MEMBERS, col as ref, userId, within } from '../permissions/permissions.js';
import { col, fk, id, NEVER_WRITTEN, ts } from './fields.js';
import type { ResourceDef } from './types.js';

/** Users: the caller and those who share an organization with them; read-only through /v7. */
export const user: ResourceDef = {
  name: 'user',
  table: 'user',
  // Safe fields only: never the password hash.
  fields: {
    id,
    created_at: ts('created_at'),
    actor: fk('actor', 'actor'),
    username: col('string', 'username', { nullable: false }),
    email: col('string', 'email'),
  },
  navigations: {
    organization_membership: { kind: 'many', target: 'organization_membership', remoteField: 'user' },
  },
  alternateKeys: ['id', 'username'],
  uniques: [['username'], ['email']],
  access: {
    readOnly: NEVER_WRITTEN,
    member: (a, form) => sql`(${ref(a, 'id')} = ${userId} OR ${within(ref(a, 'id'), CO_MEMBERS, form)})`,
    inFleets: (a) => sql`${ref(a, 'id')} = ${userId}`,
  },
  hooks: {},
};

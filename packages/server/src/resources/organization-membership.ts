import { MY_ORGS, col as ref, within } from '../permissions/permissions.js';
import { col, fk, id, NEVER_WRITTEN, ts } from './fields.js';
import type { ResourceDef } from './types.js';

/** Who belongs to which organization: managed by the membership endpoints, read-only through /v7. */
export const organizationMembership: ResourceDef = {
  name: 'organization_membership',
  table: 'organization_membership',
  fields: {
    id,
    created_at: ts('created_at'),
    user: fk('user', 'user'),
    is_member_of__organization: fk('is_member_of__organization', 'organization'),
    role: col('string', 'role', { nullable: false }),
  },
  navigations: {
    user: { kind: 'one', target: 'user', localField: 'user' },
    is_member_of__organization: {
      kind: 'one',
      target: 'organization',
      localField: 'is_member_of__organization',
    },
  },
  alternateKeys: ['id'],
  uniques: [['user', 'is_member_of__organization']],
  access: {
    readOnly: NEVER_WRITTEN,
    member: (a, form) => within(ref(a, 'is_member_of__organization'), MY_ORGS, form),
    inFleets: (a, form, fleets) => within(ref(a, 'is_member_of__organization'), fleets.organizations, form),
  },
  hooks: {},
};

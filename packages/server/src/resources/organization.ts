import { MY_ORGS, col as ref, within } from '../permissions/permissions.js';
import { audited, col, NEVER_WRITTEN } from './fields.js';
import type { ResourceDef } from './types.js';

/** Organizations: managed by the Mooring organization endpoints, read-only through /v7. */
export const organization: ResourceDef = {
  name: 'organization',
  table: 'organization',
  fields: {
    ...audited,
    name: col('string', 'name', { nullable: false }),
    handle: col('string', 'handle', { nullable: false }),
  },
  navigations: {
    application: { kind: 'many', target: 'application', remoteField: 'organization' },
    organization_membership: {
      kind: 'many',
      target: 'organization_membership',
      remoteField: 'is_member_of__organization',
    },
  },
  alternateKeys: ['id', 'handle'],
  uniques: [['handle']],
  access: {
    readOnly: NEVER_WRITTEN,
    member: (a, form) => within(ref(a, 'id'), MY_ORGS, form),
    inFleets: (a, form, fleets) => within(ref(a, 'id'), fleets.organizations, form),
  },
  hooks: {},
};

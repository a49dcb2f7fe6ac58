import { sql } from '../db/sql/fragment.js';
import { deviceEvents, devicesOfFleets } from '../events/event-writer.js';
import { applicationId, MY_ORGS, col as ref, within } from '../permissions/permissions.js';
import { audited, col, fk, invalid, newUuid, noRelease, requiredText, validateUuid } from './fields.js';
import {
  findOrganizationHandle,
  fleetActors,
  insertActor,
  updateFleetSlugs,
} from './resources.repository.js';
import type { ResourceDef, Values } from './types.js';

const APP_NAME = /^[a-zA-Z0-9_-]{4,100}$/;
const CLASSES = ['fleet', 'block', 'app'];

function validateAppName(name: unknown): void {
  if (typeof name !== 'string' || !APP_NAME.test(name)) {
    throw invalid('Fleet names must be 4–100 characters of letters, digits, "-" or "_"');
  }
}

/** Fleets (balena's `application`). */
export const application: ResourceDef = {
  name: 'application',
  table: 'application',
  fields: {
    ...audited,
    actor: fk('actor', 'actor'),
    organization: fk('organization', 'organization', { create: true, required: true }),
    app_name: requiredText('app_name', 100),
    slug: col('string', 'slug', { nullable: false }),
    uuid: col('string', 'uuid', { nullable: false, create: true }),
    is_for__device_type: fk('is_for__device_type', 'device_type', {
      create: true,
      update: true,
      required: true,
    }),
    is_of__class: col('string', 'is_of__class', { nullable: false, create: true }),
    is_public: col('boolean', 'is_public', { nullable: false }),
    is_host: col('boolean', 'is_host', { nullable: false }),
    is_archived: col('boolean', 'is_archived', { nullable: false, update: true }),
    should_track_latest_release: col('boolean', 'should_track_latest_release', { nullable: false }),
    should_be_running__release: noRelease,
  },
  navigations: {
    organization: { kind: 'one', target: 'organization', localField: 'organization' },
    is_for__device_type: { kind: 'one', target: 'device_type', localField: 'is_for__device_type' },
    owns__device: { kind: 'many', target: 'device', remoteField: 'belongs_to__application' },
    application_environment_variable: {
      kind: 'many',
      target: 'application_environment_variable',
      remoteField: 'application',
    },
    application_config_variable: {
      kind: 'many',
      target: 'application_config_variable',
      remoteField: 'application',
    },
    is_directly_accessible_by__user: { kind: 'caller-user', target: 'user' },
  },
  alternateKeys: ['id', 'uuid', 'slug'],
  uniques: [['slug'], ['uuid']],
  access: {
    // Anonymous callers see public fleets only (none unless marked public).
    anonymous: (a) => sql`${ref(a, 'is_public')} = 1`,
    member: (a, form) => within(ref(a, 'organization'), MY_ORGS, form),
    device: { read: (a) => sql`${ref(a, 'id')} = ${applicationId}` },
    area: 'fleets',
    inFleets: (a, _form, fleets) => sql`${ref(a, 'id')} IN ${fleets.list()}`,
    // A new fleet would lie outside the key's fleet list by definition.
    createInFleets: false,
    createParent: { field: 'organization', resource: 'organization', action: 'read' },
  },
  hooks: {
    async prepareInsert(trx, values, now): Promise<Values> {
      validateAppName(values.app_name);
      if (values.uuid !== undefined) validateUuid(values.uuid);
      if (values.is_of__class !== undefined && !CLASSES.includes(String(values.is_of__class))) {
        throw invalid('is_of__class must be fleet, block or app');
      }
      const handle = await findOrganizationHandle(trx, Number(values.organization));
      if (handle === undefined) throw invalid('organization does not exist');
      return {
        uuid: values.uuid ?? newUuid(),
        slug: `${handle}/${String(values.app_name)}`.toLowerCase(),
        actor: await insertActor(trx, now),
      };
    },
    validateUpdate(values) {
      if (values.app_name !== undefined) validateAppName(values.app_name);
    },
    async afterUpdate({ trx, ids, values }) {
      // The slug follows the name (COMPAT.md A6).
      if (values.app_name !== undefined) await updateFleetSlugs(trx, ids);
    },
    // Each of the fleet's devices is deleted with it.
    deleteEvents: async ({ trx, ids, now }) =>
      deviceEvents(trx, await devicesOfFleets(trx, ids), 'device.deleted', now),
    // Its provisioning keys and its devices' keys go with it (FK cascade from the actors).
    ownedActors: ({ trx, ids }) => fleetActors(trx, ids),
    async afterCommit({ action, services }) {
      if (action === 'delete') await services.invalidateCredentials();
    },
  },
};

import { recordAuditEvent } from '../audit/audit.repository.js';
import { sql } from '../db/sql/fragment.js';
import { keyEvents } from '../events/event-writer.js';
import { actorId, DEVICE_ACTORS, FLEET_ACTORS, col as ref, within } from '../permissions/permissions.js';
import { audited, col, fk, invalid, ts } from './fields.js';
import type { CommitScope, ResourceDef } from './types.js';

/**
 * API keys: listed, renamed, given a new expiry and revoked through /v7; created only by the Mooring
 * key endpoints (the secret is shown once there). Never `key_hash`, `signing_secret`.
 */
export const apiKey: ResourceDef = {
  name: 'api_key',
  table: 'api_key',
  fields: {
    ...audited,
    is_of__actor: fk('is_of__actor', 'actor'),
    name: col('string', 'name', { update: true, maxLength: 1564 }),
    description: col('string', 'description', { update: true, maxLength: 100_000 }),
    expiry_date: { ...ts('expiry_date', true), update: true },
    kind: col('string', 'kind', { nullable: false }),
    display_prefix: col('string', 'display_prefix', { nullable: false }),
    scopes: col('json', 'scopes'),
    fleet_ids: col('json', 'fleet_ids'),
    header_only: col('boolean', 'header_only', { nullable: false }),
    requires_signature: col('boolean', 'requires_signature', { nullable: false }),
    signing_alg: col('string', 'signing_alg'),
    last_used_at: ts('last_used_at', true),
  },
  navigations: {},
  alternateKeys: ['id'],
  uniques: [['key']],
  access: {
    readOnly: ['create'],
    // Own keys, and the provisioning/device keys of fleets and devices the user can reach.
    member: (a, form) =>
      sql`(${ref(a, 'is_of__actor')} = ${actorId} OR ${within(ref(a, 'is_of__actor'), FLEET_ACTORS, form)} OR ${within(ref(a, 'is_of__actor'), DEVICE_ACTORS, form)})`,
    area: 'keys',
    inFleets: (a, form, fleets) =>
      sql`(${within(ref(a, 'is_of__actor'), fleets.fleetActors, form)} OR ${within(ref(a, 'is_of__actor'), fleets.deviceActors, form)})`,
  },
  hooks: {
    validateUpdate(values) {
      if ('name' in values && (values.name === null || values.name === '')) {
        throw invalid('A key name cannot be empty');
      }
    },
    // A key never outlives or outranks what it was given (api-keys/key-policy.ts), decided on the
    // locked rows inside the update's transaction: one refusal rolls the whole request back.
    beforeUpdate: ({ db, ids, values, principal, services }) =>
      services.checkKeyUpdate(db, ids, values, principal),
    deleteEvents: ({ trx, ids, now }) => keyEvents(trx, ids, 'api_key.revoked', () => now),
    async afterCommit(scope) {
      // A changed or revoked key must take effect on the next request, here and on other instances.
      await scope.services.invalidateCredentials();
      const type =
        scope.action === 'delete'
          ? 'api_key.revoked'
          : scope.values.expiry_date !== undefined
            ? 'api_key.expiry_changed'
            : 'api_key.updated';
      await audit(scope, type);
    },
  },
};

async function audit(
  { db, ids, principal, now }: CommitScope,
  type: 'api_key.revoked' | 'api_key.expiry_changed' | 'api_key.updated',
): Promise<void> {
  for (const keyId of ids) {
    await recordAuditEvent(db, {
      type,
      at: now,
      actorId: principal?.actorId ?? null,
      userId: principal?.userId ?? null,
      details: { keyId },
    });
  }
}

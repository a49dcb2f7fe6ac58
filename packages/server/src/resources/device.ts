import { sql } from '../db/sql/fragment.js';
import { deviceEvents, deviceFleets } from '../events/event-writer.js';
import { DEVICE_REPORTED_FIELDS, deviceId, MY_APPS, col as ref, within } from '../permissions/permissions.js';
import { audited, col, fk, friendlyName, newUuid, noRelease, ts, validateUuid } from './fields.js';
import { deviceActors, insertActor } from './resources.repository.js';
import type { ResourceDef, Values } from './types.js';

/** The device is online while its API heartbeat says so (Mooring has no VPN: COMPAT.md "differs" 3). */
const online = (a: string): string => `(CASE WHEN ${a}.api_heartbeat_state = 'online' THEN 1 ELSE 0 END)`;

/** overall_status, OBA's order adapted to "no VPN" (COMPAT.md A7). */
const overallStatus = (a: string): string => `(CASE
  WHEN ${a}.provisioning_state = 'Post-Provisioning' THEN 'post-provisioning'
  WHEN ${a}.api_heartbeat_state = 'unknown' AND ${a}.last_connectivity_event IS NULL THEN 'configuring'
  WHEN ${a}.api_heartbeat_state IN ('offline', 'unknown') THEN 'disconnected'
  WHEN ${a}.download_progress IS NOT NULL AND ${a}.status = 'Downloading' THEN 'updating'
  WHEN ${a}.provisioning_progress IS NOT NULL THEN 'configuring'
  WHEN ${a}.api_heartbeat_state = 'timeout' THEN 'reduced-functionality'
  ELSE 'operational' END)`;

const overallProgress = (a: string): string => `(CASE
  WHEN ${a}.download_progress IS NOT NULL AND ${a}.status = 'Downloading' THEN ${a}.download_progress
  WHEN ${a}.provisioning_progress IS NOT NULL THEN ${a}.provisioning_progress
  ELSE NULL END)`;

const ownDevice = (a: string) => sql`${ref(a, 'id')} = ${deviceId}`;

/** Devices: members reach the devices of their fleets, a device key its own row (COMPAT.md A7). */
export const device: ResourceDef = {
  name: 'device',
  table: 'device',
  fields: {
    ...audited,
    actor: fk('actor', 'actor'),
    uuid: col('string', 'uuid', { nullable: false, create: true }),
    device_name: col('string', 'device_name', {
      nullable: false,
      create: true,
      update: true,
      maxLength: 255,
    }),
    note: col('string', 'note', { create: true, update: true, maxLength: 1_000_000 }),
    local_id: col('string', 'local_id', { update: true, maxLength: 255 }),
    is_of__device_type: fk('is_of__device_type', 'device_type', {
      create: true,
      required: true,
      update: true,
    }),
    belongs_to__application: fk('belongs_to__application', 'application', {
      create: true,
      required: true,
      update: true,
    }),
    api_heartbeat_state: col('string', 'api_heartbeat_state', { nullable: false }),
    changed_api_heartbeat_state_on__date: ts('changed_api_heartbeat_state_on__date', true),
    is_online: { type: 'boolean', computed: online, nullable: false },
    is_connected_to_vpn: { type: 'boolean', computed: online, nullable: false },
    last_connectivity_event: ts('last_connectivity_event', true),
    // Mooring's addition (docs/devices.md): the last heartbeat, i.e. the last poll by the device's own
    // key, as written by the coalescing flush. balena has no such field; the prefix keeps it that way.
    mooring_last_heartbeat_at: ts('last_api_heartbeat_at', true),
    last_vpn_event: ts('last_connectivity_event', true),
    is_locked_until__date: ts('is_locked_until__date', true),
    public_address: col('string', 'public_address', { update: true, maxLength: 255 }),
    ip_address: col('string', 'ip_address', { update: true, maxLength: 10_000 }),
    mac_address: col('string', 'mac_address', { update: true, maxLength: 10_000 }),
    memory_usage: col('integer', 'memory_usage', { update: true }),
    memory_total: col('integer', 'memory_total', { update: true }),
    storage_block_device: col('string', 'storage_block_device', { update: true, maxLength: 255 }),
    storage_usage: col('integer', 'storage_usage', { update: true }),
    storage_total: col('integer', 'storage_total', { update: true }),
    cpu_usage: col('integer', 'cpu_usage', { update: true }),
    cpu_temp: col('integer', 'cpu_temp', { update: true }),
    is_undervolted: col('boolean', 'is_undervolted', { nullable: false, update: true }),
    cpu_id: col('string', 'cpu_id', { update: true, maxLength: 255 }),
    download_progress: col('integer', 'download_progress', { update: true }),
    status: col('string', 'status', { update: true, maxLength: 255 }),
    os_version: col('string', 'os_version', { create: true, update: true, maxLength: 255 }),
    os_variant: col('string', 'os_variant', { create: true, update: true, maxLength: 16 }),
    supervisor_version: col('string', 'supervisor_version', { create: true, update: true, maxLength: 255 }),
    provisioning_progress: col('integer', 'provisioning_progress', { update: true }),
    provisioning_state: col('string', 'provisioning_state', { update: true, maxLength: 255 }),
    api_port: col('integer', 'api_port', { update: true }),
    update_status: col('string', 'update_status', { update: true, maxLength: 64 }),
    last_update_status_event: ts('last_update_status_event', true),
    overall_status: { type: 'string', computed: overallStatus, nullable: false },
    overall_progress: { type: 'integer', computed: overallProgress, nullable: true },
    is_web_accessible: { type: 'boolean', computed: () => '0', nullable: false },
    is_frozen: { type: 'boolean', computed: () => '0', nullable: false },
    is_active: { type: 'boolean', computed: () => '1', nullable: false },
    is_running__release: noRelease,
    should_be_running__release: noRelease,
    is_pinned_on__release: noRelease,
  },
  navigations: {
    belongs_to__application: { kind: 'one', target: 'application', localField: 'belongs_to__application' },
    is_of__device_type: { kind: 'one', target: 'device_type', localField: 'is_of__device_type' },
    device_environment_variable: {
      kind: 'many',
      target: 'device_environment_variable',
      remoteField: 'device',
    },
    device_config_variable: { kind: 'many', target: 'device_config_variable', remoteField: 'device' },
    device_tag: { kind: 'many', target: 'device_tag', remoteField: 'device' },
  },
  alternateKeys: ['id', 'uuid'],
  uniques: [['uuid']],
  access: {
    member: (a, form) => within(ref(a, 'belongs_to__application'), MY_APPS, form),
    device: { read: ownDevice, update: ownDevice },
    // A device reports its state on its own row; the rest is its owners' (COMPAT.md A7).
    deviceWritable: DEVICE_REPORTED_FIELDS,
    area: 'devices',
    inFleets: (a, _form, fleets) => sql`${ref(a, 'belongs_to__application')} IN ${fleets.list()}`,
    createParent: { field: 'belongs_to__application', resource: 'application', action: 'update' },
  },
  hooks: {
    async prepareInsert(trx, values, now): Promise<Values> {
      if (values.uuid !== undefined) validateUuid(values.uuid);
      return {
        uuid: values.uuid ?? newUuid(),
        device_name: values.device_name ?? friendlyName(),
        actor: await insertActor(trx, now),
      };
    },
    // A device created through /v7 is registered like one from POST /device/register.
    insertEvents: (trx, id, now) => deviceEvents(trx, [id], 'device.registered', now),
    async updateEvents({ trx, ids, values, now }) {
      const target = values.belongs_to__application;
      if (typeof target !== 'number') return null;
      // Read before the move; only devices that really change fleet get `device.moved`.
      const before = await deviceFleets(trx, ids);
      const moved = ids.filter((id) => {
        const was = before.get(id);
        return was !== undefined && was.fleet !== target;
      });
      return (t) =>
        deviceEvents(t, moved, 'device.moved', now, (d) => ({
          name: d.name,
          previousFleet: before.get(d.id)?.fleet ?? null,
          previousOrganization: before.get(d.id)?.organization ?? null,
        }));
    },
    deleteEvents: ({ trx, ids, now }) => deviceEvents(trx, ids, 'device.deleted', now),
    // Its device key goes with it (FK cascade from the actor).
    ownedActors: ({ trx, ids }) => deviceActors(trx, ids),
    async afterCommit({ action, values, services }) {
      // A device key's principal carries the device's fleet: a move must not leave it stale anywhere.
      if (action === 'delete' || (action === 'update' && values.belongs_to__application !== undefined))
        await services.invalidateCredentials();
    },
  },
};

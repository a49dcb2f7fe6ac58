/**
 * The v7 resource model (COMPAT.md A5–A8): which tables, fields and navigations `/v7` exposes.
 * The OData compiler takes identifiers only from here, never from the request.
 */
export type FieldType = 'id' | 'integer' | 'string' | 'boolean' | 'datetime' | 'fk' | 'json';

export interface FieldDef {
  readonly type: FieldType;
  /** Column name; absent for computed fields. */
  readonly column?: string;
  /** SQL for a computed field, given the row alias (quoted). Identifiers only, never input. */
  readonly computed?: (alias: string) => string;
  /** The resource a foreign key points to (only documentation for non-exposed targets). */
  readonly references?: string;
  readonly nullable: boolean;
  /** Writable on POST / PATCH through /v7 (subject to permissions). */
  readonly create?: boolean;
  readonly update?: boolean;
  readonly required?: boolean;
  readonly maxLength?: number;
}

export type NavigationDef =
  /** To-one through a foreign key on this row. */
  | { readonly kind: 'one'; readonly target: string; readonly localField: string }
  /** To-many through a foreign key on the target rows. */
  | { readonly kind: 'many'; readonly target: string; readonly remoteField: string }
  /**
   * balena's computed `is_directly_accessible_by__user`: pairs every row the caller can read with the
   * calling user (COMPAT.md A6). Target rows: the caller's own user row.
   */
  | { readonly kind: 'caller-user'; readonly target: 'user' };

export interface ResourceDef {
  readonly name: string;
  readonly table: string;
  readonly fields: Readonly<Record<string, FieldDef>>;
  readonly navigations: Readonly<Record<string, NavigationDef>>;
  /** Fields usable as `resource(field='…')`. */
  readonly alternateKeys: readonly string[];
  /** Unique constraints, for balena's 409 message `"a" and "b" must be unique.` */
  readonly uniques: readonly (readonly string[])[];
}

const id: FieldDef = { type: 'id', column: 'id', nullable: false };
const ts = (column: string, nullable = false): FieldDef => ({ type: 'datetime', column, nullable });
const col = (type: FieldType, column: string, extra: Partial<FieldDef> = {}): FieldDef => ({
  type,
  column,
  nullable: true,
  ...extra,
});
const fk = (column: string, references: string, extra: Partial<FieldDef> = {}): FieldDef => ({
  type: 'fk',
  column,
  references,
  nullable: false,
  ...extra,
});
const audited = { id, created_at: ts('created_at'), modified_at: ts('modified_at') };
/** A string the caller must give on POST and may change on PATCH (names, values, tag keys). */
const requiredText = (column: string, maxLength: number): FieldDef =>
  col('string', column, { nullable: false, create: true, update: true, required: true, maxLength });

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

const variableResource = (name: string, parent: 'application' | 'device'): ResourceDef => ({
  name,
  table: name,
  fields: {
    ...audited,
    [parent]: fk(parent, parent, { create: true, required: true }),
    name: requiredText('name', 255),
    value: requiredText('value', 1_000_000),
  },
  navigations: { [parent]: { kind: 'one', target: parent, localField: parent } },
  alternateKeys: ['id'],
  uniques: [[parent, 'name']],
});

export const RESOURCES: Readonly<Record<string, ResourceDef>> = {
  organization: {
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
  },
  organization_membership: {
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
  },
  user: {
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
  },
  application: {
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
      should_be_running__release: {
        type: 'fk',
        computed: () => 'NULL',
        nullable: true,
        references: 'release',
      },
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
  },
  cpu_architecture: {
    name: 'cpu_architecture',
    table: 'cpu_architecture',
    fields: { id, slug: col('string', 'slug', { nullable: false }) },
    navigations: {
      is_supported_by__device_type: {
        kind: 'many',
        target: 'device_type',
        remoteField: 'is_of__cpu_architecture',
      },
    },
    alternateKeys: ['id', 'slug'],
    uniques: [['slug']],
  },
  device_type: {
    name: 'device_type',
    table: 'device_type',
    fields: {
      id,
      slug: col('string', 'slug', { nullable: false }),
      name: col('string', 'name', { nullable: false }),
      is_of__cpu_architecture: fk('is_of__cpu_architecture', 'cpu_architecture'),
      logo: col('string', 'logo'),
      contract: col('json', 'contract'),
      belongs_to__device_family: {
        type: 'fk',
        computed: () => 'NULL',
        nullable: true,
        references: 'device_family',
      },
    },
    navigations: {
      is_of__cpu_architecture: {
        kind: 'one',
        target: 'cpu_architecture',
        localField: 'is_of__cpu_architecture',
      },
      device_type_alias: { kind: 'many', target: 'device_type_alias', remoteField: 'device_type' },
      describes__device: { kind: 'many', target: 'device', remoteField: 'is_of__device_type' },
    },
    alternateKeys: ['id', 'slug'],
    uniques: [['slug']],
  },
  device_type_alias: {
    name: 'device_type_alias',
    table: 'device_type_alias',
    fields: {
      id,
      device_type: fk('device_type', 'device_type'),
      is_referenced_by__alias: col('string', 'is_referenced_by__alias', { nullable: false }),
    },
    navigations: { device_type: { kind: 'one', target: 'device_type', localField: 'device_type' } },
    alternateKeys: ['id'],
    uniques: [['is_referenced_by__alias']],
  },
  device: {
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
      is_running__release: { type: 'fk', computed: () => 'NULL', nullable: true, references: 'release' },
      should_be_running__release: {
        type: 'fk',
        computed: () => 'NULL',
        nullable: true,
        references: 'release',
      },
      is_pinned_on__release: { type: 'fk', computed: () => 'NULL', nullable: true, references: 'release' },
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
  },
  application_environment_variable: variableResource('application_environment_variable', 'application'),
  application_config_variable: variableResource('application_config_variable', 'application'),
  device_environment_variable: variableResource('device_environment_variable', 'device'),
  device_config_variable: variableResource('device_config_variable', 'device'),
  device_tag: {
    name: 'device_tag',
    table: 'device_tag',
    fields: {
      ...audited,
      device: fk('device', 'device', { create: true, required: true }),
      tag_key: requiredText('tag_key', 255),
      value: requiredText('value', 1_000_000),
    },
    navigations: { device: { kind: 'one', target: 'device', localField: 'device' } },
    alternateKeys: ['id'],
    uniques: [['device', 'tag_key']],
  },
  api_key: {
    name: 'api_key',
    table: 'api_key',
    // Never `key_hash`, `signing_secret`: the secret is shown once at creation and not stored in clear.
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
  },
};

/** A Map, not an object lookup: request text such as `__proto__` can never reach a prototype. */
const BY_NAME: ReadonlyMap<string, ResourceDef> = new Map(Object.entries(RESOURCES));

export function resourceDef(name: string): ResourceDef | undefined {
  return BY_NAME.get(name);
}

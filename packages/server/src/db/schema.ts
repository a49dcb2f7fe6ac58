import type { Generated } from 'kysely';

/*
 * Row types, one per table. Conventions shared by both dialects (see docs/adr/0002-portable-schema.md):
 * ids are integers, timestamps are epoch milliseconds (bigint), booleans are 0/1 integers.
 */
type Id = Generated<number>;
type Millis = number;
type Flag = number;

export interface ActorTable {
  id: Id;
  created_at: Millis;
}

export interface UserTable {
  id: Id;
  actor: number;
  username: string;
  email: string | null;
  password_hash: string;
  is_admin: Generated<Flag>;
  created_at: Millis;
  modified_at: Millis;
}

export interface OrganizationTable {
  id: Id;
  name: string;
  handle: string;
  created_at: Millis;
  modified_at: Millis;
}

export interface OrganizationMembershipTable {
  id: Id;
  user: number;
  is_member_of__organization: number;
  role: 'administrator' | 'member';
  created_at: Millis;
}

export interface SessionTable {
  id: string;
  user: number;
  auth_time: Millis;
  created_at: Millis;
  expires_at: Millis;
  last_refreshed_at: Millis;
  revoked_at: Millis | null;
  user_agent: string | null;
  ip_address: string | null;
}

export interface AuditEventTable {
  id: Id;
  created_at: Millis;
  actor: number | null;
  user: number | null;
  type: string;
  ip_address: string | null;
  details: string | null;
}

export interface ApiKeyTable {
  id: Id;
  created_at: Millis;
  modified_at: Millis;
  is_of__actor: number;
  kind: 'user' | 'provisioning' | 'device';
  public_id: string;
  key_hash: string;
  display_prefix: string;
  name: string | null;
  description: string | null;
  expiry_date: Millis | null;
  scopes: string | null;
  fleet_ids: string | null;
  header_only: Generated<Flag>;
  requires_signature: Generated<Flag>;
  signing_alg: string | null;
  signing_secret: string | null;
  signing_public_key: string | null;
  last_used_at: Millis | null;
  rotated_to: number | null;
  created_by__actor: number | null;
  /** The expiry date an `api_key.expiring` / `api_key.expired` event was written for (migration 0009). */
  expiring_event_for: Generated<Millis | null>;
  expired_event_for: Generated<Millis | null>;
}

/** Requests per key per UTC day (migration 0011); `day` is `YYYY-MM-DD`. */
export interface ApiKeyUsageTable {
  api_key: number;
  day: string;
  requests: number;
}

export interface ApplicationTable {
  id: Id;
  created_at: Millis;
  modified_at: Millis;
  actor: number;
  organization: number;
  app_name: string;
  slug: string;
  uuid: string;
  is_for__device_type: number;
  is_of__class: Generated<'fleet' | 'block' | 'app'>;
  is_public: Generated<Flag>;
  is_host: Generated<Flag>;
  is_archived: Generated<Flag>;
  should_track_latest_release: Generated<Flag>;
  /** Bumped by triggers when the fleet's target state changes (migration 0004). */
  state_version: Generated<number>;
}

/** The device type catalogue (migrations 0002, 0003), seeded and read-only. */
export interface CpuArchitectureTable {
  id: Id;
  slug: string;
}

export interface DeviceTypeTable {
  id: Id;
  slug: string;
  name: string;
  is_of__cpu_architecture: number;
  logo: string | null;
  /** JSON text. */
  contract: string | null;
}

export interface DeviceTypeAliasTable {
  id: Id;
  device_type: number;
  is_referenced_by__alias: string;
}

/** A variable of a fleet (`application`) or a device: one shape, four tables (migration 0002). */
interface VariableColumns {
  id: Id;
  created_at: Millis;
  modified_at: Millis;
  name: string;
  value: string;
}
export interface FleetVariableTable extends VariableColumns {
  application: number;
}
export interface DeviceVariableTable extends VariableColumns {
  device: number;
}

export interface DeviceTagTable {
  id: Id;
  created_at: Millis;
  modified_at: Millis;
  device: number;
  tag_key: string;
  value: string;
}

/** One row (id 1): the generation bumped on every credential revocation (migration 0007). */
export interface CredentialInvalidationTable {
  id: Id;
  generation: number;
}

export interface DeviceTable {
  id: Id;
  actor: number;
  uuid: string;
  device_name: string;
  belongs_to__application: number;
  is_of__device_type: number;
  created_at: Millis;
  modified_at: Millis;
  note: string | null;
  local_id: string | null;
  is_locked_until__date: Millis | null;
  public_address: string | null;
  ip_address: string | null;
  mac_address: string | null;
  memory_usage: number | null;
  memory_total: number | null;
  storage_block_device: string | null;
  storage_usage: number | null;
  storage_total: number | null;
  cpu_usage: number | null;
  cpu_temp: number | null;
  is_undervolted: Generated<Flag>;
  cpu_id: string | null;
  download_progress: number | null;
  status: string | null;
  os_version: string | null;
  os_variant: string | null;
  supervisor_version: string | null;
  provisioning_progress: number | null;
  provisioning_state: string | null;
  api_port: number | null;
  update_status: string | null;
  last_update_status_event: Millis | null;
  api_heartbeat_state: Generated<'online' | 'offline' | 'timeout' | 'unknown'>;
  changed_api_heartbeat_state_on__date: Millis | null;
  last_connectivity_event: Millis | null;
  last_api_heartbeat_at: Millis | null;
  /** When the next heartbeat transition is due (migration 0004); null when none is. */
  heartbeat_due_at: Millis | null;
  /** Bumped by triggers when the device's target state changes (migration 0004). */
  state_version: Generated<number>;
  /** The last per-device event sequence number handed out (migration 0009). */
  event_seq: Generated<number>;
}

export interface DeviceStatusEventTable {
  id: Id;
  device: number;
  from_state: string;
  to_state: string;
  at: Millis;
}

/** The event log (migration 0009, docs/events.md); `id` is the global cursor. */
export interface EventLogTable {
  id: Id;
  type: string;
  at: Millis;
  created_at: Millis;
  organization: number | null;
  application: number | null;
  actor: number | null;
  device: number | null;
  device_uuid: string | null;
  device_seq: number | null;
  api_key: number | null;
  previous_status: string | null;
  status: string | null;
  data: string | null;
}

/** A webhook receiver of an organization (migration 0010, docs/events.md "Webhooks"). */
export interface WebhookEndpointTable {
  id: Id;
  public_id: string;
  organization: number;
  url: string;
  description: string | null;
  /** JSON array of event types; null = every type. */
  event_types: string | null;
  /** JSON array of fleet ids; null = every fleet of the organization. */
  fleet_ids: string | null;
  enabled: Generated<Flag>;
  disabled_reason: string | null;
  disabled_at: Millis | null;
  /** Sealed (signatures/secret-box.ts), like the Ed25519 `signing_key`. */
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Millis | null;
  signing_key: string;
  public_key: string;
  event_cursor: number;
  failing_since: Millis | null;
  created_by__actor: number | null;
  created_at: Millis;
  modified_at: Millis;
}

export interface WebhookDeliveryTable {
  id: Id;
  endpoint: number;
  event: number | null;
  message_id: string;
  type: string;
  organization: number | null;
  application: number | null;
  device: number | null;
  payload: string;
  status: 'pending' | 'delivered' | 'failed' | 'cancelled';
  attempts: Generated<number>;
  next_attempt_at: Millis;
  lease_owner: string | null;
  lease_until: Millis | null;
  last_status: number | null;
  last_error: string | null;
  created_at: Millis;
  completed_at: Millis | null;
}

export interface WebhookAttemptTable {
  id: Id;
  delivery: number;
  attempt: number;
  started_at: Millis;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
  response_body: string | null;
  succeeded: Flag;
}

export interface SignatureNonceTable {
  key_id: string;
  nonce: string;
  expires_at: Millis;
}

const VARIABLE = { id: true, created_at: true, modified_at: true, name: true, value: true } as const;
const FLEET_VARIABLE = { ...VARIABLE, application: true } as const;
const DEVICE_VARIABLE = { ...VARIABLE, device: true } as const;

/**
 * Change counters behind the ETags of `/v7` reads (migration 0012, docs/caching.md): one row per table
 * (per table and backend on PostgreSQL) moved by triggers, plus the epoch row.
 */
export interface TableVersionTable {
  name: string;
  backend: number;
  version: number;
}

/** Every table of the migrated schema (test/resources/registry.test.ts compares it with one). */
export interface DB {
  actor: ActorTable;
  api_key: ApiKeyTable;
  api_key_usage: ApiKeyUsageTable;
  application: ApplicationTable;
  application_config_variable: FleetVariableTable;
  application_environment_variable: FleetVariableTable;
  audit_event: AuditEventTable;
  cpu_architecture: CpuArchitectureTable;
  credential_invalidation: CredentialInvalidationTable;
  device: DeviceTable;
  device_config_variable: DeviceVariableTable;
  device_environment_variable: DeviceVariableTable;
  device_status_event: DeviceStatusEventTable;
  device_tag: DeviceTagTable;
  device_type: DeviceTypeTable;
  device_type_alias: DeviceTypeAliasTable;
  event_log: EventLogTable;
  organization: OrganizationTable;
  organization_membership: OrganizationMembershipTable;
  session: SessionTable;
  signature_nonce: SignatureNonceTable;
  table_version: TableVersionTable;
  user: UserTable;
  webhook_attempt: WebhookAttemptTable;
  webhook_delivery: WebhookDeliveryTable;
  webhook_endpoint: WebhookEndpointTable;
}

/**
 * The columns of each table, as a value the tests can compare with a migrated database. The type
 * makes it list exactly the columns of {@link DB}: a column added to one and not the other fails
 * `tsc` here or the registry test.
 */
export const TABLE_COLUMNS: { readonly [T in keyof DB]: { readonly [C in keyof DB[T]]-?: true } } = {
  actor: { id: true, created_at: true },
  api_key: {
    id: true,
    created_at: true,
    modified_at: true,
    is_of__actor: true,
    kind: true,
    public_id: true,
    key_hash: true,
    display_prefix: true,
    name: true,
    description: true,
    expiry_date: true,
    scopes: true,
    fleet_ids: true,
    header_only: true,
    requires_signature: true,
    signing_alg: true,
    signing_secret: true,
    signing_public_key: true,
    last_used_at: true,
    rotated_to: true,
    created_by__actor: true,
    expiring_event_for: true,
    expired_event_for: true,
  },
  api_key_usage: { api_key: true, day: true, requests: true },
  application: {
    id: true,
    created_at: true,
    modified_at: true,
    actor: true,
    organization: true,
    app_name: true,
    slug: true,
    uuid: true,
    is_for__device_type: true,
    is_of__class: true,
    is_public: true,
    is_host: true,
    is_archived: true,
    should_track_latest_release: true,
    state_version: true,
  },
  application_config_variable: FLEET_VARIABLE,
  application_environment_variable: FLEET_VARIABLE,
  audit_event: {
    id: true,
    created_at: true,
    actor: true,
    user: true,
    type: true,
    ip_address: true,
    details: true,
  },
  cpu_architecture: { id: true, slug: true },
  credential_invalidation: { id: true, generation: true },
  device: {
    id: true,
    created_at: true,
    modified_at: true,
    actor: true,
    uuid: true,
    device_name: true,
    note: true,
    local_id: true,
    is_of__device_type: true,
    belongs_to__application: true,
    api_heartbeat_state: true,
    changed_api_heartbeat_state_on__date: true,
    last_connectivity_event: true,
    last_api_heartbeat_at: true,
    is_locked_until__date: true,
    public_address: true,
    ip_address: true,
    mac_address: true,
    memory_usage: true,
    memory_total: true,
    storage_block_device: true,
    storage_usage: true,
    storage_total: true,
    cpu_usage: true,
    cpu_temp: true,
    is_undervolted: true,
    cpu_id: true,
    download_progress: true,
    status: true,
    os_version: true,
    os_variant: true,
    supervisor_version: true,
    provisioning_progress: true,
    provisioning_state: true,
    api_port: true,
    update_status: true,
    last_update_status_event: true,
    heartbeat_due_at: true,
    state_version: true,
    event_seq: true,
  },
  device_config_variable: DEVICE_VARIABLE,
  device_environment_variable: DEVICE_VARIABLE,
  device_status_event: { id: true, device: true, from_state: true, to_state: true, at: true },
  device_tag: { id: true, created_at: true, modified_at: true, device: true, tag_key: true, value: true },
  device_type: {
    id: true,
    slug: true,
    name: true,
    is_of__cpu_architecture: true,
    logo: true,
    contract: true,
  },
  device_type_alias: { id: true, device_type: true, is_referenced_by__alias: true },
  event_log: {
    id: true,
    type: true,
    at: true,
    created_at: true,
    organization: true,
    application: true,
    actor: true,
    device: true,
    device_uuid: true,
    device_seq: true,
    api_key: true,
    previous_status: true,
    status: true,
    data: true,
  },
  organization: { id: true, name: true, handle: true, created_at: true, modified_at: true },
  organization_membership: {
    id: true,
    user: true,
    is_member_of__organization: true,
    role: true,
    created_at: true,
  },
  session: {
    id: true,
    user: true,
    auth_time: true,
    created_at: true,
    expires_at: true,
    last_refreshed_at: true,
    revoked_at: true,
    user_agent: true,
    ip_address: true,
  },
  signature_nonce: { key_id: true, nonce: true, expires_at: true },
  table_version: { name: true, backend: true, version: true },
  user: {
    id: true,
    actor: true,
    username: true,
    email: true,
    password_hash: true,
    is_admin: true,
    created_at: true,
    modified_at: true,
  },
  webhook_attempt: {
    id: true,
    delivery: true,
    attempt: true,
    started_at: true,
    duration_ms: true,
    status_code: true,
    error: true,
    response_body: true,
    succeeded: true,
  },
  webhook_delivery: {
    id: true,
    endpoint: true,
    event: true,
    message_id: true,
    type: true,
    organization: true,
    application: true,
    device: true,
    payload: true,
    status: true,
    attempts: true,
    next_attempt_at: true,
    lease_owner: true,
    lease_until: true,
    last_status: true,
    last_error: true,
    created_at: true,
    completed_at: true,
  },
  webhook_endpoint: {
    id: true,
    public_id: true,
    organization: true,
    url: true,
    description: true,
    event_types: true,
    fleet_ids: true,
    enabled: true,
    disabled_reason: true,
    disabled_at: true,
    secret: true,
    previous_secret: true,
    previous_secret_expires_at: true,
    signing_key: true,
    public_key: true,
    event_cursor: true,
    failing_since: true,
    created_by__actor: true,
    created_at: true,
    modified_at: true,
  },
};

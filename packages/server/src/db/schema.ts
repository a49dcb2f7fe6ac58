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

export interface ApplicationTable {
  id: Id;
  actor: number;
  organization: number;
  app_name: string;
  slug: string;
  uuid: string;
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
  os_version: string | null;
  os_variant: string | null;
  supervisor_version: string | null;
  mac_address: string | null;
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

export interface DB {
  api_key: ApiKeyTable;
  application: ApplicationTable;
  device: DeviceTable;
  actor: ActorTable;
  user: UserTable;
  organization: OrganizationTable;
  organization_membership: OrganizationMembershipTable;
  session: SessionTable;
  audit_event: AuditEventTable;
  device_status_event: DeviceStatusEventTable;
  event_log: EventLogTable;
  signature_nonce: SignatureNonceTable;
  webhook_endpoint: WebhookEndpointTable;
  webhook_delivery: WebhookDeliveryTable;
  webhook_attempt: WebhookAttemptTable;
}

/** Public data types of the SDK: camelCase views over the server's answers. */

export type Actor =
  | { id: number; actorType: 'user'; actorTypeId: number; username: string; email: string | null }
  | { id: number; actorType: 'application'; actorTypeId: number; slug: string }
  | { id: number; actorType: 'device'; actorTypeId: number; uuid: string };

export interface Session {
  readonly id: string;
  readonly createdAt: string;
  readonly authenticatedAt: string;
  readonly expiresAt: string;
  readonly lastRefreshedAt: string;
  readonly userAgent: string | null;
  readonly ipAddress: string | null;
  /** The session this client is using. */
  readonly current: boolean;
}

export type ApiKeyKind = 'user' | 'provisioning' | 'device';
export type ApiKeyStatus = 'active' | 'expired' | 'expiring-soon';

export interface ApiKeyInfo {
  readonly id: number;
  readonly name: string | null;
  readonly description: string | null;
  /** The non-secret beginning of the key, to recognise it (`mk_u_0VJy…`). */
  readonly displayPrefix: string;
  readonly kind: ApiKeyKind;
  /** `null`: not limited by scope. */
  readonly scopes: string[] | null;
  /** Fleet ids the key is restricted to; `null`: every fleet of its owner. */
  readonly fleets: number[] | null;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  /** `null`: never expires. */
  readonly expiryDate: string | null;
  /** `expiring-soon`: expires within 7 days. */
  readonly status: ApiKeyStatus;
  readonly headerOnly: boolean;
  readonly requiresSignature: boolean;
  readonly signingAlg: string | null;
}

export interface CreatedKey {
  /** The secret: shown once, store it now. */
  readonly key: string;
  readonly id?: number;
  /** Base64 HMAC secret of a signing key (`signing: { alg: 'hmac-sha256' }`), shown once. */
  readonly signingSecret?: string;
  /** Public id to use as `keyid` when signing. */
  readonly keyId?: string;
  readonly signingAlg?: 'hmac-sha256' | 'ed25519';
  readonly requiresSignature?: boolean;
  /** When the rotated predecessor stops working (rotate only). */
  readonly previousExpiresAt?: string;
}

export interface CreateKeyInput {
  readonly name: string;
  readonly description?: string | null;
  /** ISO 8601 date, or `null` for a key that never expires (an explicit choice). */
  readonly expiryDate: string | null;
  /** `['read']`, or `'<fleets|devices|env|keys>:<read|write>'` entries. */
  readonly scopes?: string[] | null;
  /** Fleet ids or slugs the key is restricted to. */
  readonly fleets?: (number | string)[] | null;
  /** Refuse the key in `?apikey=`: headers only. */
  readonly headerOnly?: boolean;
  /** Make it a signing key (RFC 9421); for Ed25519 give the public key (base64url raw, 32 bytes). */
  readonly signing?:
    | { readonly alg: 'hmac-sha256' }
    | { readonly alg: 'ed25519'; readonly publicKey: string };
  /** With `signing`: refuse the key's bearer form, so only signed requests work. */
  readonly requiresSignature?: boolean;
}

export interface Fleet {
  readonly id: number;
  readonly name: string;
  readonly slug: string;
  readonly uuid: string;
  readonly organizationId: number;
  /** Device type slug. */
  readonly deviceType: string | null;
  readonly createdAt: string;
  readonly deviceCount: number;
  readonly onlineCount: number;
}

export type HeartbeatState = 'online' | 'offline' | 'timeout' | 'unknown';

export interface Device {
  readonly id: number;
  readonly uuid: string;
  readonly name: string;
  readonly fleetId: number;
  /** Device type slug. */
  readonly deviceType: string | null;
  /** The API heartbeat state. */
  readonly status: HeartbeatState;
  readonly isOnline: boolean;
  readonly overallStatus: string;
  readonly lastConnectivityEvent: string | null;
  /** "Last seen": the last heartbeat (poll by the device's own key), null before the first. */
  readonly lastHeartbeatAt: string | null;
  readonly createdAt: string;
  readonly osVersion: string | null;
  readonly supervisorVersion: string | null;
  readonly ipAddress: string | null;
  readonly note: string | null;
}

/** Heartbeat state changes of a device (GET /mooring/v1/devices/:uuid/status-history). */
export interface DeviceStatusHistory {
  readonly uuid: string;
  /** The state now. */
  readonly status: HeartbeatState;
  /** "Last seen": the last heartbeat, null before the first. */
  readonly lastHeartbeatAt: string | null;
  /** Newest first; `at` is when the change happened. */
  readonly events: readonly {
    readonly from: HeartbeatState;
    readonly to: HeartbeatState;
    readonly at: string;
  }[];
  /** How soon this device is reported if it goes silent, and which setting decides it. */
  readonly detection: DeviceDetection;
}

/** A device's detection latency (docs/events.md, "Detection latency"). */
export interface DeviceDetection {
  /** The poll interval in force (ms): the device polls at it, the heartbeat times out after 1.5 ×. */
  readonly pollIntervalMs: number;
  /** `device` or `fleet`: a `BALENA_SUPERVISOR_POLL_INTERVAL` config variable; else the server default. */
  readonly source: 'device' | 'fleet' | 'default';
  /** The configured value before the server's floor, when a variable sets one. */
  readonly configuredMs: number | null;
  /** The server's floor, and whether it raised the configured value. */
  readonly floorMs: number;
  readonly floorApplied: boolean;
  /** Worst case from the last poll to `timeout`, and to `offline`. */
  readonly timeoutAfterMs: number;
  readonly offlineAfterMs: number;
}

export interface EnvVar {
  readonly id: number;
  readonly name: string;
  readonly value: string;
}

/** Whose variables: a fleet (id or slug) or a device (id or uuid). */
export type EnvTarget = { readonly fleet: number | string } | { readonly device: number | string };

export interface AuditEvent {
  readonly id: number;
  readonly at: string;
  readonly type: string;
  readonly ipAddress: string | null;
  readonly details: unknown;
}

export interface User {
  readonly id: number;
  readonly actor: number;
  readonly username: string;
  readonly email: string | null;
  readonly isAdmin: boolean;
  readonly createdAt: string;
}

export interface Organization {
  readonly id: number;
  readonly name: string;
  readonly handle: string;
}

export type Role = 'administrator' | 'member';

/** Event types of the event log (docs/events.md). */
export type MooringEventType =
  | 'device.online'
  | 'device.timeout'
  | 'device.offline'
  | 'device.registered'
  | 'device.moved'
  | 'device.deleted'
  | 'api_key.expiring'
  | 'api_key.expired'
  | 'api_key.revoked';

/** One event of the log, as the feed and the stream deliver it. */
export interface MooringEvent {
  /** The global cursor: resume after it. */
  readonly id: number;
  readonly type: MooringEventType;
  /** When the change happened (ISO 8601). */
  readonly at: string;
  readonly organization: number | null;
  readonly fleet: number | null;
  readonly device: number | null;
  readonly deviceUuid: string | null;
  /** 1, 2, 3… per device, without gaps (device events). */
  readonly deviceSeq: number | null;
  readonly apiKey: number | null;
  readonly previousStatus: string | null;
  readonly status: string | null;
  readonly data: Readonly<Record<string, unknown>> | null;
}

/** Which events: types (or `device.*`), one fleet. */
export interface EventFilter {
  readonly types?: readonly string[];
  readonly fleet?: number;
}

export interface EventPage {
  readonly events: readonly MooringEvent[];
  /** Pass as `after` to continue. */
  readonly next: number;
}

/**
 * Public data types of the SDK. Answers the server sends as they are come from the wire contract
 * (`@mooring/protocol/contract`, the `Static` types of the schemas the server validates and documents
 * with), so they cannot drift from the server; the others are camelCase views over its answers.
 */
import type * as contract from '@mooring/protocol/contract';

/** The calling user, fleet (provisioning key) or device (`GET /actor/v1/whoami`). */
export type Actor = contract.Actor;

/** One of my sessions; `current` is the one this client is using. */
export type Session = contract.Session;

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

/** `keys.usage()`: requests per UTC day (`YYYY-MM-DD`, oldest first, today last) and the last use. */
export type KeyUsage = contract.KeyUsage;

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

export type HeartbeatState = contract.HeartbeatState;

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
  /** With `since`: the window start (ISO), echoed. */
  readonly since?: string;
  /**
   * With `since`: the state at the window start, to draw the window from start to now. `null` when
   * the window holds more changes than `limit` (only the newest are listed then).
   */
  readonly stateAtSince?: HeartbeatState | null;
}

/**
 * A device's detection latency (docs/events.md, "Detection latency"): the poll interval in force,
 * where it comes from, the server's floor, and the worst case to `timeout` and to `offline`.
 */
export type DeviceDetection = contract.DeviceDetection;

export interface EnvVar {
  readonly id: number;
  readonly name: string;
  readonly value: string;
}

/** Whose variables: a fleet (id or slug) or a device (id or uuid). */
export type EnvTarget = { readonly fleet: number | string } | { readonly device: number | string };

export type AuditEvent = contract.AuditEvent;

export type User = contract.User;

export type Organization = contract.Organization;

export type Role = contract.Role;

/** Event types of the event log (docs/events.md). */
export type MooringEventType = contract.EventType;

/** One event of the log, as the feed and the stream deliver it; `id` is the cursor to resume after. */
export type MooringEvent = contract.MooringEvent;

/** Which events: types (or `device.*`), one fleet. */
export interface EventFilter {
  readonly types?: readonly string[];
  readonly fleet?: number;
}

/** A page of the feed; pass `next` as `after` to continue. */
export type EventPage = contract.EventPage;

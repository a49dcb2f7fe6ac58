import type { Actor, ApiKeyInfo, Device, EnvVar, Fleet, User } from '@mooring/sdk';

/*
 * The `--json` output of every command, built field by field so that it stays the same when the SDK's
 * types grow. Documented in packages/cli/README.md; add fields, never rename or remove them.
 */

export interface ActorJson {
  readonly actorId: number;
  readonly type: 'user' | 'fleet' | 'device';
  readonly id: number;
  readonly username?: string;
  readonly email?: string | null;
  readonly slug?: string;
  readonly uuid?: string;
}

export function actorJson(actor: Actor): ActorJson {
  const base = { actorId: actor.id, id: actor.actorTypeId };
  switch (actor.actorType) {
    case 'user':
      return { ...base, type: 'user', username: actor.username, email: actor.email };
    case 'application':
      return { ...base, type: 'fleet', slug: actor.slug };
    case 'device':
      return { ...base, type: 'device', uuid: actor.uuid };
  }
}

export interface KeyJson {
  readonly id: number;
  readonly name: string | null;
  readonly description: string | null;
  readonly prefix: string;
  readonly kind: string;
  readonly scopes: string[] | null;
  readonly fleets: number[] | null;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly expiresAt: string | null;
  readonly status: string;
  readonly headerOnly: boolean;
  readonly requiresSignature: boolean;
}

export function keyJson(key: ApiKeyInfo): KeyJson {
  return {
    id: key.id,
    name: key.name,
    description: key.description,
    prefix: key.displayPrefix,
    kind: key.kind,
    scopes: key.scopes,
    fleets: key.fleets,
    createdAt: key.createdAt,
    lastUsedAt: key.lastUsedAt,
    expiresAt: key.expiryDate,
    status: key.status,
    headerOnly: key.headerOnly,
    requiresSignature: key.requiresSignature,
  };
}

export interface FleetJson {
  readonly id: number;
  readonly name: string;
  readonly slug: string;
  readonly uuid: string;
  readonly organizationId: number;
  readonly deviceType: string | null;
  readonly deviceCount: number;
  readonly onlineCount: number;
  readonly createdAt: string;
}

export function fleetJson(fleet: Fleet): FleetJson {
  return {
    id: fleet.id,
    name: fleet.name,
    slug: fleet.slug,
    uuid: fleet.uuid,
    organizationId: fleet.organizationId,
    deviceType: fleet.deviceType,
    deviceCount: fleet.deviceCount,
    onlineCount: fleet.onlineCount,
    createdAt: fleet.createdAt,
  };
}

export interface DeviceJson {
  readonly id: number;
  readonly uuid: string;
  readonly name: string;
  readonly fleetId: number;
  readonly deviceType: string | null;
  readonly status: string;
  readonly isOnline: boolean;
  readonly lastConnectivityEvent: string | null;
  readonly lastHeartbeatAt: string | null;
  readonly createdAt: string;
  readonly osVersion: string | null;
  readonly supervisorVersion: string | null;
  readonly ipAddress: string | null;
  readonly note: string | null;
}

export function deviceJson(device: Device): DeviceJson {
  return {
    id: device.id,
    uuid: device.uuid,
    name: device.name,
    fleetId: device.fleetId,
    deviceType: device.deviceType,
    status: device.status,
    isOnline: device.isOnline,
    lastConnectivityEvent: device.lastConnectivityEvent,
    lastHeartbeatAt: device.lastHeartbeatAt,
    createdAt: device.createdAt,
    osVersion: device.osVersion,
    supervisorVersion: device.supervisorVersion,
    ipAddress: device.ipAddress,
    note: device.note,
  };
}

export interface EnvJson {
  readonly id: number;
  readonly name: string;
  readonly value: string;
}

export function envJson(variable: EnvVar): EnvJson {
  return { id: variable.id, name: variable.name, value: variable.value };
}

export interface UserJson {
  readonly id: number;
  readonly username: string;
  readonly email: string | null;
  readonly isAdmin: boolean;
  readonly createdAt: string;
}

export function userJson(user: User): UserJson {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    isAdmin: user.isAdmin,
    createdAt: user.createdAt,
  };
}

import { randomBytes } from 'node:crypto';
import { displayPrefix, generateApiKey, parseApiKey } from '@mooring/protocol';
import { hashApiKey } from '../api-keys/key-hash.js';
import type { Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { inTransaction } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { mayRegisterDevice } from '../permissions/permissions.js';
import { friendlyName } from '../resources/fields.js';
import { findDeviceTypeByAlias, fleetExists, insertRegistration } from './registration.repository.js';

/** `POST /device/register` body (COMPAT.md A7); types are checked by the route schema. */
export interface RegisterInput {
  readonly user?: number | null;
  readonly application?: number;
  readonly device_type?: string;
  readonly uuid?: string;
  readonly api_key?: string;
  readonly device_name?: string;
  readonly supervisor_version?: string | null;
  readonly os_version?: string | null;
  readonly os_variant?: string | null;
  readonly mac_address?: string | null;
}

export interface Registered {
  readonly id: number;
  readonly uuid: string;
  readonly api_key: string;
}

const UUID = /^[a-f0-9]{32}([a-f0-9]{30})?$/;

/**
 * Registers a device with a provisioning key: the checks, then one transaction begun here in which
 * registration.repository.ts `insertRegistration` writes the device, its actor, its device key and
 * its event. Messages follow open-balena's wording where the SDK or the supervisor may show them.
 */
export async function registerDevice(
  ctx: AppContext,
  principal: Principal,
  input: RegisterInput,
): Promise<Registered> {
  const { application, device_type: deviceType, uuid } = input;
  if (application === undefined) throw new AppError('validation', 'Application ID must be specified');
  if (deviceType === undefined) throw new AppError('validation', 'Device type must be specified');
  if (uuid === undefined) throw new AppError('validation', 'UUID must be specified');
  if (!UUID.test(uuid)) {
    throw new AppError('validation', 'UUID must be 32 or 62 lowercase hexadecimal characters');
  }
  // Before any lookup: the answer for another fleet must not depend on whether it exists.
  if (!mayRegisterDevice(principal, application)) {
    throw new AppError('forbidden', 'A provisioning key registers devices only in its own fleet');
  }
  const deviceTypeId = await findDeviceTypeByAlias(ctx.db, deviceType);
  if (deviceTypeId === undefined) {
    throw new AppError('not_found', `Unknown device type "${deviceType.slice(0, 64)}"`);
  }
  if (!(await fleetExists(ctx.db, application))) throw new AppError('not_found', 'No such fleet');
  const key = deviceKey(input.api_key);
  const registered = await inTransaction(ctx.db, (trx) =>
    insertRegistration(trx, {
      uuid,
      deviceName: input.device_name ?? friendlyName(),
      fleetId: application,
      deviceTypeId,
      osVersion: input.os_version ?? null,
      osVariant: input.os_variant ?? null,
      supervisorVersion: input.supervisor_version ?? null,
      macAddress: input.mac_address ?? null,
      key: {
        publicId: key.publicId,
        keyHash: hashApiKey(ctx.keys.apiKeyPepper, key.key),
        displayPrefix: key.displayPrefix,
      },
      createdByActor: principal.actorId,
      now: ctx.clock.now(),
    }),
  );
  ctx.eventsWritten();
  return { id: registered.id, uuid, api_key: key.key };
}

interface DeviceKey {
  readonly key: string;
  readonly publicId: string;
  readonly displayPrefix: string;
}

/**
 * A fresh Mooring device key, or the key the device chose (balena devices may bring their own). A
 * chosen key is only stored hashed like any other; it is looked up by hash, so its public id is a
 * random placeholder, and nothing of the secret is kept as a display prefix.
 */
function deviceKey(chosen: string | undefined): DeviceKey {
  if (chosen === undefined) {
    const generated = generateApiKey('device');
    return {
      key: generated.key,
      publicId: generated.publicId,
      displayPrefix: displayPrefix(generated.key) ?? generated.publicId,
    };
  }
  if (chosen.startsWith('mk_')) {
    const parsed = parseApiKey(chosen);
    if (parsed?.kind !== 'device') {
      throw new AppError('validation', 'api_key looks like a Mooring key but is not a valid device key');
    }
    return {
      key: chosen,
      publicId: parsed.publicId,
      displayPrefix: displayPrefix(chosen) ?? parsed.publicId,
    };
  }
  // The authenticator refuses anything shorter or longer, or with a dot (it would look like a JWT).
  if (chosen.length < 16 || chosen.length > 512 || !/^[\x21-\x7e]+$/.test(chosen) || chosen.includes('.')) {
    throw new AppError('validation', 'api_key must be 16–512 printable characters without dots or spaces');
  }
  if (/^-?\d+\.?\d*$/.test(chosen)) throw new AppError('validation', 'api_key must not be all digits');
  return {
    key: chosen,
    publicId: `chosen_${randomBytes(12).toString('hex')}`,
    displayPrefix: '(device-chosen)',
  };
}

import { type MooringClient, odataString } from '@mooring/sdk';
import { CliError } from '../cli-error.js';
import { EXIT } from '../exit-codes.js';
import { type DeviceRef, parseDeviceRef } from '../parse.js';

/** What the SDK takes: a numeric id or a full UUID. Short UUIDs are resolved here, and must be unique. */
export async function resolveDevice(client: MooringClient, raw: string): Promise<number | string> {
  const ref: DeviceRef = parseDeviceRef(raw);
  if ('id' in ref) return ref.id;
  if ('uuid' in ref) return ref.uuid;
  const prefix = 'uuidPrefix' in ref ? ref.uuidPrefix : ref.idOrUuidPrefix.prefix;
  const byPrefix = `startswith(uuid,${odataString(prefix)})`;
  const matches = await client.odata.get<{ uuid: string }>('device', {
    $select: 'uuid',
    $filter: 'idOrUuidPrefix' in ref ? `id eq ${ref.idOrUuidPrefix.id} or ${byPrefix}` : byPrefix,
    $top: 2,
  });
  const [first, second] = matches;
  if (first === undefined)
    throw new CliError(EXIT.notFound, `no device with the id or a UUID starting with ${prefix}`);
  if (second !== undefined) {
    throw new CliError(
      EXIT.conflict,
      `several devices match ${prefix} (by id or UUID prefix): give more UUID digits`,
    );
  }
  return first.uuid;
}

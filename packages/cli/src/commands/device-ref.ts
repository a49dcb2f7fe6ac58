import { type MooringClient, odataString } from '@mooring/sdk';
import { CliError } from '../cli-error.js';
import { EXIT } from '../exit-codes.js';
import { type DeviceRef, parseDeviceRef } from '../parse.js';

/** What the SDK takes: a numeric id or a full UUID. Short UUIDs are resolved here, and must be unique. */
export async function resolveDevice(client: MooringClient, raw: string): Promise<number | string> {
  const ref: DeviceRef = parseDeviceRef(raw);
  if ('id' in ref) return ref.id;
  if ('uuid' in ref) return ref.uuid;
  const matches = await client.odata.get<{ uuid: string }>('device', {
    $select: 'uuid',
    $filter: `startswith(uuid,${odataString(ref.uuidPrefix)})`,
    $top: 2,
  });
  const [first, second] = matches;
  if (first === undefined)
    throw new CliError(EXIT.notFound, `no device with a UUID starting with ${ref.uuidPrefix}`);
  if (second !== undefined) {
    throw new CliError(
      EXIT.conflict,
      `several devices have a UUID starting with ${ref.uuidPrefix}: give more digits`,
    );
  }
  return first.uuid;
}

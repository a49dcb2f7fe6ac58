import { randomBytes } from 'node:crypto';
import { MooringClient } from '@mooring/sdk';
import { ADMIN_PASSWORD, type ListeningServer } from './server.js';

export interface RegisteredDevice {
  readonly uuid: string;
  readonly key: string;
}

/** The fleet's provisioning key, made with the SDK (the CLI has no command for it). */
export async function provisioningKeyFor(server: ListeningServer, fleetId: number): Promise<string> {
  const sdk = new MooringClient({ apiUrl: server.url });
  await sdk.auth.login('admin', ADMIN_PASSWORD);
  return sdk.fleets.createProvisioningKey(fleetId, { expiryDate: null });
}

/** A device as a supervisor creates it: `POST /device/register` with the fleet's provisioning key. */
export async function registerDevice(
  server: ListeningServer,
  provisioningKey: string,
  fleetId: number,
  uuid: string = randomBytes(16).toString('hex'),
): Promise<RegisteredDevice> {
  const res = await fetch(`${server.url}/device/register`, {
    method: 'POST',
    headers: { authorization: `Bearer ${provisioningKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ application: fleetId, device_type: 'raspberrypi3', uuid }),
  });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
  return { uuid, key: ((await res.json()) as { api_key: string }).api_key };
}

/**
 * The device polls its state endpoint with its own key (that poll is its heartbeat); then the
 * server's heartbeat flusher runs now rather than at its next interval.
 */
export async function heartbeat(server: ListeningServer, device: RegisteredDevice): Promise<void> {
  const res = await fetch(`${server.url}/device/v3/${device.uuid}/state`, {
    headers: { authorization: `Bearer ${device.key}` },
  });
  if (res.status !== 200) throw new Error(`state poll: ${res.status} ${await res.text()}`);
  await server.app.devices.heartbeats.flush();
}

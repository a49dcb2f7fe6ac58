import { MooringClient } from '@mooring/sdk';

const client = new MooringClient({ apiUrl: process.env.MOORING_URL, apiKey: process.env.MOORING_API_KEY });
for (const device of await client.devices.list({ fleet: 'admin/thermostats' })) {
  console.log(device.uuid, device.status, 'last heartbeat', device.lastHeartbeatAt ?? 'never');
}

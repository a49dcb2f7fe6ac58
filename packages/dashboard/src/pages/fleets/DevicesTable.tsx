import type { Device } from '@mooring/sdk';
import { type ReactElement, useState } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { useClient } from '../../lib/client.tsx';
import { formatDateTime, formatRelative } from '../../lib/format.ts';
import { Link } from '../../lib/router.tsx';
import { useAsync } from '../../lib/use-async.ts';

/** Live status: devices poll every few seconds, so the table does too (DESIGN.md §8). */
export const DEVICE_POLL_MS = 2_500;

/**
 * "Last seen" is the device's last heartbeat (its last poll, as the server wrote it), not its last
 * status change: a device silent since 15:03 shows 15:03, not the 15:18 at which it timed out.
 */
export function lastSeen(device: Device, now: number = Date.now()): string {
  return formatRelative(device.lastHeartbeatAt, now);
}

type StatusFilter = '' | 'online' | 'timeout' | 'offline' | 'unknown';

interface DevicesTableProps {
  /** One fleet's devices; without it, every device the user can see, with a fleet column. */
  readonly fleetId?: number;
  readonly fleetNames?: ReadonlyMap<number, string>;
}

export function DevicesTable({ fleetId, fleetNames }: DevicesTableProps): ReactElement {
  const client = useClient();
  const [status, setStatus] = useState<StatusFilter>('');
  const devices = useAsync(
    () =>
      client.devices.list({
        ...(fleetId === undefined ? {} : { fleet: fleetId }),
        ...(status ? { status } : {}),
      }),
    [client, fleetId, status],
    DEVICE_POLL_MS,
  );
  const now = Date.now();

  return (
    <section aria-labelledby="devices-title">
      <div className="section-heading">
        <h2 id="devices-title">Devices</h2>
        <div className="field inline">
          <label htmlFor="status-filter">Status</label>
          <select
            id="status-filter"
            value={status}
            onChange={(e) => setStatus(e.target.value as StatusFilter)}
          >
            <option value="">All</option>
            <option value="online">Online</option>
            <option value="timeout">Timed out</option>
            <option value="offline">Offline</option>
            <option value="unknown">Never seen</option>
          </select>
        </div>
      </div>
      <ErrorNotice error={devices.error} />
      {devices.data?.length === 0 && (
        <p className="empty">
          {status ? 'No device has this status.' : 'No devices yet: register one with a provisioning key.'}
        </p>
      )}
      {devices.data && devices.data.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Devices of this fleet, updated every few seconds</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                {fleetId === undefined && <th scope="col">Fleet</th>}
                <th scope="col">Status</th>
                <th scope="col">Last seen</th>
                <th scope="col">Device type</th>
                <th scope="col">OS version</th>
              </tr>
            </thead>
            <tbody>
              {devices.data.map((device: Device) => (
                <tr key={device.uuid} data-device={device.uuid}>
                  <td>
                    <Link to={`/devices/${device.uuid}`}>{device.name}</Link>
                    <div className="mono small muted">{device.uuid.slice(0, 7)}</div>
                  </td>
                  {fleetId === undefined && (
                    <td>
                      <Link to={`/fleets/${device.fleetId}`}>
                        {fleetNames?.get(device.fleetId) ?? device.fleetId}
                      </Link>
                    </td>
                  )}
                  <td>
                    <StatusBadge status={device.status} />
                  </td>
                  <td title={formatDateTime(device.lastHeartbeatAt)}>{lastSeen(device, now)}</td>
                  <td>{device.deviceType ?? '—'}</td>
                  <td>{device.osVersion ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

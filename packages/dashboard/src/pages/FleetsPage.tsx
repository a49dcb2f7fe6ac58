import { type ReactElement, useState } from 'react';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { useClient } from '../lib/client.tsx';
import { Link, navigate } from '../lib/router.tsx';
import { useThrottled } from '../lib/throttle.ts';
import { useAsync } from '../lib/use-async.ts';
import { useDeviceEvents } from '../lib/use-device-events.ts';
import { CreateFleetDialog } from './fleets/CreateFleetDialog.tsx';

// Counts are re-read on device events; this slow poll only catches up after a missed one.
const POLL_MS = 30_000;

export function FleetsPage(): ReactElement {
  const client = useClient();
  const fleets = useAsync(() => client.fleets.list(), [client], POLL_MS);
  // Device counts follow the event stream, re-read at most every 5 s during a burst.
  const reload = useThrottled(() => void fleets.reload(), 5_000);
  useDeviceEvents(undefined, reload, reload);
  const [creating, setCreating] = useState(false);

  return (
    <>
      <PageHeading
        actions={
          <button type="button" onClick={() => setCreating(true)}>
            Create fleet
          </button>
        }
      >
        Fleets
      </PageHeading>
      <ErrorNotice error={fleets.error} onRetry={() => void fleets.reload()} />
      {fleets.data?.length === 0 && (
        <div className="empty">
          <p>No fleets yet. A fleet groups devices; create one, then register devices into it.</p>
          <button type="button" onClick={() => setCreating(true)}>
            Create your first fleet
          </button>
        </div>
      )}
      {fleets.data && fleets.data.length > 0 && (
        <div className="table-wrap">
          <table className="cards">
            <caption className="visually-hidden">Fleets</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Device type</th>
                <th scope="col" className="num">
                  Devices
                </th>
                <th scope="col" className="num">
                  Online
                </th>
              </tr>
            </thead>
            <tbody>
              {fleets.data.map((fleet) => (
                <tr key={fleet.id} data-fleet={fleet.name}>
                  <td data-label="Name">
                    <Link to={`/fleets/${fleet.id}`}>{fleet.name}</Link>
                  </td>
                  <td data-label="Device type">{fleet.deviceType ?? '—'}</td>
                  <td data-label="Devices" className="num">
                    {fleet.deviceCount}
                  </td>
                  <td data-label="Online" className="num">
                    {fleet.onlineCount}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {creating && (
        <CreateFleetDialog
          onClose={() => setCreating(false)}
          onCreated={(id) => {
            setCreating(false);
            navigate(`/fleets/${id}`);
          }}
        />
      )}
    </>
  );
}

import type { ReactElement } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { useClient } from '../../lib/client.tsx';
import { formatDateTime } from '../../lib/format.ts';
import { useAsync } from '../../lib/use-async.ts';
import { DEVICE_POLL_MS } from '../fleets/DevicesTable.tsx';

export function StatusHistory({ uuid }: { uuid: string }): ReactElement {
  const client = useClient();
  const history = useAsync(
    () => client.devices.statusHistory(uuid, { limit: 20 }),
    [client, uuid],
    DEVICE_POLL_MS * 2,
  );
  const events = history.data?.events ?? [];
  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">Status history</h2>
      <ErrorNotice error={history.error} />
      {history.data && events.length === 0 && <p className="muted">No status change recorded yet.</p>}
      {events.length > 0 && (
        <ol className="timeline">
          {events.map((event) => (
            <li key={`${event.at}-${event.to}`}>
              <time dateTime={event.at}>{formatDateTime(event.at)}</time>: <StatusBadge status={event.from} />{' '}
              <span aria-hidden="true">→</span>
              <span className="visually-hidden">became</span> <StatusBadge status={event.to} />
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

import type { ReactElement } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { useClient } from '../../lib/client.tsx';
import { formatDateTime } from '../../lib/format.ts';
import { useAsync } from '../../lib/use-async.ts';
import { DEVICE_POLL_MS } from '../fleets/DevicesTable.tsx';

interface StatusChange {
  readonly state: string;
  readonly at: string;
}

export function StatusHistory({ uuid }: { uuid: string }): ReactElement {
  const client = useClient();
  const history = useAsync(
    // GET /mooring/v1/devices/:uuid/status-history, through the SDK's authenticated request.
    () =>
      client
        .request<{ history: StatusChange[] }>(
          'GET',
          `/mooring/v1/devices/${encodeURIComponent(uuid)}/status-history`,
        )
        .then((answer) => answer.history),
    [client, uuid],
    DEVICE_POLL_MS * 2,
  );
  const rows: readonly StatusChange[] = history.data ?? [];
  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">Status history</h2>
      <ErrorNotice error={history.error} />
      {history.data && rows.length === 0 && <p className="muted">No status change recorded yet.</p>}
      {rows.length > 0 && (
        <ol className="timeline">
          {rows.slice(0, 20).map((row) => (
            <li key={`${row.at}-${row.state}`}>
              <StatusBadge status={row.state} /> <time dateTime={row.at}>{formatDateTime(row.at)}</time>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

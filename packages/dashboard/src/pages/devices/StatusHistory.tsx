import type { ReactElement } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { useClient } from '../../lib/client.tsx';
import { formatDateTimeSeconds, formatDuration } from '../../lib/format.ts';
import { useAsync } from '../../lib/use-async.ts';

/**
 * The device's status changes, newest first, each with how long the state lasted (the newest: until
 * now). Read again when `version` changes, i.e. when the event stream reports a change of this device.
 */
export function StatusHistory({
  uuid,
  version,
  now,
}: {
  uuid: string;
  version: number;
  now: number;
}): ReactElement {
  const client = useClient();
  const history = useAsync(() => client.devices.statusHistory(uuid, { limit: 20 }), [client, uuid, version]);
  const events = history.data?.events ?? [];
  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">Status history</h2>
      <ErrorNotice error={history.error} />
      {history.data && events.length === 0 && <p className="muted">No status change recorded yet.</p>}
      {events.length > 0 && (
        <ol className="timeline">
          {events.map((event, index) => {
            const until = index === 0 ? now : new Date(events[index - 1]?.at ?? now).getTime();
            const lasted = formatDuration(until - new Date(event.at).getTime());
            return (
              <li key={`${event.at}-${event.to}`} data-to={event.to}>
                <time dateTime={event.at}>{formatDateTimeSeconds(event.at)}</time>:{' '}
                <StatusBadge status={event.from} /> <span aria-hidden="true">→</span>
                <span className="visually-hidden">became</span> <StatusBadge status={event.to} />{' '}
                <span className="muted small duration">
                  {index === 0 ? `for ${lasted} so far` : `for ${lasted}`}
                </span>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}

import type { ReactElement } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { useClient } from '../../lib/client.tsx';
import { formatDateTimeSeconds, formatDuration } from '../../lib/format.ts';
import { onlinePercent, timeIn, type UptimeState, uptimeSegments } from '../../lib/uptime.ts';
import { useAsync } from '../../lib/use-async.ts';

const DAY = 86_400_000;
const WIDTH = 1000;
const HEIGHT = 20;
/** The most changes drawn; a device flapping more often than this in a day shows the rest as unlisted. */
const LIMIT = 1000;
const LABEL: Record<UptimeState, string> = {
  online: 'online',
  timeout: 'timed out',
  offline: 'offline',
  unknown: 'never seen',
  unlisted: 'not listed',
};

/**
 * The last 24 hours of a device as one strip, a colour per heartbeat state. Read again when
 * `version` changes (a status change of this device on the event stream); `now` moves the window.
 */
export function UptimeStrip({
  uuid,
  version,
  now,
}: {
  uuid: string;
  version: number;
  now: number;
}): ReactElement {
  const client = useClient();
  // The window start is fixed per load, so the strip does not refetch on every tick.
  const history = useAsync(
    async () => {
      const since = Date.now() - DAY;
      return {
        since,
        answer: await client.devices.statusHistory(uuid, { since: new Date(since), limit: LIMIT }),
      };
    },
    [client, uuid, version],
    5 * 60_000,
  );
  const data = history.data;
  const since = now - DAY;
  const segments = data ? uptimeSegments(data.answer, since, now) : [];
  const percent = onlinePercent(segments);
  const spent = timeIn(segments);
  const scale = WIDTH / DAY;
  const summary =
    percent === null
      ? 'Not seen in the last 24 hours.'
      : `Online ${percent}% of the ${spent.unknown + spent.unlisted > 0 ? 'time seen in the ' : ''}last 24 hours` +
        (spent.offline > 0 ? `, offline ${formatDuration(spent.offline)}` : '') +
        (spent.timeout > 0 ? `, timed out ${formatDuration(spent.timeout)}` : '') +
        '.';

  return (
    <section aria-labelledby="uptime-title">
      <h2 id="uptime-title">Last 24 hours</h2>
      <ErrorNotice error={history.error} />
      {data && (
        <figure className="uptime">
          <svg
            viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
            preserveAspectRatio="none"
            role="img"
            aria-label={summary}
            data-uptime=""
          >
            {segments.map((s) => (
              <rect
                key={s.start}
                x={(s.start - since) * scale}
                y={0}
                width={Math.max((s.end - s.start) * scale, 0.5)}
                height={HEIGHT}
                className={`uptime-${s.state}`}
                data-state={s.state}
              >
                <title>{`${LABEL[s.state]} from ${formatDateTimeSeconds(new Date(s.start).toISOString())} for ${formatDuration(s.end - s.start)}`}</title>
              </rect>
            ))}
          </svg>
          <figcaption>
            <span className="uptime-range muted small">
              <span>24 h ago</span>
              <span>now</span>
            </span>
            <span data-uptime-summary="">{summary}</span>
          </figcaption>
        </figure>
      )}
    </section>
  );
}

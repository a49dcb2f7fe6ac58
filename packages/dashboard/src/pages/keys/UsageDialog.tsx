import type { ApiKeyInfo } from '@mooring/sdk';
import { type ReactElement, useState } from 'react';
import { Dialog } from '../../components/Dialog.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { useClient } from '../../lib/client.tsx';
import { formatDateTime, formatRelative } from '../../lib/format.ts';
import { usageBars } from '../../lib/usage.ts';
import { useAsync } from '../../lib/use-async.ts';

const WINDOWS = [7, 30, 90] as const;
const WIDTH = 600;
const HEIGHT = 120;

/** Requests per UTC day and the last use of one key (`GET /mooring/v1/keys/:id/usage`). */
export function UsageDialog({
  apiKey,
  onClose,
}: {
  apiKey: Pick<ApiKeyInfo, 'id' | 'name' | 'displayPrefix'>;
  onClose: () => void;
}): ReactElement {
  const client = useClient();
  const [days, setDays] = useState<number>(30);
  const usage = useAsync(() => client.keys.usage(apiKey.id, { days }), [client, apiKey.id, days]);
  const data = usage.data;
  const bars = data ? usageBars(data.days, WIDTH, HEIGHT) : [];
  const busiest = data ? Math.max(0, ...data.days.map((d) => d.requests)) : 0;
  const used = data ? data.days.filter((d) => d.requests > 0).reverse() : [];
  const name = apiKey.name ?? apiKey.displayPrefix;

  return (
    <Dialog title={`Usage of ${name}`} onClose={onClose} wide>
      <fieldset className="segmented">
        <legend className="visually-hidden">Period</legend>
        {WINDOWS.map((n) => (
          <label key={n}>
            <input type="radio" name="usage-days" checked={days === n} onChange={() => setDays(n)} />
            {`${n} days`}
          </label>
        ))}
      </fieldset>
      <ErrorNotice error={usage.error} onRetry={() => void usage.reload()} />
      {data && (
        <>
          <p data-usage-summary="">
            <strong>{data.total.toLocaleString()}</strong> {data.total === 1 ? 'request' : 'requests'} in the
            last {data.days.length} days (UTC). Last used{' '}
            <span title={formatDateTime(data.lastUsedAt)}>{formatRelative(data.lastUsedAt)}</span>.
          </p>
          <figure className="usage-chart">
            <svg
              viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
              preserveAspectRatio="none"
              role="img"
              aria-label={`Requests per day, busiest day ${busiest.toLocaleString()}`}
            >
              <line x1={0} y1={HEIGHT - 0.5} x2={WIDTH} y2={HEIGHT - 0.5} className="usage-axis" />
              {bars.map((bar) => (
                <rect
                  key={bar.day}
                  x={bar.x}
                  y={bar.y}
                  width={bar.width}
                  height={bar.height}
                  className="usage-bar"
                  data-day={bar.day}
                  data-requests={bar.requests}
                >
                  <title>{`${bar.day}: ${bar.requests.toLocaleString()}`}</title>
                </rect>
              ))}
            </svg>
            <figcaption className="muted small usage-range">
              <span>{data.days[0]?.day}</span>
              <span>{data.days.at(-1)?.day}</span>
            </figcaption>
          </figure>
          {used.length === 0 ? (
            <p className="muted">Not used in this period.</p>
          ) : (
            <div className="table-wrap usage-days">
              <table>
                <caption className="visually-hidden">Days with requests, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Day (UTC)</th>
                    <th scope="col" className="num">
                      Requests
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {used.map((d) => (
                    <tr key={d.day}>
                      <td>{d.day}</td>
                      <td className="num">{d.requests.toLocaleString()}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <p className="muted small">Counts reach the server every few seconds and are kept for 90 days.</p>
        </>
      )}
      <div className="dialog-actions">
        <button type="button" className="secondary" onClick={onClose} data-autofocus="">
          Close
        </button>
      </div>
    </Dialog>
  );
}

import type { WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint } from '@mooring/sdk';
import { type ReactElement, useState } from 'react';
import { Dialog } from '../../components/Dialog.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { useClient } from '../../lib/client.tsx';
import { formatDateTimeSeconds, formatDuration, formatRelative } from '../../lib/format.ts';
import { useAsync } from '../../lib/use-async.ts';

const PAGE_SIZE = 20;
/** The newest page is re-read this often while open, so pending deliveries settle on screen. */
const POLL_MS = 3_000;

const FILTERS: readonly [WebhookDeliveryStatus | 'all', string][] = [
  ['all', 'All'],
  ['failed', 'Failed'],
  ['pending', 'Pending'],
  ['delivered', 'Delivered'],
];

/** `pending` after a failed attempt is waiting for its retry: said so, not "pending". */
export function deliveryState(d: Pick<WebhookDelivery, 'status' | 'attempts'>): string {
  return d.status === 'pending' && d.attempts > 0 ? 'retrying' : d.status;
}

/** The last answer in words: the HTTP status, or why there was none. */
export function lastAnswer(d: Pick<WebhookDelivery, 'lastStatus' | 'lastError'>): string {
  if (d.lastStatus !== null) return `HTTP ${d.lastStatus}`;
  return d.lastError ?? '—';
}

/** When a pending delivery is tried next, or how long a finished one took from being queued. */
function progress(d: WebhookDelivery): string {
  if (d.status === 'pending') {
    const when = formatRelative(d.nextAttemptAt, Date.now(), 'soon');
    return d.attempts > 0 ? `next attempt ${when}` : `sending ${when}`;
  }
  const took = d.completedAt === null ? null : Date.parse(d.completedAt) - Date.parse(d.createdAt);
  return took === null ? '' : `${d.status} after ${formatDuration(took)}`;
}

/**
 * An endpoint's delivery log, newest first, a page at a time (the API's `before` cursor), with each
 * attempt, a test event, and redelivery of what failed for good (same `webhook-id`).
 */
export function DeliveriesDialog({
  endpoint,
  onClose,
}: {
  endpoint: WebhookEndpoint;
  onClose: () => void;
}): ReactElement {
  const client = useClient();
  const [status, setStatus] = useState<WebhookDeliveryStatus | 'all'>('all');
  // The `before` cursor of each page shown so far; the last one is the current page.
  const [cursors, setCursors] = useState<readonly (number | undefined)[]>([undefined]);
  const before = cursors[cursors.length - 1];
  const log = useAsync(
    () =>
      client.webhooks.deliveries(endpoint.id, {
        limit: PAGE_SIZE,
        ...(before === undefined ? {} : { before }),
        ...(status === 'all' ? {} : { status }),
      }),
    [client, endpoint.id, status, before],
    before === undefined ? POLL_MS : undefined,
  );
  const [actionError, setActionError] = useState<unknown>(undefined);
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState<number | 'test' | null>(null);

  const filter = (next: WebhookDeliveryStatus | 'all'): void => {
    setStatus(next);
    setCursors([undefined]);
  };

  const redeliver = async (delivery: WebhookDelivery): Promise<void> => {
    if (delivery.eventId === null) return;
    setBusy(delivery.id);
    setActionError(undefined);
    setMessage('');
    try {
      await client.webhooks.redeliver(endpoint.id, { eventId: delivery.eventId });
      setMessage(`${delivery.type} queued again, with the same webhook-id ${delivery.webhookId}.`);
      filter('all');
      await log.reload();
    } catch (err) {
      setActionError(err);
    } finally {
      setBusy(null);
    }
  };

  const sendTest = async (): Promise<void> => {
    setBusy('test');
    setActionError(undefined);
    setMessage('');
    try {
      const sent = await client.webhooks.sendTest(endpoint.id);
      setMessage(`Test event sent as ${sent.webhookId}. It is attempted once.`);
      filter('all');
      await log.reload();
    } catch (err) {
      setActionError(err);
    } finally {
      setBusy(null);
    }
  };

  const page = log.data;
  return (
    <Dialog title="Deliveries" onClose={onClose} wide>
      <p className="mono webhook-url">{endpoint.url}</p>
      <div className="toolbar">
        <fieldset className="segmented grow">
          <legend className="visually-hidden">Show</legend>
          {FILTERS.map(([value, label]) => (
            <label key={value}>
              <input
                type="radio"
                name="delivery-status"
                checked={status === value}
                onChange={() => filter(value)}
              />
              {label}
            </label>
          ))}
        </fieldset>
        <button
          type="button"
          className="secondary"
          onClick={() => void sendTest()}
          disabled={busy !== null || !endpoint.enabled}
          title={endpoint.enabled ? undefined : 'Enable the endpoint first'}
        >
          {busy === 'test' ? 'Sending…' : 'Send test event'}
        </button>
      </div>
      <ErrorNotice error={log.error} onRetry={() => void log.reload()} />
      <ErrorNotice error={actionError} />
      <p className="status-text" aria-live="polite" data-delivery-message="">
        {message}
      </p>
      {page && page.deliveries.length === 0 && (
        <p className="empty">
          {status === 'all'
            ? 'Nothing sent yet. Events written from now on are delivered here; send a test event to try the receiver.'
            : `No ${status} deliveries${before === undefined ? '' : ' on this page'}.`}
        </p>
      )}
      {page && page.deliveries.length > 0 && (
        <div className="table-wrap">
          <table className="cards deliveries">
            <caption className="visually-hidden">Deliveries, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">
                  Attempts
                </th>
                <th scope="col">Last answer</th>
                <th scope="col">Queued</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {page.deliveries.map((d) => (
                <tr
                  key={d.id}
                  data-delivery={d.id}
                  data-webhook-id={d.webhookId}
                  data-event-type={d.type}
                  data-state={deliveryState(d)}
                >
                  <td data-label="Event">
                    <div>
                      <span className="mono">{d.type}</span>
                      <div className="muted small mono webhook-url">{d.webhookId}</div>
                    </div>
                  </td>
                  <td data-label="Status">
                    <StatusBadge status={deliveryState(d)} />
                  </td>
                  <td data-label="Attempts" className="num">
                    <AttemptLog delivery={d} />
                  </td>
                  <td data-label="Last answer" data-last-answer="">
                    {lastAnswer(d)}
                  </td>
                  <td data-label="Queued">
                    <div>
                      <div>{formatDateTimeSeconds(d.createdAt)}</div>
                      <div className="muted small">{progress(d)}</div>
                    </div>
                  </td>
                  <td className="row-actions">
                    {d.status === 'failed' && d.eventId !== null && (
                      <button
                        type="button"
                        className="secondary"
                        onClick={() => void redeliver(d)}
                        disabled={busy !== null}
                        aria-label={`Redeliver ${d.type} ${d.webhookId}`}
                      >
                        {busy === d.id ? 'Queuing…' : 'Redeliver'}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {page && (cursors.length > 1 || page.next !== null) && (
        <nav className="pager" aria-label="Pages of deliveries">
          <span>Page {cursors.length}</span>
          <button
            type="button"
            className="secondary"
            disabled={cursors.length === 1}
            onClick={() => setCursors((c) => c.slice(0, -1))}
          >
            Newer
          </button>
          <button
            type="button"
            className="secondary"
            disabled={page.next === null}
            onClick={() => {
              const next = page.next;
              if (next !== null) setCursors((c) => [...c, next]);
            }}
          >
            Older
          </button>
        </nav>
      )}
      <p className="muted small">
        A failed attempt is retried after 5 s, 5 min, 30 min, 2 h, 5 h and then every 10 h, 13 attempts in
        all; then the delivery has failed and can be redelivered. Test events are attempted once.
      </p>
      <div className="dialog-actions">
        <button type="button" className="secondary" onClick={onClose} data-autofocus="">
          Close
        </button>
      </div>
    </Dialog>
  );
}

/** The attempts of one delivery, each with its answer, latency and the start of the body. */
function AttemptLog({ delivery }: { delivery: WebhookDelivery }): ReactElement {
  if (delivery.attemptLog.length === 0) return <span>{delivery.attempts}</span>;
  return (
    <details className="attempts">
      <summary>{delivery.attempts}</summary>
      <ol>
        {delivery.attemptLog.map((a) => (
          <li key={a.attempt} data-attempt={a.attempt}>
            <span title={a.at}>{formatDateTimeSeconds(a.at)}</span>:{' '}
            {a.statusCode === null ? (a.error ?? 'no answer') : `HTTP ${a.statusCode}`} in {a.durationMs} ms
            {a.statusCode !== null && a.error && <span className="muted"> ({a.error})</span>}
            {a.response && <pre>{a.response}</pre>}
          </li>
        ))}
      </ol>
    </details>
  );
}

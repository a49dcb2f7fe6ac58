import type { ReactElement } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { useClient } from '../../lib/client.tsx';
import { formatDateTimeSeconds } from '../../lib/format.ts';
import { useAsync } from '../../lib/use-async.ts';

const LABELS: Record<string, string> = {
  'login.succeeded': 'Signed in',
  'login.failed': 'Failed sign-in',
  'login.throttled': 'Sign-in throttled',
  'session.revoked': 'Session ended',
  'session.revoked_all': 'Logged out everywhere',
  'password.changed': 'Password changed',
  'api_key.created': 'API key created',
  'api_key.rotated': 'API key rotated',
  'api_key.revoked': 'API key revoked',
  'api_key.updated': 'API key changed',
  'api_key.expiry_changed': 'API key expiry changed',
  'membership.changed': 'Membership changed',
  'membership.removed': 'Member removed',
};

/** What happened with this account, newest first: sign-ins, sessions, keys (the API's audit trail). */
export function AuditSection(): ReactElement {
  const client = useClient();
  const events = useAsync(() => client.audit.list({ limit: 50 }), [client]);
  return (
    <section aria-labelledby="audit-title">
      <h2 id="audit-title">Recent activity</h2>
      <ErrorNotice error={events.error} onRetry={() => void events.reload()} />
      {events.data?.length === 0 && <p className="muted">Nothing recorded yet.</p>}
      {events.data && events.data.length > 0 && (
        <div className="table-wrap">
          <table className="cards">
            <caption className="visually-hidden">Audit trail of this account</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">What</th>
                <th scope="col">From</th>
              </tr>
            </thead>
            <tbody>
              {events.data.map((event) => (
                <tr key={event.id} data-audit={event.type}>
                  <td data-label="When">{formatDateTimeSeconds(event.at)}</td>
                  <td data-label="What">{LABELS[event.type] ?? event.type}</td>
                  <td data-label="From" className="mono">
                    {event.ipAddress ?? '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

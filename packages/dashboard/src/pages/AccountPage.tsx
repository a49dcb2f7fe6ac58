import { type ReactElement, useState } from 'react';
import { Dialog } from '../components/Dialog.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { useClient } from '../lib/client.tsx';
import { formatDateTime, formatRelative } from '../lib/format.ts';
import { useAsync } from '../lib/use-async.ts';
import { AuditSection } from './account/AuditSection.tsx';
import { ChangePasswordForm } from './account/ChangePasswordForm.tsx';

export function AccountPage({
  onSignOut,
}: {
  onSignOut: (everywhere: boolean) => Promise<void>;
}): ReactElement {
  const client = useClient();
  const sessions = useAsync(() => client.sessions.list(), [client]);
  const [error, setError] = useState<unknown>(undefined);
  const [confirming, setConfirming] = useState(false);

  const revoke = async (id: string): Promise<void> => {
    setError(undefined);
    try {
      await client.sessions.revoke(id);
      await sessions.reload();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <>
      <PageHeading>Account</PageHeading>
      <section aria-labelledby="sessions-title">
        <div className="section-heading">
          <h2 id="sessions-title">Active sessions</h2>
          <button type="button" className="danger" onClick={() => setConfirming(true)}>
            Log out everywhere
          </button>
        </div>
        <ErrorNotice error={sessions.error ?? error} />
        {sessions.data && (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Signed in</th>
                  <th scope="col">Browser or client</th>
                  <th scope="col">Last refreshed</th>
                  <th scope="col">Expires</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {sessions.data.map((session) => (
                  <tr key={session.id} data-session={session.id}>
                    <td>
                      {formatDateTime(session.createdAt)}
                      {session.current && <span className="badge badge-active">This browser</span>}
                    </td>
                    <td className="small">
                      {session.userAgent ?? '—'}
                      {session.ipAddress && <div className="muted">{session.ipAddress}</div>}
                    </td>
                    <td>{formatRelative(session.lastRefreshedAt)}</td>
                    <td>{formatDateTime(session.expiresAt)}</td>
                    <td className="row-actions">
                      {!session.current && (
                        <button
                          type="button"
                          className="secondary small"
                          onClick={() => void revoke(session.id)}
                        >
                          Revoke
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <ChangePasswordForm />
      <AuditSection />
      {confirming && (
        <Dialog title="Log out everywhere?" onClose={() => setConfirming(false)}>
          <p>Every session of your account ends, this one included. API keys are not affected.</p>
          <div className="dialog-actions">
            <button
              type="button"
              className="secondary"
              onClick={() => setConfirming(false)}
              data-autofocus=""
            >
              Cancel
            </button>
            <button type="button" className="danger" onClick={() => void onSignOut(true)}>
              Log out everywhere
            </button>
          </div>
        </Dialog>
      )}
    </>
  );
}

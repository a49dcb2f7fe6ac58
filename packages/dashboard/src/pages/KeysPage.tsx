import type { ApiKeyInfo } from '@mooring/sdk';
import { type ReactElement, useState } from 'react';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { useClient } from '../lib/client.tsx';
import { formatDate, formatDateTime, formatRelative } from '../lib/format.ts';
import { useAsync } from '../lib/use-async.ts';
import { CreateKeyDialog } from './keys/CreateKeyDialog.tsx';
import { RevokeKeyDialog } from './keys/RevokeKeyDialog.tsx';
import { RotateKeyDialog } from './keys/RotateKeyDialog.tsx';
import { UsageDialog } from './keys/UsageDialog.tsx';

type Open =
  | { kind: 'create' }
  | { kind: 'usage'; key: ApiKeyInfo }
  | { kind: 'rotate'; key: ApiKeyInfo }
  | { kind: 'revoke'; key: ApiKeyInfo }
  | null;

export function KeysPage(): ReactElement {
  const client = useClient();
  const keys = useAsync(() => client.keys.list(), [client]);
  const [open, setOpen] = useState<Open>(null);
  // Reload before closing: the dialog hands the focus back to its opener, which must already be
  // gone from the list (revoked key) or still there, not removed right after.
  const close = (): void => {
    void keys.reload().finally(() => setOpen(null));
  };

  return (
    <>
      <PageHeading
        actions={
          <button type="button" onClick={() => setOpen({ kind: 'create' })}>
            Create API key
          </button>
        }
      >
        API keys
      </PageHeading>
      <p className="muted">
        Named keys act as you, within the limits you give them. They never expire unless you set a date, and
        revoking one takes effect at once.
      </p>
      <ErrorNotice error={keys.error} onRetry={() => void keys.reload()} />
      {keys.data && keys.data.length === 0 && (
        <div className="empty">
          <p>You have no API keys yet. Scripts, monitors and the CLI use one instead of your password.</p>
          <button type="button" className="secondary" onClick={() => setOpen({ kind: 'create' })}>
            Create your first API key
          </button>
        </div>
      )}
      {keys.data && keys.data.length > 0 && (
        <div className="table-wrap">
          <table className="cards">
            <caption className="visually-hidden">Your API keys</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Limits</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Expires</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.data.map((key) => (
                <tr key={key.id} data-key-name={key.name ?? ''}>
                  <td data-label="Name">
                    <strong>{key.name ?? '(unnamed)'}</strong>
                    {key.description && <div className="muted small">{key.description}</div>}
                  </td>
                  <td data-label="Key" className="mono">
                    {key.displayPrefix}…
                  </td>
                  <td data-label="Limits">{describeLimits(key)}</td>
                  <td data-label="Created">{formatDate(key.createdAt)}</td>
                  <td data-label="Last used" title={formatDateTime(key.lastUsedAt)}>
                    {formatRelative(key.lastUsedAt)}
                  </td>
                  <td data-label="Expires">{key.expiryDate ? formatDate(key.expiryDate) : 'Never'}</td>
                  <td data-label="Status">
                    <StatusBadge status={key.status} />
                  </td>
                  <td className="row-actions">
                    <button
                      type="button"
                      className="secondary"
                      onClick={() => setOpen({ kind: 'usage', key })}
                      aria-label={`Usage of ${key.name ?? 'key'}`}
                    >
                      Usage
                    </button>
                    <button
                      type="button"
                      className="secondary"
                      onClick={() => setOpen({ kind: 'rotate', key })}
                      disabled={key.status === 'expired'}
                      aria-label={`Rotate ${key.name ?? 'key'}`}
                    >
                      Rotate
                    </button>
                    <button
                      type="button"
                      className="danger"
                      onClick={() => setOpen({ kind: 'revoke', key })}
                      aria-label={`Revoke ${key.name ?? 'key'}`}
                    >
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {open?.kind === 'create' && <CreateKeyDialog onClose={close} />}
      {open?.kind === 'usage' && <UsageDialog apiKey={open.key} onClose={() => setOpen(null)} />}
      {open?.kind === 'rotate' && <RotateKeyDialog apiKey={open.key} onClose={close} />}
      {open?.kind === 'revoke' && <RevokeKeyDialog apiKey={open.key} onClose={close} />}
    </>
  );
}

function describeLimits(key: ApiKeyInfo): string {
  const parts: string[] = [];
  if (key.scopes && key.scopes.length > 0) parts.push(key.scopes.join(', '));
  if (key.fleets && key.fleets.length > 0) parts.push(`fleets ${key.fleets.join(', ')}`);
  if (key.requiresSignature) parts.push(`signed (${key.signingAlg ?? 'required'})`);
  return parts.length > 0 ? parts.join('; ') : 'Full access';
}

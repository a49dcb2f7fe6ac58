import type { Device } from '@mooring/sdk';
import { type ReactElement, useState } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { ConfirmDeleteDialog } from '../../components/RenameDialog.tsx';
import { useClient } from '../../lib/client.tsx';
import { formatDateTime, formatRelative } from '../../lib/format.ts';
import { useAsync } from '../../lib/use-async.ts';
import { UsageDialog } from '../keys/UsageDialog.tsx';

interface DeviceKeyRow {
  readonly id: number;
  readonly name: string | null;
  readonly display_prefix: string;
  readonly created_at: string;
  readonly last_used_at: string | null;
  readonly expiry_date: string | null;
}

/** The device's own keys (what it authenticates with), with when each was last used, and revocation. */
export function DeviceKeys({ device, version }: { device: Device; version: number }): ReactElement {
  const client = useClient();
  const keys = useAsync(async () => {
    const [row] = await client.odata.get<{ actor: { __id: number } | number }>(`device(${device.id})`, {
      $select: 'actor',
    });
    const actor = row === undefined ? undefined : typeof row.actor === 'number' ? row.actor : row.actor.__id;
    if (actor === undefined) return [];
    return client.odata.get<DeviceKeyRow>('api_key', {
      $select: ['id', 'name', 'display_prefix', 'created_at', 'last_used_at', 'expiry_date'],
      $filter: `kind eq 'device' and is_of__actor eq ${actor}`,
      $orderby: 'id desc',
    });
  }, [client, device.id, version]);
  const [revoking, setRevoking] = useState<DeviceKeyRow | null>(null);
  const [usageOf, setUsageOf] = useState<DeviceKeyRow | null>(null);

  return (
    <section aria-labelledby="device-keys-title">
      <h2 id="device-keys-title">Device keys</h2>
      <ErrorNotice error={keys.error} />
      {keys.data?.length === 0 && <p className="muted">This device has no key: it cannot poll or report.</p>}
      {keys.data && keys.data.length > 0 && (
        <div className="table-wrap">
          <table className="cards">
            <caption className="visually-hidden">Keys of this device</caption>
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.data.map((key) => (
                <tr key={key.id} data-device-key={key.id}>
                  <td data-label="Key">
                    <span className="mono">{key.display_prefix}…</span> {key.name ?? ''}
                  </td>
                  <td data-label="Created">{formatDateTime(key.created_at)}</td>
                  <td data-label="Last used" title={formatDateTime(key.last_used_at)}>
                    {formatRelative(key.last_used_at, Date.now(), 'never')}
                  </td>
                  <td className="row-actions">
                    <button
                      type="button"
                      className="secondary"
                      aria-label={`Usage of device key ${key.display_prefix}`}
                      onClick={() => setUsageOf(key)}
                    >
                      Usage
                    </button>
                    <button
                      type="button"
                      className="secondary"
                      aria-label={`Revoke device key ${key.display_prefix}`}
                      onClick={() => setRevoking(key)}
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
      {usageOf && (
        <UsageDialog
          apiKey={{ id: usageOf.id, name: usageOf.name, displayPrefix: usageOf.display_prefix }}
          onClose={() => setUsageOf(null)}
        />
      )}
      {revoking && (
        <ConfirmDeleteDialog
          title="Revoke device key?"
          action="Revoke key"
          onClose={() => setRevoking(null)}
          onConfirm={async () => {
            await client.keys.revoke(revoking.id);
            setRevoking(null);
            await keys.reload();
          }}
        >
          {`The device stops being able to use ${revoking.display_prefix}… at once, on every server. If it has no other key it goes offline and needs a new one.`}
        </ConfirmDeleteDialog>
      )}
    </section>
  );
}

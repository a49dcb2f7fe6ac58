import type { ApiKeyInfo } from '@mooring/sdk';
import { type ReactElement, useState } from 'react';
import { Dialog } from '../../components/Dialog.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { useClient } from '../../lib/client.tsx';

export function RevokeKeyDialog({
  apiKey,
  onClose,
}: {
  apiKey: ApiKeyInfo;
  onClose: () => void;
}): ReactElement {
  const client = useClient();
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const revoke = async (): Promise<void> => {
    setBusy(true);
    try {
      await client.keys.revoke(apiKey.id);
      onClose();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <Dialog title="Revoke API key?" onClose={onClose}>
      <p>
        <strong>{apiKey.name ?? apiKey.displayPrefix}</strong> stops working immediately, on every server.
        Anything still using it will be refused. This cannot be undone.
      </p>
      <ErrorNotice error={error} />
      <div className="dialog-actions">
        <button type="button" className="secondary" onClick={onClose} data-autofocus="">
          Cancel
        </button>
        <button type="button" className="danger" onClick={() => void revoke()} disabled={busy}>
          {busy ? 'Revoking…' : 'Revoke key'}
        </button>
      </div>
    </Dialog>
  );
}

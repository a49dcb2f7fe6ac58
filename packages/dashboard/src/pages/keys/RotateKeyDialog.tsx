import type { ApiKeyInfo } from '@mooring/sdk';
import { type FormEvent, type ReactElement, useState } from 'react';
import { Dialog } from '../../components/Dialog.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { FormActions } from '../../components/FormActions.tsx';
import { GracePeriodField } from '../../components/GracePeriodField.tsx';
import { SecretReveal } from '../../components/SecretReveal.tsx';
import { useClient } from '../../lib/client.tsx';

export function RotateKeyDialog({
  apiKey,
  onClose,
}: {
  apiKey: ApiKeyInfo;
  onClose: () => void;
}): ReactElement {
  const client = useClient();
  const [error, setError] = useState<unknown>(undefined);
  const [secret, setSecret] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const grace = Number(new FormData(event.currentTarget).get('grace'));
    setBusy(true);
    try {
      const created = await client.keys.rotate(apiKey.id, { gracePeriodSeconds: grace });
      setSecret(created.key);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (secret !== null) {
    return (
      <Dialog title="Key rotated" onClose={onClose}>
        <SecretReveal label="Your new API key" secret={secret} />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Done
          </button>
        </div>
      </Dialog>
    );
  }
  return (
    <Dialog title={`Rotate ${apiKey.name ?? 'key'}`} onClose={onClose}>
      <form onSubmit={(event) => void submit(event)}>
        <p>
          A new key with the same name and limits replaces this one. The old key keeps working during the
          grace period, so you can deploy the new one first.
        </p>
        <GracePeriodField id="grace" thing="key" />
        <ErrorNotice error={error} />
        <FormActions onCancel={onClose} busy={busy} label="Rotate key" busyLabel="Rotating…" />
      </form>
    </Dialog>
  );
}

import type { Device } from '@mooring/sdk';
import { type FormEvent, type ReactElement, useState } from 'react';
import { Dialog } from '../../components/Dialog.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { SecretReveal } from '../../components/SecretReveal.tsx';
import { useClient } from '../../lib/client.tsx';

export function DeviceKeyDialog({ device, onClose }: { device: Device; onClose: () => void }): ReactElement {
  const client = useClient();
  const [key, setKey] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const name = String(new FormData(event.currentTarget).get('name') ?? '').trim();
    setBusy(true);
    try {
      setKey(await client.devices.generateKey(device.uuid, name ? { name } : {}));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title="Generate device key" onClose={onClose}>
      {key === null ? (
        <form onSubmit={(event) => void submit(event)}>
          <p>
            A new key for <strong>{device.name}</strong> to authenticate as itself, for example after
            re-installing it. Its existing keys keep working until you revoke them.
          </p>
          <div className="field">
            <label htmlFor="device-key-name">Name (optional)</label>
            <input id="device-key-name" name="name" maxLength={200} />
          </div>
          <ErrorNotice error={error} />
          <div className="dialog-actions">
            <button type="button" className="secondary" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" disabled={busy}>
              {busy ? 'Generating…' : 'Generate key'}
            </button>
          </div>
        </form>
      ) : (
        <>
          <SecretReveal label="Device key" secret={key} />
          <div className="dialog-actions">
            <button type="button" onClick={onClose}>
              Done
            </button>
          </div>
        </>
      )}
    </Dialog>
  );
}

import { type FormEvent, type ReactElement, useState } from 'react';
import { CopyBlock } from '../../components/CopyBlock.tsx';
import { Dialog } from '../../components/Dialog.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { ExpiryFieldset } from '../../components/ExpiryFieldset.tsx';
import { FormActions } from '../../components/FormActions.tsx';
import { SecretReveal } from '../../components/SecretReveal.tsx';
import { useClient } from '../../lib/client.tsx';
import { endOfLocalDay } from '../../lib/format.ts';

interface ProvisioningProps {
  readonly fleetId: number;
  readonly userId: number;
  readonly deviceType: string;
  readonly onClose: () => void;
}

/**
 * The request a new device sends to register itself (COMPAT.md A7), then its first heartbeat: a
 * script that works pasted as-is into a POSIX shell (only curl, openssl and sed), since it keeps the
 * device key from the registration answer in $DEVICE_KEY itself.
 */
export function registrationExample(
  origin: string,
  key: string,
  fleetId: number,
  userId: number,
  deviceType: string,
): string {
  const body = `{"user": ${userId}, "application": ${fleetId}, "uuid": "'"$UUID"'", "device_type": "${deviceType}"}`;
  return [
    'UUID=$(openssl rand -hex 16)',
    '# Register; the answer holds the device\'s own key ("api_key"), kept in $DEVICE_KEY:',
    `DEVICE_KEY=$(curl -sS -X POST '${origin}/device/register' \\`,
    `  -H 'Authorization: Bearer ${key}' \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -d '${body}' \\`,
    `  | sed -n 's/.*"api_key": *"\\([^"]*\\)".*/\\1/p')`,
    '[ -n "$DEVICE_KEY" ] && echo "registered $UUID" || echo "registration failed" >&2',
    '# Each poll with the device key is a heartbeat (the supervisor does this every poll interval):',
    `curl -sS -H "Authorization: Bearer $DEVICE_KEY" '${origin}/device/v3/'"$UUID"'/state'`,
  ].join('\n');
}

export function ProvisioningKeyDialog({
  fleetId,
  userId,
  deviceType,
  onClose,
}: ProvisioningProps): ReactElement {
  const client = useClient();
  const [expires, setExpires] = useState(true);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const [key, setKey] = useState<string | null>(null);

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(undefined);
    try {
      const name = String(form.get('name') ?? '').trim();
      setKey(
        await client.fleets.createProvisioningKey(fleetId, {
          ...(name ? { name } : {}),
          expiryDate: expires ? endOfLocalDay(String(form.get('expiry'))) : null,
        }),
      );
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (key !== null) {
    return (
      <Dialog title="Provisioning key created" onClose={onClose} wide>
        <SecretReveal
          label="Provisioning key"
          secret={key}
          hint="Anyone holding it can add devices to this fleet until it expires."
        />
        <CopyBlock
          label="Register a device with it"
          text={registrationExample(window.location.origin, key, fleetId, userId, deviceType)}
        />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Done
          </button>
        </div>
      </Dialog>
    );
  }
  return (
    <Dialog title="Create provisioning key" onClose={onClose}>
      <form onSubmit={(event) => void submit(event)}>
        <p>
          Devices use a provisioning key once, to register themselves in this fleet and receive their own key.
        </p>
        <div className="field">
          <label htmlFor="prov-name">Name (optional)</label>
          <input id="prov-name" name="name" maxLength={200} />
        </div>
        <ExpiryFieldset idPrefix="prov-expiry" expires={expires} onChange={setExpires} defaultDays={7} />
        <ErrorNotice error={error} />
        <FormActions onCancel={onClose} busy={busy} label="Create provisioning key" busyLabel="Creating…" />
      </form>
    </Dialog>
  );
}

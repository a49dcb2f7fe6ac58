import type { WebhookEndpoint } from '@mooring/sdk';
import { type FormEvent, type ReactElement, useState } from 'react';
import { Dialog } from '../../components/Dialog.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { FormActions } from '../../components/FormActions.tsx';
import { GracePeriodField } from '../../components/GracePeriodField.tsx';
import { SecretReveal } from '../../components/SecretReveal.tsx';
import { useClient } from '../../lib/client.tsx';
import { formatDateTime } from '../../lib/format.ts';

/** A new signing secret (shown once); the old one keeps signing, next to it, for the grace period. */
export function RotateSecretDialog({
  endpoint,
  onClose,
}: {
  endpoint: WebhookEndpoint;
  onClose: () => void;
}): ReactElement {
  const client = useClient();
  const [error, setError] = useState<unknown>(undefined);
  const [rotated, setRotated] = useState<{ secret: string; previousSecretExpiresAt: string | null } | null>(
    null,
  );
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const grace = Number(new FormData(event.currentTarget).get('grace'));
    setBusy(true);
    setError(undefined);
    try {
      setRotated(await client.webhooks.rotateSecret(endpoint.id, { gracePeriodSeconds: grace }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (rotated !== null) {
    return (
      <Dialog title="Signing secret rotated" onClose={onClose}>
        <SecretReveal
          label="New signing secret"
          secret={rotated.secret}
          warning="encrypted"
          hint={
            rotated.previousSecretExpiresAt === null
              ? 'The old secret no longer signs.'
              : `Requests carry a signature with each secret until ${formatDateTime(rotated.previousSecretExpiresAt)}: switch your receiver before then.`
          }
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
    <Dialog title="Rotate signing secret" onClose={onClose}>
      <form onSubmit={(event) => void submit(event)}>
        <p>
          A new secret signs every request to <span className="mono webhook-url">{endpoint.url}</span>. During
          the grace period the old one signs too, so your receiver can switch without missing a request.
        </p>
        <GracePeriodField id="webhook-grace" thing="secret" />
        <ErrorNotice error={error} />
        <FormActions onCancel={onClose} busy={busy} label="Rotate secret" busyLabel="Rotating…" />
      </form>
    </Dialog>
  );
}

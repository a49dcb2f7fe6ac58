import type { Fleet, WebhookEndpoint } from '@mooring/sdk';
import { type FormEvent, type ReactElement, useState } from 'react';
import { Dialog } from '../../components/Dialog.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { FormActions } from '../../components/FormActions.tsx';
import { SecretReveal } from '../../components/SecretReveal.tsx';
import { useClient } from '../../lib/client.tsx';
import { EndpointFields, readEndpointForm } from './EndpointFields.tsx';

/** Changes an endpoint's URL, description, event types and fleets (never its organization). */
export function EditWebhookDialog({
  endpoint,
  fleets,
  onClose,
}: {
  endpoint: WebhookEndpoint;
  fleets: readonly Fleet[];
  onClose: () => void;
}): ReactElement {
  const client = useClient();
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const values = readEndpointForm(new FormData(event.currentTarget));
    setError(undefined);
    if (typeof values === 'string') {
      setProblem(values);
      return;
    }
    setProblem(undefined);
    setBusy(true);
    try {
      await client.webhooks.update(endpoint.id, values);
      onClose();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <Dialog title="Edit webhook endpoint" onClose={onClose} wide>
      <form onSubmit={(event) => void submit(event)}>
        <EndpointFields
          endpoint={endpoint}
          fleets={fleets.filter((f) => f.organizationId === endpoint.organization)}
          problem={problem}
        />
        <SecretReveal
          label="Public key"
          secret={endpoint.publicKey}
          warning={false}
          hint="Not secret: checks the v1a (Ed25519) signature of each request without the signing secret."
        />
        <ErrorNotice error={error} />
        <FormActions onCancel={onClose} busy={busy} label="Save changes" busyLabel="Saving…" />
      </form>
    </Dialog>
  );
}

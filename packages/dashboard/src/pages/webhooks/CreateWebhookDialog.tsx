import type { CreatedWebhookEndpoint, Fleet, Organization } from '@mooring/sdk';
import { type FormEvent, type ReactElement, useState } from 'react';
import { CopyBlock } from '../../components/CopyBlock.tsx';
import { Dialog } from '../../components/Dialog.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { FormActions } from '../../components/FormActions.tsx';
import { SecretReveal } from '../../components/SecretReveal.tsx';
import { useClient } from '../../lib/client.tsx';
import { EndpointFields, readEndpointForm } from './EndpointFields.tsx';

const VERIFY_EXAMPLE = `import { verifyWebhook } from '@mooring/sdk';

// rawBody: the exact bytes received, not re-serialized JSON.
const event = await verifyWebhook(request.headers, rawBody, process.env.MOORING_WEBHOOK_SECRET);
// De-duplicate on event.webhookId: retries and redeliveries keep it.`;

/** A new endpoint of one of the organizations the user administers; its secret is shown once. */
export function CreateWebhookDialog({
  organizations,
  fleets,
  onClose,
}: {
  organizations: readonly Organization[];
  fleets: readonly Fleet[];
  onClose: () => void;
}): ReactElement {
  const client = useClient();
  const [organization, setOrganization] = useState<number>(organizations[0]?.id ?? 0);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<CreatedWebhookEndpoint | null>(null);

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
      setCreated(
        await client.webhooks.create({
          organization,
          url: values.url,
          ...(values.description === null ? {} : { description: values.description }),
          ...(values.types === null ? {} : { types: values.types }),
          ...(values.fleets === null ? {} : { fleets: values.fleets }),
        }),
      );
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (created) {
    return (
      <Dialog title="Webhook endpoint created" onClose={onClose} wide>
        <SecretReveal
          label="Signing secret"
          secret={created.secret}
          warning="encrypted"
          hint="Your receiver checks each request's v1 signature with it."
        />
        <SecretReveal
          label="Public key"
          secret={created.publicKey}
          warning={false}
          hint="Not secret: checks the v1a (Ed25519) signature without the secret. It is also shown when you edit the endpoint."
        />
        <CopyBlock label="Verify a request (Node.js, @mooring/sdk)" text={VERIFY_EXAMPLE} />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Done
          </button>
        </div>
      </Dialog>
    );
  }

  return (
    <Dialog title="Add webhook endpoint" onClose={onClose} wide>
      <form onSubmit={(event) => void submit(event)}>
        <div className="field">
          <label htmlFor="webhook-org">Organization</label>
          <select
            id="webhook-org"
            value={organization}
            onChange={(e) => setOrganization(Number(e.target.value))}
            aria-describedby="webhook-org-hint"
          >
            {organizations.map((org) => (
              <option key={org.id} value={org.id}>
                {org.name}
              </option>
            ))}
          </select>
          <p className="hint" id="webhook-org-hint">
            The endpoint receives this organization's events, from now on.
          </p>
        </div>
        <EndpointFields fleets={fleets.filter((f) => f.organizationId === organization)} problem={problem} />
        <ErrorNotice error={error} />
        <FormActions onCancel={onClose} busy={busy} label="Add endpoint" busyLabel="Adding…" />
      </form>
    </Dialog>
  );
}

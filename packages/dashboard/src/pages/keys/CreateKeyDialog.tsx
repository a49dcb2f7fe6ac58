import type { CreatedKey } from '@mooring/sdk';
import { type FormEvent, type ReactElement, useState } from 'react';
import { Dialog } from '../../components/Dialog.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { ExpiryFieldset } from '../../components/ExpiryFieldset.tsx';
import { FormActions } from '../../components/FormActions.tsx';
import { SecretReveal } from '../../components/SecretReveal.tsx';
import { useClient } from '../../lib/client.tsx';
import { endOfLocalDay } from '../../lib/format.ts';
import { useAsync } from '../../lib/use-async.ts';
import { type Limits, LimitsFieldset, NO_LIMITS, scopesOf } from './LimitsFieldset.tsx';

export function CreateKeyDialog({ onClose }: { onClose: () => void }): ReactElement {
  const client = useClient();
  const fleets = useAsync(() => client.fleets.list(), [client]);
  const [limits, setLimits] = useState<Limits>(NO_LIMITS);
  const [expires, setExpires] = useState(false);
  const [restrict, setRestrict] = useState(false);
  const [signing, setSigning] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<CreatedKey | null>(null);

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const fleetIds = restrict ? form.getAll('fleet').map((id) => Number(id)) : undefined;
    const scopes = scopesOf(limits);
    setBusy(true);
    setError(undefined);
    try {
      const result = await client.keys.create({
        name: String(form.get('name') ?? '').trim(),
        description: String(form.get('description') ?? '').trim() || undefined,
        expiryDate: expires ? endOfLocalDay(String(form.get('expiry'))) : null,
        ...(scopes ? { scopes } : {}),
        ...(fleetIds ? { fleets: fleetIds } : {}),
        ...(form.get('headerOnly') ? { headerOnly: true } : {}),
        ...(signing
          ? {
              signing: { alg: 'hmac-sha256' as const },
              requiresSignature: form.get('requireSigned') === 'on',
            }
          : {}),
      });
      setCreated(result);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (created) {
    return (
      <Dialog title="API key created" onClose={onClose} wide={created.signingSecret !== undefined}>
        {created.signingSecret === undefined ? (
          <SecretReveal label="Your new API key" secret={created.key} />
        ) : (
          <SigningKeyReveal created={created} />
        )}
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Done
          </button>
        </div>
      </Dialog>
    );
  }

  return (
    <Dialog title="Create API key" onClose={onClose} wide>
      <form onSubmit={(event) => void submit(event)} noValidate={false}>
        <div className="field">
          <label htmlFor="key-name">Name</label>
          <input id="key-name" name="name" required maxLength={200} aria-describedby="key-name-hint" />
          <p className="hint" id="key-name-hint">
            Where it is used, e.g. “billing back end”.
          </p>
        </div>
        <div className="field">
          <label htmlFor="key-description">Description (optional)</label>
          <textarea id="key-description" name="description" rows={2} maxLength={2000} />
        </div>
        <ExpiryFieldset idPrefix="expiry" expires={expires} onChange={setExpires} defaultDays={90} />
        <LimitsFieldset value={limits} onChange={setLimits} />
        <fieldset>
          <legend>Fleets</legend>
          <div className="checkbox">
            <input
              type="checkbox"
              id="restrict"
              checked={restrict}
              onChange={(e) => setRestrict(e.target.checked)}
            />
            <label htmlFor="restrict">Only some fleets</label>
          </div>
          {restrict && (
            <div className="check-list">
              <ErrorNotice error={fleets.error} />
              {fleets.data?.length === 0 && <p className="muted">You have no fleets.</p>}
              {fleets.data?.map((fleet) => (
                <div className="checkbox" key={fleet.id}>
                  <input type="checkbox" id={`fleet-${fleet.id}`} name="fleet" value={fleet.id} />
                  <label htmlFor={`fleet-${fleet.id}`}>{fleet.name}</label>
                </div>
              ))}
            </div>
          )}
        </fieldset>
        <fieldset>
          <legend>Transport and signing</legend>
          <div className="checkbox">
            <input type="checkbox" id="header-only" name="headerOnly" />
            <label htmlFor="header-only">
              Refuse the key in the URL (?apikey=): Authorization header only
            </label>
          </div>
          <div className="checkbox">
            <input
              type="checkbox"
              id="signing"
              checked={signing}
              onChange={(e) => setSigning(e.target.checked)}
            />
            <label htmlFor="signing">
              Signing key: requests signed with a secret (HMAC-SHA256, RFC 9421)
            </label>
          </div>
          {signing && (
            <div className="checkbox nested">
              <input type="checkbox" id="require-signed" name="requireSigned" defaultChecked />
              <label htmlFor="require-signed">
                Refuse unsigned use of the key (a leaked key alone is useless)
              </label>
            </div>
          )}
        </fieldset>
        <ErrorNotice error={error} />
        <FormActions onCancel={onClose} busy={busy} label="Create key" busyLabel="Creating…" />
      </form>
    </Dialog>
  );
}

/**
 * A signing key: what a client needs to sign (the `keyid` and the secret), one warning for both. The
 * API key itself is shown only when it also works alone (signatures not required); otherwise it
 * would only invite a bearer use the server refuses.
 */
function SigningKeyReveal({ created }: { created: CreatedKey }): ReactElement {
  const secret = created.signingSecret ?? '';
  return (
    <>
      <p className="notice notice-warning">
        <strong>Copy them now: this is the only time they are shown.</strong> Mooring keeps the API key as a
        hash and the signing secret encrypted, and shows neither again.
      </p>
      <SecretReveal
        label="Key id (keyid)"
        secret={created.keyId ?? ''}
        warning={false}
        hint='Not secret: put it in each signature as keyid="…" (RFC 9421).'
      />
      <SecretReveal
        label="Signing secret (HMAC-SHA256)"
        secret={secret}
        warning={false}
        hint="Unpadded base64url: decode it to bytes before use (add = padding for decoders that need it)."
      />
      {created.requiresSignature ? (
        <p className="hint">
          Requests with this key must be signed: the key alone is refused, so it is not shown.
        </p>
      ) : (
        <SecretReveal
          label="Your new API key"
          secret={created.key}
          warning={false}
          hint="Works alone as a bearer token too, because signatures are not required."
        />
      )}
    </>
  );
}

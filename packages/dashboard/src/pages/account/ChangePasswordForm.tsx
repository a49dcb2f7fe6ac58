import { type FormEvent, type ReactElement, useState } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { useClient } from '../../lib/client.tsx';

export function ChangePasswordForm(): ReactElement {
  const client = useClient();
  const [error, setError] = useState<unknown>(undefined);
  const [mismatch, setMismatch] = useState(false);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const next = String(form.get('new') ?? '');
    setDone(false);
    setError(undefined);
    setMismatch(next !== String(form.get('confirm') ?? ''));
    if (next !== String(form.get('confirm') ?? '')) return;
    setBusy(true);
    try {
      await client.account.changePassword(String(form.get('current') ?? ''), next);
      formElement.reset();
      setDone(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="password-title">
      <h2 id="password-title">Change password</h2>
      <form className="narrow" onSubmit={(event) => void submit(event)}>
        <div className="field">
          <label htmlFor="pw-current">Current password</label>
          <input id="pw-current" name="current" type="password" autoComplete="current-password" required />
        </div>
        <div className="field">
          <label htmlFor="pw-new">New password</label>
          <input
            id="pw-new"
            name="new"
            type="password"
            autoComplete="new-password"
            required
            minLength={8}
            aria-describedby="pw-hint"
          />
          <p className="hint" id="pw-hint">
            At least 8 characters. Your other sessions end when it changes.
          </p>
        </div>
        <div className="field">
          <label htmlFor="pw-confirm">New password again</label>
          <input
            id="pw-confirm"
            name="confirm"
            type="password"
            autoComplete="new-password"
            required
            aria-invalid={mismatch}
            aria-describedby={mismatch ? 'pw-mismatch' : undefined}
          />
          {mismatch && (
            <p className="field-error" id="pw-mismatch" role="alert">
              The two new passwords differ.
            </p>
          )}
        </div>
        <ErrorNotice error={error} />
        {done && (
          <p className="notice notice-info" role="status">
            Password changed. Your other sessions were signed out.
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : 'Change password'}
        </button>
      </form>
    </section>
  );
}

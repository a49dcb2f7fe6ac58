import { type KeyboardEvent, type ReactElement, useId, useRef, useState } from 'react';
import { useClient } from '../lib/client.tsx';
import { describeError } from '../lib/errors.ts';

/**
 * Asks for the password again when the server wants a recent login for an action (creating keys),
 * then carries on: `onConfirmed`, or by default submitting the form it sits in again. Not a <form>
 * itself, since it sits inside the dialog's own.
 */
export function ReauthPrompt({ onConfirmed }: { onConfirmed?: () => void }): ReactElement {
  const client = useClient();
  const box = useRef<HTMLFieldSetElement>(null);
  const id = useId();
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState<string | undefined>(undefined);

  const confirm = async (): Promise<void> => {
    if (password === '' || busy) return;
    setBusy(true);
    setFailed(undefined);
    try {
      await client.auth.reauthenticate(password);
      setPassword('');
      if (onConfirmed) onConfirmed();
      else box.current?.closest('form')?.requestSubmit();
    } catch (error) {
      const view = describeError(error);
      setFailed(view.title === 'Signed out' ? 'Wrong password. Try again.' : `${view.title}. ${view.detail}`);
    } finally {
      setBusy(false);
    }
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>): void => {
    if (event.key === 'Enter') {
      event.preventDefault();
      void confirm();
    }
  };

  return (
    <fieldset ref={box} className="notice notice-warning reauth">
      <legend>Confirm it is you</legend>
      <p>This action needs a recent sign-in: enter your password to continue. You stay signed in.</p>
      <div className="field">
        <label htmlFor={`${id}-password`}>Your password</label>
        <input
          id={`${id}-password`}
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          onKeyDown={onKeyDown}
          // biome-ignore lint/a11y/noAutofocus: the prompt appears because the person must type here.
          autoFocus
        />
      </div>
      {failed && (
        <p className="field-error" role="alert">
          {failed}
        </p>
      )}
      <button type="button" onClick={() => void confirm()} disabled={busy || password === ''}>
        {busy ? 'Checking…' : 'Confirm and continue'}
      </button>
    </fieldset>
  );
}

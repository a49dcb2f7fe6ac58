import { isMooringError } from '@mooring/sdk';
import { type FormEvent, type ReactElement, useState } from 'react';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { useClient } from '../lib/client.tsx';

// The only thing to do on this page is to type a username.
const focusOnMount = (input: HTMLInputElement | null): void => input?.focus();

interface SignInProps {
  readonly message: string | undefined;
  readonly onSignedIn: () => Promise<void>;
}

export function SignInPage({ message, onSignedIn }: SignInProps): ReactElement {
  const client = useClient();
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(undefined);
    try {
      await client.auth.login(String(form.get('username') ?? ''), String(form.get('password') ?? ''));
      await onSignedIn();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <main className="center">
      <form className="card sign-in" onSubmit={(event) => void submit(event)} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Sign in to Mooring</h1>
        {message && (
          <p className="notice notice-info" role="status">
            {message}
          </p>
        )}
        {isMooringError(error, 'Unauthorized') ? (
          // The login's 401 says nothing more (no hint which of the two was wrong, by design).
          <p className="notice notice-error" role="alert">
            <strong>Wrong username or password.</strong> Check both and try again.
          </p>
        ) : (
          <ErrorNotice error={error} />
        )}
        <div className="field">
          <label htmlFor="username">Username or e-mail</label>
          <input id="username" name="username" autoComplete="username" required ref={focusOnMount} />
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input id="password" name="password" type="password" autoComplete="current-password" required />
        </div>
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

import type { ReactElement } from 'react';
import { describeError, isFreshAuthRequired } from '../lib/errors.ts';
import { ReauthPrompt } from './ReauthPrompt.tsx';

/**
 * A failed call, said plainly; `role="alert"` so screen readers announce it. With `onRetry`, an
 * action refused for want of a recent login asks for the password and then retries.
 */
export function ErrorNotice({
  error,
  onRetry,
}: {
  error: unknown;
  onRetry?: () => void;
}): ReactElement | null {
  if (error === undefined || error === null) return null;
  // A request for a recent password is answered in place, and the action retried.
  if (isFreshAuthRequired(error)) return <ReauthPrompt {...(onRetry ? { onConfirmed: onRetry } : {})} />;
  const view = describeError(error);
  return (
    <div className="notice notice-error" role="alert">
      <strong>{view.title}.</strong> {view.detail}
      {onRetry && (
        <button type="button" className="link-button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

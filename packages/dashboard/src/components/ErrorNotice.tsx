import type { ReactElement } from 'react';
import { describeError } from '../lib/errors.ts';

/** A failed call, said plainly; `role="alert"` so screen readers announce it. */
export function ErrorNotice({
  error,
  onRetry,
}: {
  error: unknown;
  onRetry?: () => void;
}): ReactElement | null {
  if (error === undefined || error === null) return null;
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

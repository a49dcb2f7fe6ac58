import { MooringError } from '@mooring/sdk';

export interface ErrorView {
  readonly title: string;
  readonly detail: string;
}

/**
 * The 401 of an action that needs a recent password login (balena's "fresh authentication"): the
 * session is fine, the person only has to type their password again.
 */
export function isFreshAuthRequired(error: unknown): boolean {
  return (
    error instanceof MooringError &&
    error.code === 'Unauthorized' &&
    /fresh authentication/i.test(error.serverMessage ?? error.message)
  );
}

/** What to tell a person about a failed call: the API's own message where it has one worth showing. */
export function describeError(error: unknown): ErrorView {
  if (isFreshAuthRequired(error)) {
    return {
      title: 'Password needed',
      detail: 'This action needs a recent sign-in: enter your password again to continue.',
    };
  }
  if (error instanceof MooringError) {
    switch (error.code) {
      case 'Network':
        return {
          title: 'Cannot reach the server',
          detail: 'Check your connection or whether Mooring is running; the page retries on its own.',
        };
      case 'Forbidden':
        return { title: 'Not allowed', detail: `${error.message} (this session or key lacks the right).` };
      case 'Validation':
      case 'Conflict':
        return { title: 'Please check the form', detail: error.message };
      case 'NotFound':
        return { title: 'Not found', detail: error.message };
      case 'RateLimited':
        return {
          title: 'Too many requests',
          detail: `Try again in ${error.retryAfterSeconds ?? 'a few'} seconds.`,
        };
      case 'Unauthorized':
      case 'SessionExpired':
        return { title: 'Signed out', detail: error.message };
      case 'Server':
        return {
          title: 'The server failed',
          detail: `Try again later${error.requestId ? ` (request ${error.requestId})` : ''}.`,
        };
    }
  }
  return { title: 'Something went wrong', detail: error instanceof Error ? error.message : String(error) };
}

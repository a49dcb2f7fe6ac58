import { MooringError } from '@mooring/sdk';
import { CliError } from './cli-error.js';
import { EXIT } from './exit-codes.js';

/** Which credential the failed request carried: decides what a 401 means to the user. */
export type CredentialKind = 'api-key' | 'session' | 'none';

export interface ErrorContext {
  readonly apiUrl: string;
  readonly credential: CredentialKind;
}

/**
 * Turns anything a command throws into one line and an exit status. The messages name the server
 * and what to do next; they never contain a credential.
 */
export function toCliError(error: unknown, context: ErrorContext): CliError {
  if (error instanceof CliError) return error;
  if (!(error instanceof MooringError)) {
    const message = error instanceof Error ? error.message : String(error);
    return new CliError(EXIT.server, `unexpected error: ${message}`);
  }
  const http = error.status === undefined ? '' : ` (HTTP ${error.status}${requestId(error)})`;
  switch (error.code) {
    case 'Unauthorized':
    case 'SessionExpired':
      return new CliError(EXIT.auth, `${unauthorized(error, context)}${http}`);
    case 'Forbidden':
      return new CliError(EXIT.auth, `permission denied: ${error.message}${http}`);
    case 'NotFound':
      return new CliError(EXIT.notFound, `not found: ${error.message}${http}`);
    case 'Conflict':
      return new CliError(EXIT.conflict, `conflict: ${error.message}${http}`);
    case 'Validation':
      return new CliError(EXIT.conflict, `refused: ${error.message}${http}`);
    case 'RateLimited': {
      const wait =
        error.retryAfterSeconds === undefined
          ? 'retry later'
          : `retry in ${error.retryAfterSeconds} second${error.retryAfterSeconds === 1 ? '' : 's'}`;
      return new CliError(EXIT.rateLimited, `rate limited by ${context.apiUrl}: ${wait}${http}`);
    }
    case 'Network':
      return new CliError(EXIT.network, `cannot reach ${context.apiUrl}: ${networkReason(error)}`);
    case 'Server':
      if (error.status === 503) {
        // The server is up but cannot serve now (database away or busy, a query stopped): say when.
        const wait =
          error.retryAfterSeconds === undefined
            ? 'try again shortly'
            : `try again in ${error.retryAfterSeconds} second${error.retryAfterSeconds === 1 ? '' : 's'}`;
        return new CliError(EXIT.server, `the server at ${context.apiUrl} is unavailable${http}: ${wait}`);
      }
      return new CliError(
        EXIT.server,
        `the server at ${context.apiUrl} failed${http}; try again, or look for the request id in its logs`,
      );
  }
}

function requestId(error: MooringError): string {
  return error.requestId === undefined ? '' : `, request id ${error.requestId}`;
}

// The SDK's generic 401 text carries no information beyond the status; the server's own messages
// ("Fresh authentication token required", …) do, and are kept.
const GENERIC_401 = /^Not authenticated/;

function unauthorized(error: MooringError, context: ErrorContext): string {
  const detail = error.code === 'Unauthorized' && !GENERIC_401.test(error.message) ? error.message : '';
  if (/fresh authentication/i.test(detail)) {
    return context.credential === 'api-key'
      ? 'creating or rotating named API keys needs a recent password login, not an API key: unset MOORING_API_KEY and run `mooring login`'
      : 'creating or rotating named API keys needs a recent password login (by default within 20 minutes): run `mooring login` again';
  }
  if (detail !== '') return detail;
  switch (context.credential) {
    case 'api-key':
      return `the API key in MOORING_API_KEY was refused by ${context.apiUrl}: it is revoked, expired or mistyped`;
    case 'session':
      return `your session on ${context.apiUrl} has expired or was revoked; run \`mooring login\``;
    case 'none':
      return `not logged in to ${context.apiUrl}; run \`mooring login\` or set MOORING_API_KEY`;
  }
}

const ERRNO_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is the server running, and is the port right?)',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed (temporary DNS failure)',
  ETIMEDOUT: 'connection timed out',
  ECONNRESET: 'connection reset by the server',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'the server did not answer in time',
  UND_ERR_SOCKET: 'the connection was closed unexpectedly',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server presented a self-signed TLS certificate',
  CERT_HAS_EXPIRED: "the server's TLS certificate has expired",
  ERR_TLS_CERT_ALTNAME_INVALID: "the server's TLS certificate does not match its host name",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the server's TLS certificate cannot be verified",
};

/** fetch wraps the system error (ECONNREFUSED, …) two levels down: find its code. */
function networkReason(error: MooringError): string {
  let cause: unknown = error.cause;
  for (let depth = 0; depth < 5 && cause !== undefined && cause !== null; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && ERRNO_TEXT[code] !== undefined) return ERRNO_TEXT[code];
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
    cause = (cause as { cause?: unknown }).cause;
  }
  return error.message.replace(/^Could not reach the server:?\s*/, '') || 'no answer';
}

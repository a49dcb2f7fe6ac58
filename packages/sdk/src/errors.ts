import type { ErrorCode } from '@mooring/protocol/contract';

/** Stable error codes: branch on these, never on messages. */
export type MooringErrorCode =
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'Conflict'
  | 'RateLimited'
  | 'Validation'
  | 'Network'
  | 'SessionExpired'
  | 'Server';

export interface MooringErrorDetails {
  readonly status?: number;
  readonly retryAfterSeconds?: number;
  readonly requestId?: string;
  /** The server's own code (`odata_syntax`, `conflict`, …) when it sent one the SDK knows. */
  readonly serverCode?: ErrorCode;
  readonly serverMessage?: string;
  readonly cause?: unknown;
}

/**
 * The one error type the SDK throws for anything the network or the server answers.
 * Programmer misuse (a bad option, a missing argument) throws `TypeError` instead.
 *
 * @example
 * try {
 *   await client.devices.get('0123abc');
 * } catch (err) {
 *   if (err instanceof MooringError && err.code === 'NotFound') console.log('no such device');
 *   else throw err;
 * }
 */
export class MooringError extends Error {
  override readonly name = 'MooringError';
  readonly code: MooringErrorCode;
  readonly status: number | undefined;
  /** Seconds to wait before retrying, from `Retry-After` (RateLimited, and 503 Unavailable). */
  readonly retryAfterSeconds: number | undefined;
  readonly requestId: string | undefined;
  /** The server's code from the contract's registry (Mooring endpoints' error bodies). */
  readonly serverCode: ErrorCode | undefined;
  /** The message the server sent (`''` when its body had none, as for the uniform 401). */
  readonly serverMessage: string | undefined;

  constructor(code: MooringErrorCode, message: string, details: MooringErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.status = details.status;
    this.retryAfterSeconds = details.retryAfterSeconds;
    this.requestId = details.requestId;
    this.serverCode = details.serverCode;
    this.serverMessage = details.serverMessage;
  }
}

/**
 * True for a {@link MooringError}, optionally with the given code.
 *
 * @example
 * if (isMooringError(err, 'RateLimited')) await sleep((err.retryAfterSeconds ?? 1) * 1000);
 */
export function isMooringError(error: unknown, code?: MooringErrorCode): error is MooringError {
  return error instanceof MooringError && (code === undefined || error.code === code);
}

/**
 * The server's error codes (the contract's `ERROR_CODES`) → the SDK's. `satisfies` makes a code
 * added to the contract a compile error here until it is mapped; each maps as its status does.
 */
export const CODE_CLASSES = {
  bad_request: 'Validation',
  validation: 'Validation',
  odata_syntax: 'Validation',
  odata_unknown: 'Validation',
  query_too_expensive: 'Validation',
  invalid_json: 'Validation',
  ambiguous_credentials: 'Validation',
  unauthorized: 'Unauthorized',
  forbidden: 'Forbidden',
  not_found: 'NotFound',
  method_not_allowed: 'Validation',
  conflict: 'Conflict',
  payload_too_large: 'Validation',
  uri_too_long: 'Validation',
  unsupported_media_type: 'Validation',
  rate_limited: 'RateLimited',
  header_too_large: 'Validation',
  internal: 'Server',
  unavailable: 'Server',
  query_timeout: 'Server',
} as const satisfies Record<ErrorCode, MooringErrorCode>;

/** True for a code of the contract's registry (a newer server may send one this SDK does not know). */
export function isServerCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(CODE_CLASSES, value);
}

/** HTTP status → stable code (balena-format answers carry no code of their own). */
export function codeForStatus(status: number): MooringErrorCode {
  if (status === 401) return 'Unauthorized';
  if (status === 403) return 'Forbidden';
  if (status === 404) return 'NotFound';
  if (status === 409) return 'Conflict';
  if (status === 429) return 'RateLimited';
  if (status >= 500) return 'Server';
  return 'Validation';
}

const DEFAULT_MESSAGES: Record<MooringErrorCode, string> = {
  Unauthorized: 'Not authenticated: the credential is missing, invalid, expired or revoked',
  Forbidden: 'The credential is valid but not allowed to do this',
  NotFound: 'Not found',
  Conflict: 'Conflicts with an existing resource',
  RateLimited: 'Too many requests',
  Validation: 'The request was refused as invalid',
  Network: 'Could not reach the server',
  SessionExpired: 'The session has expired or was revoked; log in again',
  Server: 'The server failed to handle the request',
};

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  return Number.isFinite(date) ? Math.max(0, Math.ceil((date - nowMs) / 1000)) : undefined;
}

/**
 * Builds the error for a non-2xx answer. Both wire formats are understood: Mooring's envelope
 * `{ error: { code, message, requestId } }` and balena's JSON-string (or empty) bodies.
 */
export function errorFromResponse(
  status: number,
  bodyText: string,
  retryAfter: string | null,
  nowMs: number,
): MooringError {
  let message = '';
  let requestId: string | undefined;
  let serverCode: ErrorCode | undefined;
  if (bodyText !== '') {
    try {
      const parsed: unknown = JSON.parse(bodyText);
      if (typeof parsed === 'string') message = parsed;
      else if (isEnvelope(parsed)) {
        message = typeof parsed.error.message === 'string' ? parsed.error.message : '';
        serverCode = isServerCode(parsed.error.code) ? parsed.error.code : undefined;
        requestId = typeof parsed.error.requestId === 'string' ? parsed.error.requestId : undefined;
      }
    } catch {
      // Plain text (a proxy's error page, for example): keep a bounded excerpt.
      message = bodyText.slice(0, 200);
    }
  }
  const code = serverCode === undefined ? codeForStatus(status) : CODE_CLASSES[serverCode];
  // A 5xx message is never the server's internals, but proxies may say anything: keep ours.
  const text = message !== '' && status < 500 ? message : DEFAULT_MESSAGES[code];
  return new MooringError(code, text, {
    status,
    serverMessage: message,
    ...(code === 'RateLimited' || status === 503
      ? { retryAfterSeconds: parseRetryAfter(retryAfter, nowMs) }
      : {}),
    ...(requestId === undefined ? {} : { requestId }),
    ...(serverCode === undefined ? {} : { serverCode }),
  });
}

export function networkError(cause: unknown): MooringError {
  const reason = cause instanceof Error && cause.message !== '' ? `: ${cause.message}` : '';
  return new MooringError('Network', `${DEFAULT_MESSAGES.Network}${reason}`, { cause });
}

export function sessionExpired(cause?: unknown): MooringError {
  return new MooringError('SessionExpired', DEFAULT_MESSAGES.SessionExpired, { status: 401, cause });
}

function isEnvelope(value: unknown): value is { error: Record<string, unknown> } {
  return (
    typeof value === 'object' &&
    value !== null &&
    'error' in value &&
    typeof (value as { error: unknown }).error === 'object' &&
    (value as { error: unknown }).error !== null
  );
}

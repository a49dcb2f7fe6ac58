/**
 * The single registry of error codes Mooring answers with, in `{ error: { code, message, requestId } }`
 * (docs/compat.md). Each code has exactly one HTTP status. The server throws `AppError(code, …)`
 * with these codes; the SDK maps each one to its error class (`CODE_CLASSES` in packages/sdk).
 */
export const ERROR_CODES = {
  bad_request: 400,
  validation: 400,
  odata_syntax: 400,
  odata_unknown: 400,
  /** An OData read over its tier's static budget. */
  query_too_expensive: 400,
  invalid_json: 400,
  ambiguous_credentials: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  rate_limited: 429,
  header_too_large: 431,
  internal: 500,
  unavailable: 503,
  /** An OData read stopped by its time limit, or refused while its tier's share is busy. */
  query_timeout: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** True for a code of the registry (a newer server may send codes an older client does not know). */
export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(ERROR_CODES, value);
}

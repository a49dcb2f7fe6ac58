/**
 * The single registry of error codes Mooring answers with. Each code has exactly one HTTP status;
 * domain code throws `AppError(code, message)` and the error handler (errors/handler.ts) does the rest.
 */
export const ERROR_CODES = {
  bad_request: 400,
  validation: 400,
  odata_syntax: 400,
  odata_unknown: 400,
  /** An OData read over its tier's static budget (odata/query-cost.ts). */
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

export function statusOf(code: ErrorCode): number {
  return ERROR_CODES[code];
}

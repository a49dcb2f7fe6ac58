/**
 * The single registry of error codes Mooring answers with lives in the wire contract
 * (`@mooring/protocol/contract`), shared with the SDK. Each code has exactly one HTTP status;
 * domain code throws `AppError(code, message)` and the error handler (http/error-handler.ts) does the rest.
 */
import { ERROR_CODES, type ErrorCode } from '@mooring/protocol/contract';

export { ERROR_CODES, type ErrorCode };

export function statusOf(code: ErrorCode): number {
  return ERROR_CODES[code];
}

import type { ErrorCode } from './codes.js';

/**
 * The one error type domain code throws. `message` is safe to show to the caller: it must never
 * contain a secret (token, key, password). Internal details belong in `cause`, which is logged
 * (with redaction) but never sent.
 */
export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  /** Seconds, for `rate_limited`: becomes the `Retry-After` header. */
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; retryAfter?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryAfter = options?.retryAfter;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

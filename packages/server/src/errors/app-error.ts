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
  /**
   * For a 401 the caller can act on: the `WWW-Authenticate` challenge (RFC 9110 §11.6.1, RFC 6750
   * §3, RFC 9470) and, for signatures, `Accept-Signature` (RFC 9421 §5.1). Without it a 401 gets
   * the plain Bearer challenge.
   */
  readonly challenge: { readonly wwwAuthenticate: string; readonly acceptSignature?: string } | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; retryAfter?: number; challenge?: AppError['challenge'] },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryAfter = options?.retryAfter;
    this.challenge = options?.challenge;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

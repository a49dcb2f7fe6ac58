import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { queryCredential } from '../auth/credential-params.js';
import { databaseUnavailability } from '../db/errors.js';
import { AppError, isAppError } from '../errors/app-error.js';
import { type ErrorCode, statusOf } from '../errors/codes.js';

/**
 * The one place an error becomes an HTTP response.
 * - balena wire (COMPAT.md A0.8): body is a JSON string message; 401 has an empty body.
 * - Mooring wire: `{ error: { code, message, requestId } }`.
 * A 5xx body never echoes an internal message.
 */
export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const appError = toAppError(error);
  const status = statusOf(appError.code);
  if (status === 503) {
    // Expected while the database restarts: one line per request, not a stack trace each.
    request.log.warn({ code: appError.code, reason: describeCause(error) }, 'request unavailable');
  } else if (status >= 500) {
    request.log.error({ err: error }, 'request failed');
  } else {
    // The message is safe to log by AppError's contract; it is the reason the caller also reads.
    request.log.info(
      { code: appError.code, status, reason: appError.message || undefined },
      'request refused',
    );
  }
  // A 503's AppError message is written for the caller ("retry shortly"); other 5xx say nothing.
  const message =
    status === 503 ? appError.message : status >= 500 ? 'Internal server error' : appError.message;
  if (appError.retryAfter !== undefined)
    reply.header('retry-after', String(Math.max(1, appError.retryAfter)));
  if (status === 401) setChallenge(request, reply, appError);
  reply.code(status);
  if (reply.request.routeOptions.config.wire === 'mooring' || isMooringPath(request.url)) {
    return reply.send({
      error: { code: appError.code, message: message || UNIFORM_401, requestId: request.id },
    });
  }
  // balena answers most 401s with an empty body; a few carry a message ("Fresh authentication token required").
  if (message === '') return reply.type('text/plain; charset=utf-8').send('');
  return reply.type('application/json; charset=utf-8').send(JSON.stringify(message));
}

/**
 * The one message of every 401 that must not tell apart an unknown, malformed, expired or revoked
 * credential (no oracle). balena's wire keeps its empty body; Mooring's envelope says this.
 */
const UNIFORM_401 = 'Not authenticated: the credential is missing, malformed, unknown, expired or revoked';

/**
 * `WWW-Authenticate` on every 401 (RFC 9110 §11.6.1). A refusal that names what the caller must do
 * (sign, use the header, log in again) carries its own challenge; the uniform one says only that
 * the presented token is not valid (RFC 6750 §3.1 `invalid_token`), or just the scheme when none was.
 */
function setChallenge(request: FastifyRequest, reply: FastifyReply, error: AppError): void {
  if (reply.hasHeader('www-authenticate')) return;
  if (error.challenge) {
    reply.header('www-authenticate', error.challenge.wwwAuthenticate);
    if (error.challenge.acceptSignature) reply.header('accept-signature', error.challenge.acceptSignature);
    return;
  }
  const presented =
    request.headers.authorization !== undefined || (request.url.includes('?') && hasQueryCredential(request));
  reply.header(
    'www-authenticate',
    presented ? 'Bearer realm="mooring", error="invalid_token"' : 'Bearer realm="mooring"',
  );
}

function hasQueryCredential(request: FastifyRequest): boolean {
  try {
    return queryCredential(request.query) !== undefined;
  } catch {
    return true;
  }
}

function isMooringPath(url: string): boolean {
  return url.startsWith('/mooring/');
}

/** Maps Fastify's own errors (body parsing, validation, limits) onto our codes. */
function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  // A database that is away, frozen or busy: the request may succeed later (db/errors.ts decides).
  const unavailable = databaseUnavailability(error);
  if (unavailable) {
    return new AppError('unavailable', 'The database is not available right now; retry shortly', {
      retryAfter: unavailable.retryAfter,
      cause: error,
    });
  }
  const fe = error as Partial<FastifyError> | undefined;
  if (fe && typeof fe === 'object') {
    if (fe.validation) {
      return new AppError('validation', `Invalid request: ${fe.message ?? 'validation failed'}`);
    }
    const byFastifyCode: Record<string, [ErrorCode, string]> = {
      FST_ERR_CTP_BODY_TOO_LARGE: ['payload_too_large', 'Request body is too large'],
      FST_ERR_CTP_INVALID_MEDIA_TYPE: ['unsupported_media_type', 'Unsupported Content-Type'],
      FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['bad_request', 'Content-Length does not match the body'],
      FST_ERR_CTP_EMPTY_JSON_BODY: ['invalid_json', 'Request body is empty but Content-Type is JSON'],
      FST_ERR_CTP_INVALID_JSON_BODY: ['invalid_json', 'Request body is not valid JSON'],
    };
    const mapped = fe.code ? byFastifyCode[fe.code] : undefined;
    if (mapped) return new AppError(mapped[0], mapped[1]);
    if (fe instanceof SyntaxError || fe.statusCode === 400) {
      return new AppError('invalid_json', 'Request body is not valid JSON');
    }
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      return new AppError(codeForStatus(fe.statusCode), fe.message ?? 'Bad request');
    }
  }
  return new AppError('internal', 'Internal server error', { cause: error });
}

/** The driver's message of what made a request unavailable (never a secret: no SQL, no values). */
function describeCause(error: unknown): string | undefined {
  const cause = isAppError(error) ? error.cause : error;
  if (cause === undefined) return isAppError(error) ? error.message : undefined;
  const { code, message } = (cause ?? {}) as { code?: unknown; message?: unknown };
  return [code, message].filter((part) => typeof part === 'string').join(': ') || undefined;
}

function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 405:
      return 'method_not_allowed';
    case 413:
      return 'payload_too_large';
    case 414:
      return 'uri_too_long';
    case 415:
      return 'unsupported_media_type';
    case 429:
      return 'rate_limited';
    case 431:
      return 'header_too_large';
    default:
      return 'bad_request';
  }
}

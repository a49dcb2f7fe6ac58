import type { FastifyInstance, FastifyReply, FastifyRequest, preParsingHookHandler } from 'fastify';
import { AppError } from '../errors/app-error.js';
import { enforceAccess, type FreshLoginRule, type RouteAccess } from './access.js';
import { queryCredential } from './credential-params.js';
import type { CredentialVerifiers, RequestPayload, RequestVerifier } from './credential-verifier.js';
import { extractCredential } from './credentials.js';
import type { Principal } from './principal.js';

/** Where the use of an API key is noted (api-keys/usage-tracker.ts; flushed to `last_used_at` later). */
export interface KeyUseRecorder {
  record(apiKeyId: number): void;
}

export interface AuthenticationOptions {
  readonly verifiers: CredentialVerifiers;
  readonly usage: KeyUseRecorder;
  readonly freshLogin: FreshLoginRule;
}

/**
 * The one hook that turns a request's credential into a Principal, records a key's use and enforces
 * the route's declared access. Any presented credential that does not resolve is a uniform 401 (no
 * oracle for unknown vs expired vs revoked), even on public routes.
 *
 * It runs in `preParsing`, first on every route: a signed request's Content-Digest must be checked
 * against the raw body bytes before anything parses them, and bearer credentials are resolved at the
 * same point so that every kind takes one path. Global `onRequest` hooks (hardening, per-IP
 * throttling) run before it; the per-credential throttle (`preValidation`) after it.
 */
export function registerAuthentication(app: FastifyInstance, options: AuthenticationOptions): void {
  app.decorateRequest('principal', null);
  // Each route gets its own hook with its declared access bound in: reading `request.routeOptions`
  // builds a fresh options object on every access, too much for every request.
  app.addHook('onRoute', (route) => {
    const access = route.config?.access;
    if (!access) {
      throw new Error(`Route ${route.method} ${route.url} does not declare config.access`);
    }
    route.preParsing = [authenticationHook(options, access), ...[route.preParsing ?? []].flat()];
  });
}

/**
 * Plain async code: a synchronous path for cache hits measured within the noise (docs/benchmarks.md
 * "Tried and not kept"); a verified credential is still one map lookup in the credential cache.
 */
function authenticationHook(options: AuthenticationOptions, access: RouteAccess): preParsingHookHandler {
  const { verifiers, usage, freshLogin } = options;
  /** Sets the principal, notes a key's use once, and applies the route's access. */
  const admit = (request: FastifyRequest, principal: Principal | null): void => {
    request.principal = principal;
    if (principal?.apiKeyId !== undefined) usage.record(principal.apiKeyId);
    enforceAccess(access, principal, freshLogin);
  };
  return async (request, reply, payload) => {
    const whole = verifiers.requestVerifierFor(request);
    if (whole) return authenticateWhole(whole, request, reply, payload, admit);
    const credential = extractCredential(request);
    let principal: Principal | null = null;
    if (credential) {
      principal = (await verifiers.bearerFor(credential.value)?.resolve(credential)) ?? null;
      if (!principal) throw new AppError('unauthorized', '');
    }
    admit(request, principal);
    return payload;
  };
}

/** A request-wide credential (a signature): alone, never next to a bearer token. */
async function authenticateWhole(
  verifier: RequestVerifier,
  request: FastifyRequest,
  reply: FastifyReply,
  payload: RequestPayload,
  admit: (request: FastifyRequest, principal: Principal) => void,
): Promise<RequestPayload> {
  if (request.headers.authorization !== undefined || queryCredential(request.query) !== undefined) {
    throw new AppError('ambiguous_credentials', 'Send one credential: a signature or a bearer key, not both');
  }
  const verified = await verifier.verify(request, reply, payload);
  admit(request, verified.principal);
  return verified.payload;
}

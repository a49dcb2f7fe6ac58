import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors/app-error.js';
import type { ActorKind, CredentialVia, Principal } from './principal.js';

/**
 * Every route declares its whole access rule; {@link enforceAccess} enforces it in one place, in the
 * authentication hook (auth/authenticate.ts), before the body is parsed.
 * - `public`: anyone, credentials optional (they are still validated when present).
 * - otherwise: the principal's kind must be listed; when `via` is given, the credential type too;
 *   `admin`: only instance administrators; `freshLogin`: a session whose password login is younger
 *   than MOORING_FRESH_AUTH_SECONDS (balena's sudo rule, COMPAT.md A5), so API keys and signed
 *   requests are refused too.
 */
export type RouteAccess =
  | 'public'
  | {
      readonly actors: readonly ActorKind[];
      readonly via?: readonly CredentialVia[];
      readonly admin?: boolean;
      readonly freshLogin?: boolean;
    };

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    /** Set by the authentication hook before any handler runs; null for anonymous requests. */
    principal: Principal | null;
  }
}

/** What `freshLogin` is measured against: the app's clock and MOORING_FRESH_AUTH_SECONDS. */
export interface FreshLoginRule {
  readonly now: () => number;
  readonly seconds: number;
}

/** The caller of a non-public route; the authentication hook has already ensured there is one. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('unauthorized', '');
  return request.principal;
}

/**
 * The route's declared access applied to the request's principal: 401 without a principal or with
 * the wrong kind of credential for a session-only or fresh-login route, 403 for a valid credential
 * lacking the right.
 */
export function enforceAccess(access: RouteAccess, principal: Principal | null, fresh: FreshLoginRule): void {
  if (access === 'public') return;
  if (!principal) throw new AppError('unauthorized', '');
  if (!access.actors.includes(principal.kind)) {
    throw new AppError('forbidden', `This endpoint is not available to ${principal.kind} credentials`);
  }
  if (access.via && !access.via.includes(principal.via)) {
    throw new AppError(
      principal.via === 'session' ? 'forbidden' : 'unauthorized',
      access.via.includes('session')
        ? 'This endpoint requires a session token: log in with a password (POST /login_) and send the token'
        : `This endpoint does not accept ${principal.via === 'api-key' ? 'API keys' : 'signed requests'}`,
      access.via.includes('session')
        ? {
            challenge: {
              wwwAuthenticate: 'Bearer realm="mooring", error="insufficient_user_authentication"',
            },
          }
        : undefined,
    );
  }
  if (access.admin && !principal.isAdmin) {
    throw new AppError('forbidden', 'Instance administrator rights required');
  }
  if (access.freshLogin && !isFresh(principal, fresh.now(), fresh.seconds)) {
    throw freshAuthRequired(fresh.seconds);
  }
}

/** Whether the principal's password login is recent enough (balena's sudo rule, COMPAT.md A5). */
export function isFresh(principal: Principal, now: number, freshAuthSeconds: number): boolean {
  return (
    principal.via === 'session' &&
    principal.authTime !== undefined &&
    now - principal.authTime <= freshAuthSeconds * 1000
  );
}

/** The 401 without a recent password login (same body as balena's, RFC 9470 challenge). */
export function freshAuthRequired(freshAuthSeconds: number): AppError {
  return new AppError('unauthorized', 'Fresh authentication token required', {
    challenge: {
      wwwAuthenticate: `Bearer realm="mooring", error="insufficient_user_authentication", error_description="A password login within ${freshAuthSeconds} s is required", max_age=${freshAuthSeconds}`,
    },
  });
}

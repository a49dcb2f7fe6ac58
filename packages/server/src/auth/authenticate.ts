import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import { AppError } from '../errors/app-error.js';
import type { RouteAccess } from '../http/route-config.js';
import { isSigned } from '../signatures/is-signed.js';
import type { Authenticator } from './authenticator.js';
import { extractCredential, type PresentedCredential } from './credentials.js';
import type { Principal } from './principal.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authenticate hook before any handler runs; null for anonymous requests. */
    principal: Principal | null;
  }
}

/**
 * The one plugin that turns a credential into a Principal and enforces each route's declared access.
 * Any presented credential that does not resolve is a uniform 401 (no oracle for unknown vs expired
 * vs revoked), even on public routes.
 */
export function registerAuthentication(app: FastifyInstance, authenticator: Authenticator): void {
  app.decorateRequest('principal', null);

  // Each route gets its own authentication hook, with its declared access bound in: reading
  // `request.routeOptions` builds a fresh options object on every access, too much for every request.
  // Route-level onRequest hooks run after the global ones (hardening, throttling), as before; this
  // one goes first among them.
  app.addHook('onRoute', (route) => {
    const access = route.config?.access;
    if (!access) {
      throw new Error(`Route ${route.method} ${route.url} does not declare config.access`);
    }
    route.onRequest = [authenticationHook(authenticator, access), ...[route.onRequest ?? []].flat()];
  });
}

/**
 * Callback style with a synchronous cache hit: the steady state of every client (a key or token
 * verified within the cache TTL) costs no promise. Only a miss waits for the database.
 */
function authenticationHook(authenticator: Authenticator, access: RouteAccess): onRequestHookHandler {
  return (request, _reply, done) => {
    if (isSigned(request)) return done(); // RFC 9421: verified against the raw body in preParsing (src/signatures)
    const settle = (principal: Principal | null, presented: boolean): void => {
      if (presented && !principal) {
        done(new AppError('unauthorized', ''));
        return;
      }
      request.principal = principal;
      let refused: Error | undefined;
      try {
        enforceAccess(access, principal);
      } catch (error) {
        refused = error as Error;
      }
      done(refused);
    };
    let credential: PresentedCredential | null;
    try {
      credential = extractCredential(request);
    } catch (error) {
      return done(error as Error);
    }
    if (!credential) return settle(null, false);
    let cached: Principal | null | undefined;
    try {
      cached = authenticator.resolveCached(credential);
    } catch (error) {
      return done(error as Error);
    }
    if (cached !== undefined) return settle(cached, true);
    authenticator.resolve(credential).then(
      (principal) => settle(principal, true),
      (error: unknown) => done(error as Error),
    );
  };
}

export function enforceAccess(access: RouteAccess, principal: Principal | null): void {
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
}

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../config/clock.js';
import type { RateLimitConfig } from '../config/config.js';
import { AppError, isAppError } from '../errors/app-error.js';
import { RateLimiter } from './rate-limiter.js';

export interface Throttles {
  readonly perIp: RateLimiter | undefined;
  readonly perCredential: RateLimiter | undefined;
  readonly authFailures: RateLimiter | undefined;
}

export function createThrottles(config: RateLimitConfig, clock: Clock): Throttles {
  const windowMs = config.windowSeconds * 1000;
  const rule = (limit: number, ms: number) =>
    limit === 0 ? undefined : new RateLimiter({ limit, windowMs: ms, blockMs: ms }, clock);
  return {
    perIp: rule(config.perIp, windowMs),
    perCredential: rule(config.perCredential, windowMs),
    authFailures: rule(config.authFailures, config.authFailureWindowSeconds * 1000),
  };
}

const throttled = (seconds: number): AppError =>
  new AppError('rate_limited', 'Too many requests; retry later', { retryAfter: seconds });

/**
 * Request throttling in three in-memory limiters (per instance, docs/adr/0003-rate-limits.md):
 * - per client IP, counted before authentication so floods cost one map lookup;
 * - failed authentications per IP: once over the limit the IP gets 429 for every request, before its
 *   credential is even looked at, so a throttled request never answers 401 (which would let
 *   guessing go on);
 * - per credential, after authentication (auth/authenticate.ts runs in preParsing, so the check
 *   sits in preValidation, where the principal is known).
 * Synchronous hooks: each costs a Map lookup on the hot path.
 * The IP limits skip the loopback interface: what arrives there is a local reverse proxy (where
 * every client would share one budget, and one attacker could lock all of them out) or the operator.
 * Behind a proxy, set MOORING_TRUST_PROXY so each client's own address counts.
 */
export function registerThrottling(app: FastifyInstance, throttles: Throttles): void {
  const { perIp, perCredential, authFailures } = throttles;
  if (perIp || authFailures) {
    app.addHook('onRequest', (request, _reply, done) => {
      const ip = request.ip;
      const blocked = isLoopback(ip) ? 0 : authFailures?.retryAfter(ip) || perIp?.hit(ip) || 0;
      done(blocked > 0 ? throttled(blocked) : undefined);
    });
  }
  if (authFailures) {
    app.addHook('onError', (request, _reply, error, done) => {
      if (isAppError(error) && error.code === 'unauthorized' && !isLoopback(request.ip))
        authFailures.hit(request.ip);
      done();
    });
  }
  if (perCredential) {
    app.addHook('preValidation', (request, _reply, done) => {
      const key = credentialKey(request);
      const blocked = key === undefined ? 0 : perCredential.hit(key);
      done(blocked > 0 ? throttled(blocked) : undefined);
    });
  }
}

function credentialKey(request: FastifyRequest): string | undefined {
  const p = request.principal;
  if (!p) return undefined;
  if (p.apiKeyId !== undefined) return `k${p.apiKeyId}`;
  if (p.sessionId !== undefined) return `s${p.sessionId}`;
  return `a${p.actorId}`;
}

/** The loopback interface (IPv4, IPv6, IPv4-mapped): exempt from per-IP limits, see above. */
export function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1' || ip.startsWith('::ffff:127.');
}

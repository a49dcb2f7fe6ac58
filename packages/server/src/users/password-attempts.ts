import { RateLimiter } from '../auth/rate-limiter.js';
import { isLoopback } from '../auth/throttle.js';
import type { Clock } from '../config/clock.js';
import { AppError } from '../errors/app-error.js';
import type { ClientInfo } from '../http/client-info.js';
import { verifyPassword } from './passwords.js';
import type { UserRow } from './users.repository.js';

/**
 * Password guessing limits, shared by every place that checks a password: `/login_`, the password
 * change (`currentPassword`) and re-authentication through `/user/v1/refresh-token`. One budget per
 * secret, so three doors do not give an attacker three times the guesses.
 */
export interface LoginLimiters {
  /** Keyed on the lower-cased username: 10 attempts per 2 h, then blocked 1 h (COMPAT.md A1). */
  readonly perUsername: RateLimiter;
  /** Keyed on the client IP: counts failures only, so many users behind one NAT can still log in. */
  readonly perIpFailures: RateLimiter;
}

const HOUR = 3_600_000;

export function createLoginLimiters(clock: Clock): LoginLimiters {
  return {
    perUsername: new RateLimiter({ limit: 10, windowMs: 2 * HOUR, blockMs: HOUR }, clock),
    perIpFailures: new RateLimiter({ limit: 50, windowMs: HOUR / 4, blockMs: HOUR / 4 }, clock),
  };
}

/**
 * The per-IP key of a client, or undefined on the loopback interface. What arrives there is a local
 * reverse proxy (without MOORING_TRUST_PROXY every client shares its address, so 50 bad logins from
 * anyone would lock every user out) or the operator: per-IP counting means nothing there, and the
 * per-username limit still bounds guessing of any one password. Same rule as auth/throttle.ts.
 */
export function perIpKey(client: ClientInfo): string | undefined {
  const ip = client.ip ?? 'unknown';
  return isLoopback(ip) ? undefined : ip;
}

/** Seconds the username or the client must still wait, or 0. */
export function blockedFor(limiters: LoginLimiters, loginName: string, client: ClientInfo): number {
  const ip = perIpKey(client);
  return Math.max(
    limiters.perUsername.retryAfter(loginName),
    ip === undefined ? 0 : limiters.perIpFailures.retryAfter(ip),
  );
}

export function tooManyAttempts(seconds: number): AppError {
  return new AppError('rate_limited', 'Too many password attempts, try again later', { retryAfter: seconds });
}

/**
 * Checks the password of a known user (the caller already holds a session) under the same limits
 * as a login: 429 with Retry-After once blocked, the attempt counted against the username before the
 * hash is computed, a failure counted against the client IP, a success clearing the username.
 */
export async function checkUserPassword(
  limiters: LoginLimiters,
  user: UserRow,
  password: string,
  client: ClientInfo,
): Promise<boolean> {
  const name = user.username.toLowerCase();
  const blocked = blockedFor(limiters, name, client);
  if (blocked > 0) throw tooManyAttempts(blocked);
  limiters.perUsername.hit(name);
  const ok = password !== '' && (await verifyPassword(user.password_hash, password));
  if (!ok) {
    const ip = perIpKey(client);
    if (ip !== undefined) limiters.perIpFailures.hit(ip);
    return false;
  }
  limiters.perUsername.reset(name);
  return true;
}

import { recordAuditEvent } from '../audit/audit.repository.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors/app-error.js';
import type { ClientInfo } from '../http/client-info.js';
import { blockedFor, type LoginLimiters, perIpKey } from '../users/password-attempts.js';
import { burnPasswordCheck, verifyPassword } from '../users/passwords.js';
import { findUserByLogin } from '../users/users.repository.js';
import { startSession } from './sessions.service.js';

/**
 * Password login → session token. Every failure is the same `unauthorized` with an empty message
 * (COMPAT.md A1: 401 with an empty body), and costs the same time whether or not the user exists.
 */
export async function login(
  ctx: AppContext,
  limiters: LoginLimiters,
  body: { username: string; password: string },
  client: ClientInfo,
): Promise<string> {
  const loginName = body.username.trim().toLowerCase();
  // Undefined on loopback: per-IP counting is off there, the per-username limit still applies.
  const ipKey = perIpKey(client);
  const blocked = blockedFor(limiters, loginName, client);
  if (blocked > 0) {
    await audit(ctx, 'login.throttled', client, { username: loginName.slice(0, 255) });
    throw tooMany(blocked);
  }
  limiters.perUsername.hit(loginName);

  const user = loginName === '' ? undefined : await findUserByLogin(ctx.db, loginName);
  let ok = false;
  if (user) ok = await verifyPassword(user.password_hash, body.password);
  else await burnPasswordCheck(body.password);
  if (!user || !ok || body.password === '') {
    if (ipKey !== undefined) limiters.perIpFailures.hit(ipKey);
    await audit(ctx, 'login.failed', client, { username: loginName.slice(0, 255) }, user?.id, user?.actor);
    throw new AppError('unauthorized', '');
  }
  limiters.perUsername.reset(loginName);
  const token = await startSession(ctx, user, client);
  await audit(ctx, 'login.succeeded', client, undefined, user.id, user.actor);
  return token;
}

function tooMany(seconds: number): AppError {
  return new AppError('rate_limited', 'Too many login attempts, try again later', { retryAfter: seconds });
}

async function audit(
  ctx: AppContext,
  type: 'login.succeeded' | 'login.failed' | 'login.throttled',
  client: ClientInfo,
  details?: Record<string, unknown>,
  userId?: number,
  actorId?: number,
): Promise<void> {
  await recordAuditEvent(ctx.db, {
    type,
    at: ctx.clock.now(),
    userId: userId ?? null,
    actorId: actorId ?? null,
    ip: client.ip,
    ...(details ? { details } : {}),
  });
}

import { randomBytes } from 'node:crypto';
import { recordAuditEvent } from '../audit/audit.repository.js';
import type { Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors/app-error.js';
import type { ClientInfo } from '../http/client-info.js';
import { checkUserPassword, type LoginLimiters } from '../users/password-attempts.js';
import { findUserById, type UserRow } from '../users/users.repository.js';
import { signSessionToken, verifySessionToken } from './session-token.js';
import {
  extendSession,
  findSession,
  insertSession,
  listLiveSessions,
  revokeSession,
  revokeUserSessions,
  type SessionRow,
} from './sessions.repository.js';

/** Starts a session after a password login and returns its token. */
export async function startSession(ctx: AppContext, user: UserRow, client: ClientInfo): Promise<string> {
  const now = ctx.clock.now();
  // 128 bits: the session id is not a secret on its own (the JWT signature is), but must not collide.
  const sessionId = randomBytes(16).toString('base64url');
  const expiresAt = now + ctx.config.sessionLifetimeSeconds * 1000;
  await insertSession(ctx.db, {
    id: sessionId,
    user: user.id,
    auth_time: now,
    created_at: now,
    expires_at: expiresAt,
    last_refreshed_at: now,
    user_agent: client.userAgent?.slice(0, 512) ?? null,
    ip_address: client.ip,
  });
  return signSessionToken(ctx.keys.jwt, {
    userId: user.id,
    sessionId,
    authTime: now,
    issuedAtMs: now,
    expiresAtMs: expiresAt,
  });
}

/** A fresh token for the same session: same `authTime`, new `iat` and `exp` (COMPAT.md A3). */
export async function refreshSession(ctx: AppContext, principal: Principal): Promise<string> {
  return renewSession(ctx, principal, undefined);
}

/**
 * `POST /user/v1/refresh-token` with `password` (COMPAT.md A3): the password again, under the login
 * limits, re-stamps the session's password login. The session row is what authentication reads
 * `authTime` from (resolveSessionToken), so it is updated with the token: a token that says "fresh"
 * is fresh for key creation too. A wrong password is balena's empty 401.
 */
export async function reauthenticateSession(
  ctx: AppContext,
  limiters: LoginLimiters,
  principal: Principal,
  password: string,
  client: ClientInfo,
): Promise<string> {
  const user = principal.userId === undefined ? undefined : await findUserById(ctx.db, principal.userId);
  // The route's access (SESSION_USER) admits sessions only; renewSession needs the session's id.
  if (!user || !(await checkUserPassword(limiters, user, password, client))) {
    throw new AppError('unauthorized', '');
  }
  return renewSession(ctx, principal, ctx.clock.now());
}

async function renewSession(
  ctx: AppContext,
  principal: Principal,
  reauthenticatedAt: number | undefined,
): Promise<string> {
  // Only a session principal has a sessionId (routes declare SESSION_USER).
  if (principal.sessionId === undefined || principal.userId === undefined) {
    throw new AppError('unauthorized', '');
  }
  const now = ctx.clock.now();
  const expiresAt = now + ctx.config.sessionLifetimeSeconds * 1000;
  if (!(await extendSession(ctx.db, principal.sessionId, expiresAt, now, reauthenticatedAt))) {
    throw new AppError('unauthorized', '');
  }
  return signSessionToken(ctx.keys.jwt, {
    userId: principal.userId,
    sessionId: principal.sessionId,
    authTime: reauthenticatedAt ?? principal.authTime ?? now,
    issuedAtMs: now,
    expiresAtMs: expiresAt,
  });
}

/**
 * Token → Principal, or null for any invalid, expired or revoked session (one uniform 401).
 * The session row is authoritative: a revoked session is refused even though its JWT still verifies.
 */
export async function resolveSessionToken(
  ctx: AppContext,
  token: string,
): Promise<{ principal: Principal; expiresAt: number } | null> {
  const now = ctx.clock.now();
  const claims = await verifySessionToken(ctx.keys.jwt, token, now);
  if (!claims) return null;
  const session = await findSession(ctx.db, claims.jti);
  if (!session || session.revoked_at !== null || session.expires_at <= now || session.user !== claims.id) {
    return null;
  }
  const user = await findUserById(ctx.db, session.user);
  if (!user) return null;
  const principal: Principal = {
    actorId: user.actor,
    kind: 'user',
    via: 'session',
    userId: user.id,
    applicationId: undefined,
    deviceId: undefined,
    isAdmin: user.is_admin === 1,
    sessionId: session.id,
    authTime: session.auth_time,
    apiKeyId: undefined,
    limits: undefined,
  };
  return { principal, expiresAt: Math.min(session.expires_at, claims.exp * 1000) };
}

export interface SessionView {
  readonly id: string;
  readonly createdAt: string;
  readonly authenticatedAt: string;
  readonly expiresAt: string;
  readonly lastRefreshedAt: string;
  readonly userAgent: string | null;
  readonly ipAddress: string | null;
  readonly current: boolean;
}

export async function listSessions(ctx: AppContext, principal: Principal): Promise<SessionView[]> {
  const rows = await listLiveSessions(ctx.db, requireUser(principal), ctx.clock.now());
  return rows.map((row) => toView(row, principal.sessionId));
}

export async function revokeOneSession(
  ctx: AppContext,
  principal: Principal,
  sessionId: string,
): Promise<void> {
  const userId = requireUser(principal);
  // Another user's session id answers 404 like an unknown one: no existence oracle.
  if (!(await revokeSession(ctx.db, userId, sessionId, ctx.clock.now()))) {
    throw new AppError('not_found', 'No such active session');
  }
  await ctx.invalidateCredentials();
  await recordAuditEvent(ctx.db, {
    type: 'session.revoked',
    at: ctx.clock.now(),
    userId,
    actorId: principal.actorId,
    details: { sessionId },
  });
}

/** "Log out everywhere": every session but the caller's own. Returns how many were revoked. */
export async function revokeOtherSessions(ctx: AppContext, principal: Principal): Promise<number> {
  const revoked = await revokeUserSessions(
    ctx.db,
    requireUser(principal),
    ctx.clock.now(),
    principal.sessionId,
  );
  await ctx.invalidateCredentials();
  await recordAuditEvent(ctx.db, {
    type: 'session.revoked_all',
    at: ctx.clock.now(),
    userId: principal.userId ?? null,
    actorId: principal.actorId,
    details: { revoked: revoked.length },
  });
  return revoked.length;
}

function requireUser(principal: Principal): number {
  if (principal.userId === undefined) throw new AppError('forbidden', 'Only users have sessions');
  return principal.userId;
}

function toView(row: SessionRow, currentId: string | undefined): SessionView {
  const iso = (ms: number): string => new Date(ms).toISOString();
  return {
    id: row.id,
    createdAt: iso(row.created_at),
    authenticatedAt: iso(row.auth_time),
    expiresAt: iso(row.expires_at),
    lastRefreshedAt: iso(row.last_refreshed_at),
    userAgent: row.user_agent,
    ipAddress: row.ip_address,
    current: row.id === currentId,
  };
}

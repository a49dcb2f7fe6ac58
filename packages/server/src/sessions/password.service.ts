import { recordAuditEvent } from '../audit/audit.repository.js';
import type { Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors/app-error.js';
import type { ClientInfo } from '../http/client-info.js';
import { checkUserPassword, type LoginLimiters } from '../users/password-attempts.js';
import { hashPassword, validateNewPassword } from '../users/passwords.js';
import { findUserById, updatePasswordHash } from '../users/users.repository.js';
import { revokeUserSessions } from './sessions.repository.js';

/**
 * Changes the caller's password and revokes every other session of theirs. `currentPassword` is a
 * password guess like a login's: it counts against the same per-username and per-IP limits (a stolen
 * session must not become an unlimited password oracle), 429 with Retry-After once blocked.
 */
export async function changePassword(
  ctx: AppContext,
  principal: Principal,
  input: { currentPassword: string; newPassword: string },
  limiters: LoginLimiters,
  client: ClientInfo,
): Promise<{ revokedSessions: number }> {
  if (principal.userId === undefined) throw new AppError('forbidden', 'Only users have passwords');
  const user = await findUserById(ctx.db, principal.userId);
  if (!user) throw new AppError('forbidden', 'Current password is incorrect');
  if (!(await checkUserPassword(limiters, user, input.currentPassword, client))) {
    throw new AppError('forbidden', 'Current password is incorrect');
  }
  const now = ctx.clock.now();
  await updatePasswordHash(ctx.db, user.id, await hashPassword(validateNewPassword(input.newPassword)), now);
  const revoked = await revokeUserSessions(ctx.db, user.id, now, principal.sessionId);
  await ctx.invalidateCredentials();
  await recordAuditEvent(ctx.db, {
    type: 'password.changed',
    at: now,
    userId: user.id,
    actorId: user.actor,
    details: { revokedSessions: revoked.length },
  });
  return { revokedSessions: revoked.length };
}

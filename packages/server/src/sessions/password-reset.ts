import { randomBytes } from 'node:crypto';
import { recordAuditEvent } from '../audit/audit.repository.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { hashPassword, validateNewPassword } from '../users/passwords.js';
import { findUserByLogin, updatePasswordHash } from '../users/users.repository.js';
import { revokeUserSessions } from './sessions.repository.js';

export type PasswordResetResult =
  | {
      readonly ok: true;
      readonly username: string;
      /** Set only when no password was given: shown once, never stored in clear. */
      readonly generatedPassword: string | undefined;
      readonly revokedSessions: number;
    }
  | { readonly ok: false; readonly reason: 'unknown_user' | 'invalid_password'; readonly message: string };

/**
 * The operator's way back in (`mooring admin reset-password`, run on the server's machine against its
 * database): sets a new password, given or generated (96 random bits, like the first start's), and
 * revokes every session of the user, since whoever held one may be why the password is reset.
 * Needs no running server and no login: access to the database is the authority.
 */
export async function resetPassword(
  db: Database,
  input: { readonly login: string; readonly password?: string; readonly now: number },
): Promise<PasswordResetResult> {
  let password = input.password;
  if (password !== undefined) {
    try {
      password = validateNewPassword(password);
    } catch (error) {
      if (error instanceof AppError) return { ok: false, reason: 'invalid_password', message: error.message };
      throw error;
    }
  }
  const user = await findUserByLogin(db, input.login);
  if (!user)
    return { ok: false, reason: 'unknown_user', message: `no user "${input.login}" in this database` };
  const generatedPassword = password === undefined ? randomBytes(12).toString('base64url') : undefined;
  await updatePasswordHash(db, user.id, await hashPassword(password ?? generatedPassword ?? ''), input.now);
  const revoked = await revokeUserSessions(db, user.id, input.now);
  await recordAuditEvent(db, {
    type: 'password.changed',
    at: input.now,
    userId: user.id,
    actorId: null,
    details: { reset: 'offline', revokedSessions: revoked.length },
  });
  return { ok: true, username: user.username, generatedPassword, revokedSessions: revoked.length };
}

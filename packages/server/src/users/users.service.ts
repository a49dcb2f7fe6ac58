import { recordAuditEvent } from '../audit/audit.repository.js';
import type { Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { isUniqueViolation } from '../db/errors.js';
import { AppError } from '../errors/app-error.js';
import { hashPassword, validateNewPassword } from './passwords.js';
import { insertUser, listUsers, type UserRow } from './users.repository.js';

export interface UserView {
  readonly id: number;
  readonly actor: number;
  readonly username: string;
  readonly email: string | null;
  readonly isAdmin: boolean;
  readonly createdAt: string;
}

const USERNAME = /^[a-zA-Z0-9_.-]{3,64}$/;
const EMAIL = /^[^@\s]{1,64}@[^@\s]{1,190}$/;

export async function createUser(
  ctx: AppContext,
  input: { username: string; email?: string | null; password: string; isAdmin?: boolean },
  by?: Principal,
): Promise<UserView> {
  if (!USERNAME.test(input.username)) {
    throw new AppError('validation', 'Username must be 3–64 characters: letters, digits, "_", "." or "-"');
  }
  const email = input.email ?? null;
  if (email !== null && !EMAIL.test(email)) throw new AppError('validation', 'E-mail address is not valid');
  const passwordHash = await hashPassword(validateNewPassword(input.password));
  const now = ctx.clock.now();
  const user = await insertUser(ctx.db, {
    username: input.username,
    email,
    passwordHash,
    isAdmin: input.isAdmin ?? false,
    now,
  }).catch((error: unknown) => {
    throw uniqueToConflict(error, 'A user with this username or e-mail already exists');
  });
  await recordAuditEvent(ctx.db, {
    type: 'user.created',
    at: now,
    userId: by?.userId ?? user.id,
    actorId: by?.actorId ?? null,
    details: { userId: user.id, username: user.username },
  });
  return toUserView(user);
}

export async function getUsers(ctx: AppContext): Promise<UserView[]> {
  return (await listUsers(ctx.db)).map(toUserView);
}

export function toUserView(user: UserRow): UserView {
  return {
    id: user.id,
    actor: user.actor,
    username: user.username,
    email: user.email,
    isAdmin: user.is_admin === 1,
    createdAt: new Date(user.created_at).toISOString(),
  };
}

/** Unique-constraint violations from either driver become a 409; anything else propagates. */
export function uniqueToConflict(error: unknown, message: string): unknown {
  return isUniqueViolation(error) ? new AppError('conflict', message) : error;
}

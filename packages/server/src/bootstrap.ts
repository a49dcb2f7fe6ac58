import { randomBytes } from 'node:crypto';
import type { AppContext } from './context.js';
import { isUniqueViolation } from './db/errors.js';
import { insertOrganization, upsertMembership } from './organizations/organizations.repository.js';
import { hashPassword } from './users/passwords.js';
import { countUsers, insertUser } from './users/users.repository.js';

export interface BootstrapResult {
  readonly username: string;
  /** Set only when Mooring generated the password: shown once, never stored in clear. */
  readonly generatedPassword: string | undefined;
}

/**
 * First start on an empty database: user `admin` (instance administrator) in organization `admin`,
 * like the open-source balena server. Safe against several instances starting at once: the loser of
 * the unique-constraint race simply does nothing.
 */
export async function bootstrapAdmin(ctx: AppContext): Promise<BootstrapResult | undefined> {
  if ((await countUsers(ctx.db)) > 0) return undefined;
  const generatedPassword =
    ctx.config.adminPassword === undefined ? randomBytes(12).toString('base64url') : undefined;
  const password = ctx.config.adminPassword ?? generatedPassword ?? '';
  const now = ctx.clock.now();
  try {
    const user = await insertUser(ctx.db, {
      username: 'admin',
      email: ctx.config.adminEmail,
      passwordHash: await hashPassword(password),
      isAdmin: true,
      now,
    });
    const org = await insertOrganization(ctx.db, { name: 'admin', handle: 'admin', now });
    await upsertMembership(ctx.db, { userId: user.id, organizationId: org.id, role: 'administrator', now });
  } catch (error) {
    if (isUniqueViolation(error)) return undefined;
    throw error;
  }
  return { username: 'admin', generatedPassword };
}

import { recordAuditEvent } from '../audit/audit.repository.js';
import type { Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors/app-error.js';
import { deleteMembership, findMembershipRole } from './membership.repository.js';
import { findOrganization } from './organizations.repository.js';

/**
 * Removes a user from an organization. Allowed to instance administrators and the organization's
 * administrators (not through a limited key); the last administrator cannot be removed (409), so an
 * organization is never left without someone who can manage it. Access goes at once: rights are
 * read from the membership table on every request, and every instance drops what it cached about
 * credentials (invalidateCredentials) after the commit.
 */
export async function removeMember(
  ctx: AppContext,
  input: { organizationId: number; userId: number },
  by: Principal,
): Promise<void> {
  const org = await findOrganization(ctx.db, input.organizationId);
  const byRole =
    by.userId === undefined ? undefined : await findMembershipRole(ctx.db, input.organizationId, by.userId);
  // Someone outside the organization learns nothing about it, not even that it exists.
  if (!org || (!by.isAdmin && byRole === undefined)) throw new AppError('not_found', 'No such organization');
  if (!by.isAdmin && (byRole !== 'administrator' || by.limits !== undefined)) {
    throw new AppError('forbidden', 'Only administrators of the organization may remove members');
  }
  const outcome = await deleteMembership(ctx.db, input.organizationId, input.userId);
  if (outcome === 'not_member')
    throw new AppError('not_found', 'This user is not a member of the organization');
  if (outcome === 'last_administrator') {
    throw new AppError('conflict', 'The last administrator of an organization cannot be removed');
  }
  await ctx.invalidateCredentials();
  await recordAuditEvent(ctx.db, {
    type: 'membership.removed',
    at: ctx.clock.now(),
    userId: by.userId ?? null,
    actorId: by.actorId,
    details: input,
  });
}

import { recordAuditEvent } from '../audit/audit.repository.js';
import type { Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors/app-error.js';
import { findUserById } from '../users/users.repository.js';
import { uniqueToConflict } from '../users/users.service.js';
import {
  findOrganization,
  insertOrganization,
  listOrganizations,
  type OrganizationRow,
  upsertMembership,
} from './organizations.repository.js';

const HANDLE = /^[a-z0-9][a-z0-9_-]{0,219}$/;

export async function createOrganization(
  ctx: AppContext,
  input: { name: string; handle?: string },
  by: Principal | undefined,
): Promise<OrganizationRow> {
  const name = input.name.trim();
  if (name === '' || name.length > 255)
    throw new AppError('validation', 'Organization name must be 1–255 characters');
  const handle = (input.handle ?? name).toLowerCase().replace(/[^a-z0-9_-]+/g, '-');
  if (!HANDLE.test(handle)) {
    throw new AppError('validation', 'Organization handle must be 1–220 characters: a-z, 0-9, "_" or "-"');
  }
  const now = ctx.clock.now();
  const org = await insertOrganization(ctx.db, { name, handle, now }).catch((error: unknown) => {
    throw uniqueToConflict(error, `"organization" and "handle" must be unique.`);
  });
  await recordAuditEvent(ctx.db, {
    type: 'organization.created',
    at: now,
    userId: by?.userId ?? null,
    actorId: by?.actorId ?? null,
    details: { organizationId: org.id, handle },
  });
  return org;
}

export async function addMember(
  ctx: AppContext,
  input: { organizationId: number; userId: number; role: 'administrator' | 'member' },
  by: Principal | undefined,
): Promise<void> {
  if (!(await findOrganization(ctx.db, input.organizationId)))
    throw new AppError('not_found', 'No such organization');
  if (!(await findUserById(ctx.db, input.userId))) throw new AppError('not_found', 'No such user');
  const now = ctx.clock.now();
  await upsertMembership(ctx.db, { ...input, now });
  await recordAuditEvent(ctx.db, {
    type: 'membership.changed',
    at: now,
    userId: by?.userId ?? null,
    actorId: by?.actorId ?? null,
    details: input,
  });
}

export function getOrganizations(ctx: AppContext): Promise<OrganizationRow[]> {
  return listOrganizations(ctx.db);
}

import type { Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors/app-error.js';
import { listAuditEventsForUser } from './audit.repository.js';

export interface AuditEventView {
  readonly id: number;
  readonly at: string;
  readonly type: string;
  readonly ipAddress: string | null;
  readonly details: unknown;
}

/** The caller's own audit trail (logins, sessions, keys), newest first. */
export async function getMyAuditEvents(
  ctx: AppContext,
  principal: Principal,
  limit: number,
): Promise<AuditEventView[]> {
  if (principal.userId === undefined) throw new AppError('forbidden', 'Only users have an audit trail');
  const rows = await listAuditEventsForUser(ctx.db, principal.userId, limit);
  return rows.map((row) => ({
    id: row.id,
    at: new Date(row.created_at).toISOString(),
    type: row.type,
    ipAddress: row.ip_address,
    details: row.details === null ? null : (JSON.parse(row.details) as unknown),
  }));
}

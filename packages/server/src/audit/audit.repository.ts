import type { Database } from '../db/database.js';

export type AuditEventType =
  | 'login.succeeded'
  | 'login.failed'
  | 'login.throttled'
  | 'session.revoked'
  | 'session.revoked_all'
  | 'password.changed'
  | 'user.created'
  | 'organization.created'
  | 'membership.changed'
  | 'membership.removed'
  | 'api_key.created'
  | 'api_key.rotated'
  | 'api_key.revoked'
  | 'api_key.updated'
  | 'api_key.expiry_changed';

export interface AuditEvent {
  readonly type: AuditEventType;
  readonly at: number;
  readonly actorId?: number | null;
  readonly userId?: number | null;
  readonly ip?: string | null;
  /** Never a secret: ids, names, reasons. */
  readonly details?: Record<string, unknown>;
}

export async function recordAuditEvent(db: Database, event: AuditEvent): Promise<void> {
  await db.kysely
    .insertInto('audit_event')
    .values({
      created_at: event.at,
      actor: event.actorId ?? null,
      user: event.userId ?? null,
      type: event.type,
      ip_address: event.ip ?? null,
      details: event.details ? JSON.stringify(event.details) : null,
    })
    .execute();
}

export interface AuditEventRow {
  readonly id: number;
  readonly created_at: number;
  readonly type: string;
  readonly ip_address: string | null;
  readonly details: string | null;
}

/**
 * A user's events, newest first: `before` (an event id) pages backwards, `typePrefix` keeps one family
 * of events (`api_key.`).
 */
export async function listAuditEventsForUser(
  db: Database,
  userId: number,
  limit: number,
  options: { readonly before?: number; readonly typePrefix?: string } = {},
): Promise<AuditEventRow[]> {
  let query = db.kysely
    .selectFrom('audit_event')
    .select(['id', 'created_at', 'type', 'ip_address', 'details'])
    .where('user', '=', userId);
  if (options.before !== undefined) query = query.where('id', '<', options.before);
  if (options.typePrefix !== undefined) query = query.where('type', 'like', `${options.typePrefix}%`);
  return query.orderBy('id', 'desc').limit(limit).execute();
}

import { readableKeyIds } from '../api-keys/api-keys.service.js';
import { type AuditEventRow, listAuditEventsForUser } from '../audit/audit.repository.js';
import type { Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors/app-error.js';

export interface AuditEventView {
  readonly id: number;
  readonly at: string;
  readonly type: string;
  readonly ipAddress: string | null;
  readonly details: unknown;
}

/**
 * Which of the owner's events a credential may read: the rights over what an event is about
 * (issue 18 §5). A session or an unlimited key has the owner's full rights: everything. A limited
 * key never reads account events (logins, sessions, password, administration: names and IP
 * addresses no scope covers); it reads key events only with a `keys` scope, and when it is limited
 * to fleets only those about keys it may read now (permission module) — a deleted key's events
 * cannot be placed in a fleet any more, so they are not shown.
 */
type AuditScope = 'everything' | 'nothing' | 'key-events' | 'readable-key-events';

function auditScope(principal: Principal): AuditScope {
  const limits = principal.limits;
  if (!limits) return 'everything';
  if (!limits.areas.keys) return 'nothing';
  return limits.fleetIds === null ? 'key-events' : 'readable-key-events';
}

const KEY_EVENTS = 'api_key.';
/** Rows read per pass when a page is filtered after reading, and passes at most (bounded work). */
const BATCH = 200;
const MAX_PASSES = 10;

/** The caller's own audit trail (logins, sessions, keys), newest first, as far as its rights go. */
export async function getMyAuditEvents(
  ctx: AppContext,
  principal: Principal,
  limit: number,
): Promise<AuditEventView[]> {
  if (principal.userId === undefined) throw new AppError('forbidden', 'Only users have an audit trail');
  const scope = auditScope(principal);
  if (scope === 'nothing') return [];
  if (scope !== 'readable-key-events') {
    const typePrefix = scope === 'key-events' ? KEY_EVENTS : undefined;
    const rows = await listAuditEventsForUser(ctx.db, principal.userId, limit, { typePrefix });
    return rows.map(toView);
  }
  const out: AuditEventRow[] = [];
  let before: number | undefined;
  for (let pass = 0; pass < MAX_PASSES && out.length < limit; pass++) {
    const rows = await listAuditEventsForUser(ctx.db, principal.userId, BATCH, {
      typePrefix: KEY_EVENTS,
      ...(before === undefined ? {} : { before }),
    });
    const readable = await readableKeyIds(ctx, principal, rows.map(keyIdOf).filter(isId));
    out.push(...rows.filter((row) => readable.has(keyIdOf(row) ?? -1)));
    if (rows.length < BATCH) break;
    before = rows[rows.length - 1]?.id;
  }
  return out.slice(0, limit).map(toView);
}

function toView(row: AuditEventRow): AuditEventView {
  return {
    id: row.id,
    at: new Date(row.created_at).toISOString(),
    type: row.type,
    ipAddress: row.ip_address,
    details: row.details === null ? null : (JSON.parse(row.details) as unknown),
  };
}

function keyIdOf(row: AuditEventRow): number | undefined {
  if (row.details === null) return undefined;
  const { keyId } = JSON.parse(row.details) as { keyId?: unknown };
  return typeof keyId === 'number' ? keyId : undefined;
}

const isId = (id: number | undefined): id is number => id !== undefined;

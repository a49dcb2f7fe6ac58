import type { Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors/app-error.js';
import { readableKeyIds } from './api-keys.service.js';
import { lastUsedAt, usageSince } from './usage.repository.js';
import { USAGE_RETENTION_DAYS, utcDay } from './usage-tracker.js';

const DAY = 86_400_000;

export interface KeyUsage {
  readonly keyId: number;
  /** ISO time of the last recorded use (written at most once a minute), or null if never used. */
  readonly lastUsedAt: string | null;
  /** Requests in the window. */
  readonly total: number;
  /** One entry per UTC day of the window, oldest first, today last; days without use count 0. */
  readonly days: readonly { readonly day: string; readonly requests: number }[];
}

/**
 * `GET /mooring/v1/keys/:id/usage`: requests per UTC day for the last `days` days (today included),
 * for a key the caller may read; any other id is a 404, so existence does not leak. Counts reach the
 * database on the usage tracker's flush (every few seconds), not per request.
 */
export async function keyUsage(
  ctx: AppContext,
  principal: Principal,
  keyId: number,
  days: number,
): Promise<KeyUsage> {
  if (!Number.isInteger(days) || days < 1 || days > USAGE_RETENTION_DAYS) {
    throw new AppError('validation', `days must be an integer from 1 to ${USAGE_RETENTION_DAYS}`);
  }
  if (!(await readableKeyIds(ctx, principal, [keyId])).has(keyId)) {
    throw new AppError('not_found', 'No such API key');
  }
  const last = await lastUsedAt(ctx.db, keyId);
  if (last === undefined) throw new AppError('not_found', 'No such API key');
  const now = ctx.clock.now();
  const window = Array.from({ length: days }, (_, i) => utcDay(now - (days - 1 - i) * DAY));
  const counted = new Map(
    (await usageSince(ctx.db, keyId, window[0] ?? utcDay(now))).map((r) => [r.day, r.requests]),
  );
  const series = window.map((day) => ({ day, requests: counted.get(day) ?? 0 }));
  return {
    keyId,
    lastUsedAt: last === null ? null : new Date(last).toISOString(),
    total: series.reduce((sum, d) => sum + d.requests, 0),
    days: series,
  };
}

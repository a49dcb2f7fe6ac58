import { isFresh } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { findKeyExpiry, lockKeyStates } from './api-keys.repository.js';
import { decideExpiryChange, enforce, type Grantor } from './key-policy.js';

/**
 * Who grants, read inside the granting transaction: a key's own expiry comes from its row, not from
 * the cached principal, so a key shortened a moment ago cannot still grant its old lifetime.
 */
export async function grantorOf(
  ctx: AppContext,
  db: Database,
  principal: Principal,
  now: number,
): Promise<Grantor> {
  let ownKeyExpiry: number | null | undefined;
  if (principal.apiKeyId !== undefined) {
    const own = await findKeyExpiry(db, principal.apiKeyId);
    // A key deleted meanwhile grants nothing beyond now.
    ownKeyExpiry = own === undefined ? now : own.expiry;
  }
  return {
    fresh: isFresh(principal, now, ctx.config.freshAuthSeconds),
    ownKeyExpiry,
    limits: principal.limits,
  };
}

/**
 * The write hook of `/v7/api_key` (PATCH and PUT, resources/api-key.ts `beforeUpdate`, injected by app.ts): runs inside the
 * update's transaction, after the permission filter chose `ids` and before the UPDATE. A change of
 * `expiry_date` is decided per row by key-policy.ts on the locked rows; one refusal refuses the whole
 * request (the transaction rolls back, nothing is changed).
 */
export async function checkKeyUpdate(
  ctx: AppContext,
  db: Database,
  ids: readonly number[],
  values: Readonly<Record<string, unknown>>,
  principal: Principal | null,
): Promise<void> {
  if (!('expiry_date' in values) || values.expiry_date === undefined) return;
  if (!principal) throw new AppError('unauthorized', '');
  const next = values.expiry_date;
  if (next !== null && typeof next !== 'number') throw new TypeError('expiry_date must be epoch ms or null');
  const now = ctx.clock.now();
  const rows = await lockKeyStates(db, ids);
  const grantor = await grantorOf(ctx, db, principal, now);
  for (const row of rows) {
    enforce(
      decideExpiryChange(
        { expiry: row.expiry_date, rotated: row.rotated_to !== null },
        next,
        grantor,
        now,
        ctx.config.freshAuthSeconds,
      ),
    );
  }
}

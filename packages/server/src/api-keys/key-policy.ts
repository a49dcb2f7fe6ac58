import { freshAuthRequired } from '../auth/access.js';
import type { KeyLimits } from '../auth/principal.js';
import { AppError } from '../errors/app-error.js';
import { withinLimits } from './limits.js';

/*
 * THE rules of a key's lifetime and rights (issue 18 §3), as pure decisions: every write path of
 * api_key (creation, rotation, PATCH/PUT of /v7/api_key) asks these functions and applies the answer
 * with a guarded write in one transaction. A key never outlives or outranks what it was given:
 * - revocation and rotation are final: a key that has expired (a past expiry_date is how balena
 *   revokes) or was rotated never becomes valid again, whoever asks, the administrator included;
 * - lengthening a key's life is a grant like creating a key: it needs the same recent password login;
 * - a credential that expires cannot give any key a life beyond its own expiry;
 * - a limited credential cannot create a key with more rights than its own.
 * Shortening a life or revoking is always allowed to whoever may update the key.
 */

/** The state of a key row a decision is made on (and the guarded write re-checks). */
export interface KeyState {
  /** Epoch ms; null = never expires. */
  readonly expiry: number | null;
  readonly rotated: boolean;
}

/** Who asks, as far as these rules care. */
export interface Grantor {
  /** A password login at most MOORING_FRESH_AUTH_SECONDS old, presented as a session token. */
  readonly fresh: boolean;
  /**
   * The expiry of the caller's own key when it calls with a key (null = never); undefined for
   * sessions, which are bounded by the fresh-login rule instead.
   */
  readonly ownKeyExpiry: number | null | undefined;
  readonly limits: KeyLimits | undefined;
}

export type Decision = { readonly ok: true } | { readonly ok: false; readonly error: AppError };

const OK: Decision = { ok: true };
const refuse = (error: AppError): Decision => ({ ok: false, error });

/** Whether `expiry` has passed at `now` (a key is valid while now < expiry). */
export function isDead(expiry: number | null, now: number): boolean {
  return expiry !== null && expiry <= now;
}

/** Whether `next` gives a key a longer life than `current` (null = forever). */
export function lengthens(current: number | null, next: number | null): boolean {
  if (current === null) return false;
  return next === null || next > current;
}

/** Whether a life ending at `expiry` ends after the grantor's own key does. */
function outlivesGrantor(expiry: number | null, grantor: Grantor): boolean {
  return grantor.ownKeyExpiry !== undefined && lengthens(grantor.ownKeyExpiry, expiry);
}

const OUTLIVES = 'A key cannot give a key a life beyond its own expiry_date';

/** A change of an existing key's `expiry_date` (PATCH or PUT of /v7/api_key). */
export function decideExpiryChange(
  key: KeyState,
  next: number | null,
  grantor: Grantor,
  now: number,
  freshAuthSeconds: number,
): Decision {
  if (!lengthens(key.expiry, next)) return OK;
  if (isDead(key.expiry, now)) {
    return refuse(
      new AppError('conflict', 'This key has expired or was revoked, and that is final: create a new key'),
    );
  }
  if (key.rotated) {
    return refuse(
      new AppError('conflict', 'This key was rotated: its expiry_date can only be brought forward'),
    );
  }
  if (outlivesGrantor(next, grantor)) return refuse(new AppError('forbidden', OUTLIVES));
  if (!grantor.fresh) return refuse(freshAuthRequired(freshAuthSeconds));
  return OK;
}

/** A new key (creation or a rotation's successor) with this expiry and these limits. */
export function decideIssue(
  request: { readonly expiry: number | null; readonly limits: KeyLimits | undefined },
  grantor: Grantor,
): Decision {
  if (!withinLimits(request.limits, grantor.limits)) {
    return refuse(
      new AppError('forbidden', 'A limited key cannot create a key with more rights than itself'),
    );
  }
  if (outlivesGrantor(request.expiry, grantor)) return refuse(new AppError('forbidden', OUTLIVES));
  return OK;
}

/** Rotating `key`: only a live key that was not rotated before has a successor. */
export function decideRotation(key: KeyState, now: number): Decision {
  if (key.rotated) return refuse(new AppError('conflict', 'This key was already rotated'));
  if (isDead(key.expiry, now)) {
    return refuse(new AppError('conflict', 'This key has expired or was revoked: it cannot be rotated'));
  }
  return OK;
}

/** Throws the refusal of a decision. */
export function enforce(decision: Decision): void {
  if (!decision.ok) throw decision.error;
}

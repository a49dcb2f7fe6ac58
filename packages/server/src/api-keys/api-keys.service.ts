import { type ApiKeyKind, displayPrefix, generateApiKey } from '@mooring/protocol';
import { recordAuditEvent } from '../audit/audit.repository.js';
import { freshAuthRequired, isFresh } from '../auth/access.js';
import type { KeyLimits, Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { type Database, inTransaction } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { rowFilter } from '../resources/access.js';
import {
  carryOverSigning,
  materializeSigning,
  planSigning,
  type SigningInput,
  type SigningPlan,
  type SigningReveal,
} from '../signatures/signing-settings.js';
import {
  findFleetId,
  findKeyDetails,
  findPermittedActor,
  findPermittedKeyIds,
  insertIssuedKey,
  isPermittedKey,
  markRotated,
} from './api-keys.repository.js';
import { hashApiKey } from './key-hash.js';
import { decideIssue, decideRotation, enforce, type Grantor } from './key-policy.js';
import { grantorOf } from './key-updates.js';
import { FULL_AREAS, limitsFromColumns, parseScopes } from './limits.js';

export interface KeyInput {
  readonly name?: string | null;
  readonly description?: string | null;
  readonly expiryDate?: string | null;
}

export interface NamedKeyInput extends KeyInput {
  readonly name: string;
  /** Mooring additions (COMPAT.md "differs" 5). */
  readonly scopes?: readonly string[] | null;
  readonly fleets?: readonly (number | string)[] | null;
  readonly headerOnly?: boolean;
  /** RFC 9421 signing (docs/signatures.md); `requiresSignature` refuses the bearer and query forms. */
  readonly signing?: SigningInput | null;
  readonly requiresSignature?: boolean;
}

/** A new key as shown once: the key itself and, for signing keys, the signing material. */
export interface IssuedKey {
  readonly key: string;
  readonly keyId: string;
  readonly signing: SigningReveal | undefined;
  readonly requiresSignature: boolean;
}

const MAX_GRACE_SECONDS = 7 * 86_400;

/** `POST /api-key/user/full`: a named key for the caller (the route's access requires a fresh login). */
export async function createNamedUserKey(
  ctx: AppContext,
  principal: Principal,
  input: NamedKeyInput,
): Promise<IssuedKey> {
  if (typeof input.name !== 'string' || input.name.trim() === '')
    throw new AppError('validation', 'name is required');
  const areas = parseScopes(input.scopes);
  const fleetIds = await resolveFleets(ctx, principal, input.fleets);
  const limits: KeyLimits | undefined =
    areas === null && fleetIds === null ? undefined : { areas: areas ?? FULL_AREAS, fleetIds };
  const signing = planSigning(input.signing, input.requiresSignature);
  return issueOne(ctx, principal, {
    kind: 'user',
    actorId: principal.actorId,
    name: input.name,
    description: input.description ?? null,
    expiry: parseExpiry(input.expiryDate),
    limits,
    headerOnly: input.headerOnly ?? false,
    signing,
  });
}

/**
 * Provisioning keys (`POST /api-key/v2/` with role `provisioning-api-key`, the legacy
 * `/api-key/application/:id/provisioning`) and device keys (`/api-key/device/:id/device-key`, or v2 with
 * `device-api-key`). The caller must be allowed to change the fleet or device — a limited key only
 * within its limits — so no key is ever created with more rights than its creator.
 */
export async function createActorKey(
  ctx: AppContext,
  principal: Principal,
  target: { kind: 'provisioning' | 'device'; id: number },
  input: KeyInput,
): Promise<string> {
  const resource = target.kind === 'provisioning' ? 'application' : 'device';
  const actorId = await writableActor(ctx, principal, resource, target.id);
  const issued = await issueOne(ctx, principal, {
    kind: target.kind,
    actorId,
    name: input.name ?? null,
    description: input.description ?? null,
    expiry: parseExpiry(input.expiryDate),
    limits: undefined,
    headerOnly: false,
    signing: undefined,
  });
  return issued.key;
}

/** Rotation: a successor with the same name, description and limits; the old key expires after the grace. */
export async function rotateKey(
  ctx: AppContext,
  principal: Principal,
  keyId: number,
  graceSeconds: number,
  signingChange?: { signing?: SigningInput | null; requiresSignature?: boolean },
): Promise<RotatedKey> {
  if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_GRACE_SECONDS) {
    throw new AppError('validation', `gracePeriodSeconds must be an integer from 0 to ${MAX_GRACE_SECONDS}`);
  }
  const key = await findKeyDetails(ctx.db, keyId);
  if (!key || !(await mayManageKey(ctx, principal, keyId)))
    throw new AppError('not_found', 'No such API key');
  // Rotating a user key is issuing one: the same recent password login as creating it (a row rule,
  // so not part of the route's declared access, which provisioning and device keys share).
  if (key.kind === 'user') requireFreshSession(ctx, principal);
  const now = ctx.clock.now();
  // Rotation is final and only of a live key: an expired, revoked or rotated key has no successor.
  const state = { expiry: key.expiry_date, rotated: key.rotated_to !== null };
  enforce(decideRotation(state, now));
  const limits = limitsFromColumns(key.scopes, key.fleet_ids);
  // The signing mode carries over unless the caller changes it (a fresh HMAC secret either way).
  const signing =
    signingChange?.signing !== undefined
      ? planSigning(signingChange.signing, signingChange.requiresSignature)
      : carryOverSigning(
          signingChange?.requiresSignature === undefined
            ? key
            : { ...key, requires_signature: signingChange.requiresSignature ? 1 : 0 },
        );
  if (signingChange?.requiresSignature === true && signing === undefined)
    throw new AppError('validation', 'requiresSignature needs signing settings ({ "alg": … })');
  const previousExpiry = Math.min(now + graceSeconds * 1000, key.expiry_date ?? Number.POSITIVE_INFINITY);
  // One transaction: the successor exists only if the compare-and-swap on the old key succeeds. Of
  // concurrent rotations (any instance) exactly one commits; the others roll their successor back.
  const rotated = await inTransaction(ctx.db, async (db) => {
    const grantor = await grantorOf(ctx, db, principal, now);
    const issued = await issueKey(ctx, db, principal, grantor, {
      kind: key.kind,
      actorId: key.is_of__actor,
      name: key.name,
      description: key.description,
      expiry: key.expiry_date,
      limits,
      headerOnly: key.header_only === 1,
      signing,
    });
    const swapped = await markRotated(
      db,
      keyId,
      state,
      { successor: issued.id, expiry: previousExpiry },
      now,
    );
    if (!swapped) {
      throw new AppError(
        'conflict',
        'This key was already rotated, or changed meanwhile: nothing was created',
      );
    }
    await recordAuditEvent(db, {
      type: 'api_key.rotated',
      at: ctx.clock.now(),
      actorId: principal.actorId,
      userId: principal.userId ?? null,
      details: { keyId, successor: issued.id, graceSeconds },
    });
    return issued;
  });
  await ctx.invalidateCredentials();
  return {
    id: rotated.id,
    key: rotated.key,
    previousExpiresAt: new Date(previousExpiry).toISOString(),
    ...(rotated.signing ? { signing: rotated.signing, requiresSignature: rotated.requiresSignature } : {}),
  };
}

export interface RotatedKey {
  readonly id: number;
  readonly key: string;
  readonly previousExpiresAt: string;
  readonly signing?: SigningReveal;
  readonly requiresSignature?: boolean;
}

interface IssueRequest {
  readonly kind: ApiKeyKind;
  readonly actorId: number;
  readonly name: string | null;
  readonly description: string | null;
  readonly expiry: number | null;
  readonly limits: KeyLimits | undefined;
  readonly headerOnly: boolean;
  readonly signing: SigningPlan | undefined;
}

/** A key on its own (creation): the grant is decided and written in one transaction. */
async function issueOne(ctx: AppContext, principal: Principal, request: IssueRequest): Promise<IssuedKey> {
  const now = ctx.clock.now();
  return inTransaction(ctx.db, async (db) =>
    issueKey(ctx, db, principal, await grantorOf(ctx, db, principal, now), request),
  );
}

/** Every key is born here: key-policy.ts decides whether the grantor may give it this life and these rights. */
async function issueKey(
  ctx: AppContext,
  db: Database,
  principal: Principal,
  grantor: Grantor,
  request: IssueRequest,
): Promise<IssuedKey & { readonly id: number }> {
  enforce(decideIssue({ expiry: request.expiry, limits: request.limits }, grantor));
  if (request.name !== null && request.name.length > 1564)
    throw new AppError('validation', 'name is too long');
  const generated = generateApiKey(request.kind);
  const signing = request.signing
    ? materializeSigning(ctx.keys.encryption, generated.publicId, request.signing)
    : undefined;
  const id = await insertIssuedKey(
    db,
    {
      isOfActor: request.actorId,
      kind: request.kind,
      publicId: generated.publicId,
      keyHash: hashApiKey(ctx.keys.apiKeyPepper, generated.key),
      displayPrefix: displayPrefix(generated.key) ?? generated.publicId,
      name: request.name,
      description: request.description,
      expiryDate: request.expiry,
      scopes: request.limits ? JSON.stringify(request.limits.areas) : null,
      fleetIds: request.limits?.fleetIds ? JSON.stringify(request.limits.fleetIds) : null,
      headerOnly: request.headerOnly,
      createdByActor: principal.actorId,
      now: ctx.clock.now(),
      signing: signing?.columns,
    },
    principal.userId ?? null,
  );
  return {
    id,
    key: generated.key,
    keyId: generated.publicId,
    signing: signing?.reveal,
    requiresSignature: signing?.columns.requiresSignature ?? false,
  };
}

/** balena's sudo rule (COMPAT.md A5): the session's password login is recent. */
function requireFreshSession(ctx: AppContext, principal: Principal): void {
  if (!isFresh(principal, ctx.clock.now(), ctx.config.freshAuthSeconds))
    throw freshAuthRequired(ctx.config.freshAuthSeconds);
}

function parseExpiry(value: string | null | undefined): number | null {
  if (value === undefined || value === null) return null;
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) throw new AppError('validation', 'expiryDate must be an ISO 8601 date or null');
  return ms;
}

/** The actor of a fleet/device the principal may update, or 404 (no existence oracle). */
async function writableActor(
  ctx: AppContext,
  principal: Principal,
  resource: 'application' | 'device',
  id: number,
): Promise<number> {
  const filter = rowFilter(resource, 'update', principal);
  if (filter.kind === 'none')
    throw new AppError('forbidden', `Not allowed to create keys for this ${resource}`);
  const actor = await findPermittedActor(ctx.db, principal, resource, filter, id);
  if (actor === undefined)
    throw new AppError('not_found', `No such ${resource === 'application' ? 'fleet' : 'device'}`);
  return actor;
}

async function mayManageKey(ctx: AppContext, principal: Principal, keyId: number): Promise<boolean> {
  const filter = rowFilter('api_key', 'update', principal);
  if (filter.kind === 'none') return false;
  return isPermittedKey(ctx.db, principal, filter, keyId);
}

/** Of `ids`, the keys the principal may read now (the permission module's predicate). */
export async function readableKeyIds(
  ctx: AppContext,
  principal: Principal,
  ids: readonly number[],
): Promise<ReadonlySet<number>> {
  const filter = rowFilter('api_key', 'read', principal);
  if (filter.kind === 'none' || ids.length === 0) return new Set();
  return findPermittedKeyIds(ctx.db, principal, filter, ids);
}

/** Fleet ids or slugs → ids the caller can reach; the restriction may only narrow. */
async function resolveFleets(
  ctx: AppContext,
  principal: Principal,
  fleets: readonly (number | string)[] | null | undefined,
): Promise<number[] | null> {
  if (fleets === undefined || fleets === null)
    return principal.limits?.fleetIds ? [...principal.limits.fleetIds] : null;
  if (!Array.isArray(fleets) || fleets.length === 0 || fleets.length > 100) {
    throw new AppError('validation', 'fleets must be a list of 1–100 fleet ids or slugs');
  }
  const ids: number[] = [];
  for (const fleet of fleets) {
    const id = await findFleetId(ctx.db, fleet);
    if (id === undefined) throw new AppError('validation', `Unknown fleet ${String(fleet).slice(0, 60)}`);
    await writableActor(ctx, principal, 'application', id).catch(() => {
      throw new AppError('validation', `Unknown fleet ${String(fleet).slice(0, 60)}`);
    });
    ids.push(id);
  }
  return ids;
}

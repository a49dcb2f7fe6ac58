import { parseApiKey } from '@mooring/protocol';
import type { CachedCredential, CredentialCache } from '../auth/credential-cache.js';
import type { BearerVerifier } from '../auth/credential-verifier.js';
import type { PresentedCredential } from '../auth/credentials.js';
import type { Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors/app-error.js';
import { findKeyByHash, findKeyByPublicId, type KeyOwnerRow } from './api-keys.repository.js';
import { hashApiKey, sameHash } from './key-hash.js';
import { limitsFromColumns } from './limits.js';

/**
 * API keys sent as bearer tokens or `?apikey=` (docs/key-format.md), registered into the
 * authentication hook by app.ts. Unknown, malformed, expired and revoked keys all resolve to null.
 */
export class KeyVerifier implements BearerVerifier {
  constructor(
    private readonly ctx: AppContext,
    private readonly cache: CredentialCache,
  ) {}

  /** JWTs always contain dots; API keys never do (docs/key-format.md). */
  owns(token: string): boolean {
    return !token.includes('.');
  }

  /**
   * The answer from the credential cache alone (or a refusal of the form without a lookup);
   * undefined when the database must be asked.
   */
  cached(credential: PresentedCredential): Principal | null | undefined {
    const { value } = credential;
    if (value.length < 16 || value.length > 512) return null;
    // A hit means this exact value already matched its stored HMAC, so neither the checksum nor
    // the HMAC needs recomputing (together ~3× the cost of the digest).
    const cached = this.cache.get(this.cacheId(value));
    return cached === undefined ? undefined : accept(cached, credential);
  }

  async resolve(credential: PresentedCredential): Promise<Principal | null> {
    const cached = this.cached(credential);
    if (cached !== undefined) return cached;
    return accept(await this.verify(credential.value), credential);
  }

  private cacheId(value: string): string {
    return `k:${this.cache.digest(value)}`;
  }

  /** A key not in the cache: checksum, stored HMAC, expiry and owner from the database, then cached. */
  private async verify(value: string): Promise<CachedCredential | null> {
    const parsed = parseApiKey(value);
    // A Mooring-looking key with a bad checksum is refused before any database access.
    if (!parsed && value.startsWith('mk_')) return null;
    const hash = hashApiKey(this.ctx.keys.apiKeyPepper, value);
    // Read before the lookup: a revocation noticed while it runs keeps its result out of the cache.
    const since = this.cache.generation;
    const row = parsed
      ? await findKeyByPublicId(this.ctx.db, parsed.publicId)
      : await findKeyByHash(this.ctx.db, hash);
    if (!row || !sameHash(row.key_hash, hash)) return null;
    const principal = liveKeyPrincipal(row, this.ctx.clock.now());
    if (!principal) return null;
    const credential: CachedCredential = {
      principal,
      expiresAt: row.expiry_date,
      headerOnly: row.header_only === 1,
      requiresSignature: row.requires_signature === 1,
    };
    this.cache.set(this.cacheId(value), credential, since);
    return credential;
  }
}

/**
 * A verified key as this request presented it: signing-only and header-only keys refuse some
 * forms. The caller has proven it holds a valid key, so the refusal says what to do instead
 * (no oracle is opened: only the key's holder can get this far).
 */
function accept(found: CachedCredential | null, credential: PresentedCredential): Principal | null {
  if (!found) return null;
  if (found.requiresSignature) throw signatureRequired(credential.value);
  if (found.headerOnly && credential.transport === 'query') throw headerRequired();
  return found.principal;
}

function signatureRequired(key: string): AppError {
  // The key's holder may learn its own public id: it is the `keyid` to sign with.
  const keyId = parseApiKey(key)?.publicId;
  return new AppError(
    'unauthorized',
    'This key signs requests: send an RFC 9421 signature with its key id, not the key itself (docs/signatures.md)',
    {
      challenge: {
        wwwAuthenticate: 'Signature realm="mooring"',
        acceptSignature: `sig1=("@method" "@authority" "@path");created;nonce${keyId ? `;keyid="${keyId}"` : ''}`,
      },
    },
  );
}

function headerRequired(): AppError {
  return new AppError(
    'unauthorized',
    'This key is accepted in the Authorization header only: send "Authorization: Bearer <key>"',
    { challenge: { wwwAuthenticate: 'Bearer realm="mooring", error="invalid_request"' } },
  );
}

/**
 * The one check of a stored key, for bearer keys and signing keys alike: not expired at `now`, and
 * owned by a user, a device or a fleet. Null refuses it.
 */
export function liveKeyPrincipal(row: KeyOwnerRow, now: number): Principal | null {
  if (row.expiry_date !== null && row.expiry_date <= now) return null;
  const base = {
    actorId: row.is_of__actor,
    via: 'api-key' as const,
    sessionId: undefined,
    authTime: undefined,
    apiKeyId: row.id,
  };
  if (row.user_id !== null) {
    return {
      ...base,
      kind: 'user',
      userId: row.user_id,
      applicationId: undefined,
      deviceId: undefined,
      isAdmin: row.is_admin === 1,
      limits: limitsFromColumns(row.scopes, row.fleet_ids),
    };
  }
  if (row.device_id !== null) {
    return {
      ...base,
      kind: 'device',
      userId: undefined,
      applicationId: row.device_application ?? undefined,
      deviceId: row.device_id,
      isAdmin: false,
      limits: undefined,
    };
  }
  if (row.application_id !== null) {
    return {
      ...base,
      kind: 'application',
      userId: undefined,
      applicationId: row.application_id,
      deviceId: undefined,
      isAdmin: false,
      limits: undefined,
    };
  }
  return null;
}

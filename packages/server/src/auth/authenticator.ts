import { parseApiKey } from '@mooring/protocol';
import { findKeyByHash, findKeyByPublicId, type KeyOwnerRow } from '../api-keys/api-keys.repository.js';
import { hashApiKey, sameHash } from '../api-keys/key-hash.js';
import { limitsFromColumns } from '../api-keys/limits.js';
import type { UsageTracker } from '../api-keys/usage-tracker.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors/app-error.js';
import { resolveSessionToken } from '../sessions/sessions.service.js';
import type { CachedCredential, CredentialCache } from './credential-cache.js';
import type { PresentedCredential } from './credentials.js';
import type { Principal } from './principal.js';

/**
 * Credential → Principal for every request. Unknown, malformed, expired and revoked credentials all
 * come back as null (one uniform 401, no oracle).
 */
export class Authenticator {
  constructor(
    private readonly ctx: AppContext,
    private readonly cache: CredentialCache,
    private readonly usage: UsageTracker,
  ) {}

  /** Any credential: the cache when it decides, else the database (which then fills the cache). */
  async resolve(credential: PresentedCredential): Promise<Principal | null> {
    const cached = this.resolveCached(credential);
    if (cached !== undefined) return cached;
    return isSessionToken(credential.value)
      ? this.verifySession(credential.value)
      : this.accept(await this.verifyKey(credential.value), credential);
  }

  /**
   * The hot path, synchronous: the answer when the credential cache alone decides it (a verified
   * credential seen within the TTL, or a form that is refused without a lookup), undefined when the
   * database must be asked ({@link resolve}). Every rule on the presented form is here, once.
   */
  resolveCached(credential: PresentedCredential): Principal | null | undefined {
    const { value } = credential;
    if (isSessionToken(value)) {
      // Session tokens go in the Authorization header only.
      if (credential.transport !== 'header') return null;
      return this.cache.get(sessionCacheId(value))?.principal;
    }
    if (value.length < 16 || value.length > 512) return null;
    // A hit means this exact value already matched its stored HMAC, so neither the checksum nor
    // the HMAC needs recomputing (together ~3× the cost of the digest).
    const cached = this.cache.get(this.keyCacheId(value));
    return cached === undefined ? undefined : this.accept(cached, credential);
  }

  /**
   * A verified key as this request presented it: signing-only and header-only keys refuse some
   * forms. The caller has proven it holds a valid key, so the refusal says what to do instead
   * (no oracle is opened: only the key's holder can get this far).
   */
  private accept(found: CachedCredential | null, credential: PresentedCredential): Principal | null {
    if (!found) return null;
    if (found.requiresSignature) throw signatureRequired(credential.value);
    if (found.headerOnly && credential.transport === 'query') throw headerRequired();
    if (found.principal.apiKeyId !== undefined) this.usage.record(found.principal.apiKeyId);
    return found.principal;
  }

  private keyCacheId(value: string): string {
    return `k:${this.cache.digest(value)}`;
  }

  /** A session token not in the cache: verified against the sessions table, then cached. */
  private async verifySession(token: string): Promise<Principal | null> {
    // Read before the lookup: a revocation noticed while it runs keeps its result out of the cache.
    const since = this.cache.generation;
    const resolved = await resolveSessionToken(this.ctx, token);
    if (resolved) {
      this.cache.set(
        sessionCacheId(token),
        {
          principal: resolved.principal,
          expiresAt: resolved.expiresAt,
          headerOnly: true,
          requiresSignature: false,
        },
        since,
      );
    }
    return resolved?.principal ?? null;
  }

  /** A key not in the cache: checksum, stored HMAC, expiry and owner from the database, then cached. */
  private async verifyKey(value: string): Promise<CachedCredential | null> {
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
    if (row.expiry_date !== null && row.expiry_date <= this.ctx.clock.now()) return null;
    const principal = keyPrincipal(row);
    if (!principal) return null;
    const credential: CachedCredential = {
      principal,
      expiresAt: row.expiry_date,
      headerOnly: row.header_only === 1,
      requiresSignature: row.requires_signature === 1,
    };
    this.cache.set(this.keyCacheId(value), credential, since);
    return credential;
  }
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

/** JWTs always contain dots; API keys never do (docs/key-format.md). */
const isSessionToken = (value: string): boolean => value.includes('.');
const sessionCacheId = (token: string): string => `s:${token}`;

/** Also used by the signature verifier (src/signatures), which loads key rows by public id. */
export function keyPrincipal(row: KeyOwnerRow): Principal | null {
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

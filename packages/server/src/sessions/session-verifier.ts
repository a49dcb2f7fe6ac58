import type { CredentialCache } from '../auth/credential-cache.js';
import type { BearerVerifier } from '../auth/credential-verifier.js';
import type { PresentedCredential } from '../auth/credentials.js';
import type { Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { resolveSessionToken } from './sessions.service.js';

/**
 * Session tokens (docs/session-tokens.md) sent as `Authorization: Bearer`, registered into the
 * authentication hook by app.ts. The sessions table is authoritative; the cache only remembers a
 * verified token until its expiry or the next revocation.
 */
export class SessionVerifier implements BearerVerifier {
  constructor(
    private readonly ctx: AppContext,
    private readonly cache: CredentialCache,
  ) {}

  /** JWTs always contain dots; API keys never do (docs/key-format.md). */
  owns(token: string): boolean {
    return token.includes('.');
  }

  private cached(credential: PresentedCredential): Principal | null | undefined {
    // Session tokens go in the Authorization header only.
    if (credential.transport !== 'header') return null;
    return this.cache.get(cacheId(credential.value))?.principal;
  }

  async resolve(credential: PresentedCredential): Promise<Principal | null> {
    const cached = this.cached(credential);
    if (cached !== undefined) return cached;
    const token = credential.value;
    // Read before the lookup: a revocation noticed while it runs keeps its result out of the cache.
    const since = this.cache.generation;
    const resolved = await resolveSessionToken(this.ctx, token);
    if (!resolved) return null;
    this.cache.set(
      cacheId(token),
      {
        principal: resolved.principal,
        expiresAt: resolved.expiresAt,
        headerOnly: true,
        requiresSignature: false,
      },
      since,
    );
    return resolved.principal;
  }
}

const cacheId = (token: string): string => `s:${token}`;

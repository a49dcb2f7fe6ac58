import type { FastifyInstance } from 'fastify';
import type { UsageTracker } from '../api-keys/usage-tracker.js';
import type { CredentialCache } from '../auth/credential-cache.js';
import type { AppContext } from '../context.js';
import { createNonceStore } from './nonce-store.js';
import { registerSignatureAuthentication } from './signature-auth.js';
import { SigningKeys } from './signing-keys.js';
import { SignatureVerifier } from './verifier.js';

/** RFC 9421 signed requests as a credential (docs/signatures.md); one call from buildApp. */
export function registerSignedRequests(
  app: FastifyInstance,
  ctx: AppContext,
  cache: CredentialCache,
  usage: UsageTracker,
): void {
  const nonces = createNonceStore(ctx.db, ctx.clock, {
    maxEntries: ctx.config.signatureNonceLimit,
    onFull: (size) =>
      ctx.log.warn(
        { nonces: size },
        'signed requests refused (503): the replay store is full; raise MOORING_SIGNATURE_NONCE_LIMIT or shorten MOORING_SIGNATURE_MAX_SKEW_SECONDS',
      ),
  });
  const verifier = new SignatureVerifier(
    new SigningKeys(ctx, cache),
    nonces,
    ctx.clock,
    ctx.config.signatureMaxSkewSeconds,
  );
  registerSignatureAuthentication(app, verifier, usage, ctx.config.bodyLimitBytes);
  app.addHook('onClose', () => nonces.close());
}

import {
  type HeaderValue,
  parseDictionary,
  type ReceivedRequest,
  type RequestVerification,
  requiredComponents,
  type SignatureFailureReason,
  type VerificationKey,
  verifyRequestSignature,
} from '@mooring/protocol';
import type { CachedCredential } from '../auth/credential-cache.js';
import type { Principal } from '../auth/principal.js';
import type { Clock } from '../config/clock.js';
import { AppError } from '../errors/app-error.js';
import type { NonceStore } from './nonce-store.js';

/**
 * keyid → the key's principal and verification key, or null for an unknown, revoked, expired or
 * non-signing key. Implemented by api-keys/signing-keys.ts (which owns the key rows), passed in by app.ts.
 */
export interface SigningKeySource {
  resolve(publicId: string): Promise<CachedCredential | null>;
}

/** Why a signed request was refused. Reasons after `unknown_key` are reported as one (no oracle). */
export type SignatureRefusal = SignatureFailureReason | 'replayed';

export type SignatureOutcome =
  | { readonly ok: true; readonly principal: Principal }
  | {
      readonly ok: false;
      /** The precise reason, for logs. */
      readonly reason: SignatureRefusal;
      /** What the client is told: the reason, except key-dependent ones, which all read `invalid_signature`. */
      readonly error: string;
      readonly message: string;
    };

const KEY_DEPENDENT: ReadonlySet<SignatureRefusal> = new Set([
  'unknown_key',
  'alg_mismatch',
  'bad_signature',
]);

/** The request as the client signed it: the request line, Host, every header and the raw body. */
export interface SignedRequestParts {
  readonly method: string;
  readonly authority: string;
  /** The request target as received (`/path?query`), never decoded or normalised. */
  readonly url: string;
  readonly scheme: string;
  readonly headers: Readonly<Record<string, HeaderValue>>;
  readonly body: Uint8Array | undefined;
}

/** The request in the protocol package's terms: path and query split off the raw request target. */
export function receivedRequest(parts: SignedRequestParts): ReceivedRequest {
  const queryAt = parts.url.indexOf('?');
  return {
    method: parts.method,
    authority: parts.authority,
    path: queryAt === -1 ? parts.url : parts.url.slice(0, queryAt),
    query: queryAt === -1 ? '' : parts.url.slice(queryAt),
    scheme: parts.scheme,
    headers: parts.headers,
    ...(parts.body === undefined ? {} : { body: parts.body }),
  };
}

/**
 * Verifies a request under Mooring's profile (docs/signatures.md) and claims its nonce. Everything
 * decided before the key lookup (structure, coverage, parameters, time, the body digest) is
 * explained precisely: it depends only on what the client sent, so saying it reveals nothing.
 * Everything after it (unknown key, wrong algorithm, wrong signature) gets one message, so the
 * answer does not tell whether a key id exists.
 */
export class SignatureVerifier {
  constructor(
    private readonly keys: SigningKeySource,
    private readonly nonces: NonceStore,
    private readonly clock: Clock,
    private readonly maxSkewSeconds: number,
  ) {}

  /** The outcome; throws `unavailable` (503) when the replay store is full. */
  async verify(parts: SignedRequestParts): Promise<SignatureOutcome> {
    const request = receivedRequest(parts);
    let credential: CachedCredential | null = null;
    const result = await verifyRequestSignature(
      request,
      async (keyId) => {
        credential = await this.keys.resolve(keyId);
        return credential?.signingKey ?? null;
      },
      { now: this.clock.now(), maxSkewSeconds: this.maxSkewSeconds },
    );
    return this.claimNonce(result, credential, request);
  }

  /** A verified signature's nonce is claimed last, so refused requests never fill the store. */
  private async claimNonce(
    result: RequestVerification<VerificationKey>,
    credential: CachedCredential | null,
    request: ReceivedRequest,
  ): Promise<SignatureOutcome> {
    if (!result.ok) return this.refuse(result.reason, request);
    if (!credential) return this.refuse('unknown_key', request);
    const claim = await this.nonces.claim(result.keyId, result.nonce, result.replayWindowEndsAt);
    if (claim === 'replayed') return this.refuse('replayed', request);
    if (claim === 'full') {
      // The server's capacity, not the client's mistake: a valid request that may be retried.
      throw new AppError('unavailable', 'Too many signed requests within the replay window; retry later', {
        retryAfter: 60,
      });
    }
    if (claim === 'key_full') {
      // This key's share of a busy replay store: its own rate, so the other keys go on.
      throw new AppError(
        'rate_limited',
        'Too many signed requests with this key within the replay window; retry later',
        { retryAfter: 60 },
      );
    }
    return { ok: true, principal: credential.principal };
  }

  private refuse(reason: SignatureRefusal, request: ReceivedRequest): SignatureOutcome {
    return {
      ok: false,
      reason,
      error: KEY_DEPENDENT.has(reason) ? 'invalid_signature' : reason,
      message: explain(reason, request, this.maxSkewSeconds),
    };
  }
}

/** What to tell the client for each refusal (also the `error_description` of WWW-Authenticate). */
function explain(reason: SignatureRefusal, request: ReceivedRequest, skew: number): string {
  switch (reason) {
    case 'missing_headers':
      return 'Signed requests need both Signature-Input and Signature headers with the same label';
    case 'malformed':
      return 'Signature-Input, Signature or Content-Digest is malformed (RFC 9421, RFC 8941, RFC 9530; see docs/signatures.md)';
    case 'missing_component': {
      const missing = missingComponents(request);
      return `The signature must cover ${missing.length > 0 ? missing.map((c) => `"${c}"`).join(', ') : 'every required component'}`;
    }
    case 'missing_param':
      return `The signature parameters must include ${missingParams(request).join(', ') || 'created, keyid and nonce'}`;
    case 'expired':
    case 'created_in_future':
      return `The signature's created time must be within ${skew} s of the server clock (and before expires)`;
    case 'digest_mismatch':
      return 'Content-Digest does not match the request body (sha-256 or sha-512 of the exact bytes sent)';
    case 'replayed':
      return 'This nonce was already used: sign every request, including retries, afresh';
    default:
      // The same words for an unknown key id, a wrong algorithm and a wrong signature (no oracle);
      // the commonest cause is key material used as text instead of decoded bytes.
      return (
        'The signature does not verify for this key id. Check the alg, and the key material: an HMAC ' +
        'secret is unpadded base64url, decode it to its 32 bytes before signing (docs/signatures.md)'
      );
  }
}

function firstInput(request: ReceivedRequest): { covered: string[]; params: string[] } | null {
  const header = request.headers['signature-input'];
  if (typeof header !== 'string') return null;
  const parsed = parseDictionary(header);
  if (!parsed.ok) return null;
  const first = parsed.value.values().next().value;
  if (first?.kind !== 'inner-list') return null;
  return {
    covered: first.items.map((item) => (item.value.type === 'string' ? item.value.value : '')),
    params: [...first.params.keys()],
  };
}

function missingComponents(request: ReceivedRequest): string[] {
  const input = firstInput(request);
  const hasBody = (request.body?.length ?? 0) > 0;
  return requiredComponents(request, hasBody).filter((c) => !input?.covered.includes(c));
}

function missingParams(request: ReceivedRequest): string[] {
  const input = firstInput(request);
  return ['created', 'keyid', 'nonce'].filter((p) => !input?.params.includes(p));
}

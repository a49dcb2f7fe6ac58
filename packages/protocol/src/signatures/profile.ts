/**
 * Mooring's signature profile (docs/signatures.md): what a signed request must cover, which
 * parameters it must carry, and how fresh it must be.
 */
import { base64UrlEncode, toBytes } from '../encoding.js';
import { contentDigest, verifyContentDigest } from './digest.js';
import { checkSignature, coveredComponents, createMessageSignature, readParams } from './message.js';
import { joinedHeader, selectSignature } from './signature-headers.js';
import {
  type OutgoingRequest,
  type ReceivedRequest,
  SIGNATURE_ALGORITHMS,
  type SignableRequest,
  type SignatureAlgorithm,
  type SignatureFailureReason,
  type SignatureHeaders,
  type VerificationKey,
} from './types.js';

export const MAX_KEYID_LENGTH = 256;
export const MIN_NONCE_LENGTH = 8;
export const MAX_NONCE_LENGTH = 128;

const hasQuery = (request: SignableRequest): boolean => request.query !== '' && request.query !== '?';

/**
 * Components every Mooring signature must cover for this request: the request line and host
 * always, the query when there is one, and the body through Content-Digest when there is one.
 */
export function requiredComponents(request: SignableRequest, hasBody: boolean): string[] {
  const out = ['@method', '@authority', '@path'];
  if (hasQuery(request)) out.push('@query');
  if (hasBody) out.push('content-digest');
  return out;
}

export interface SignRequestOptions {
  readonly keyId: string;
  readonly alg: SignatureAlgorithm;
  /** HMAC secret bytes (≥ 32), Ed25519 seed / PKCS#8 bytes, or a CryptoKey. */
  readonly key: Uint8Array | CryptoKey;
  /** Unix seconds; default now. */
  readonly created?: number;
  /** Unix seconds; omitted by default. */
  readonly expires?: number;
  /** Default: 16 random bytes, base64url (22 chars). */
  readonly nonce?: string;
  /** Full ordered list; must include {@link requiredComponents}. */
  readonly components?: readonly string[];
  readonly label?: string;
}

/**
 * Signs a request under Mooring's profile; adds a sha-256 Content-Digest when a body is given.
 * Throws `TypeError` on misuse (bad key, missing required component, non-ASCII key id).
 *
 * @example
 * const headers = await signRequest(
 *   { method: 'POST', authority: 'api.example', path: '/v7/device', query: '', headers: {}, body },
 *   { keyId: 'Xy12…', alg: 'ed25519', key: seed },
 * );
 * fetch(url, { method: 'POST', body, headers: { ...headers, 'content-type': 'application/json' } });
 */
export async function signRequest(
  request: OutgoingRequest,
  options: SignRequestOptions,
): Promise<SignatureHeaders> {
  if (!SIGNATURE_ALGORITHMS.includes(options.alg))
    throw new TypeError(`unsupported alg: ${String(options.alg)}`);
  if (options.keyId.length === 0 || options.keyId.length > MAX_KEYID_LENGTH)
    throw new TypeError('invalid keyId');
  const nonce = options.nonce ?? base64UrlEncode(globalThis.crypto.getRandomValues(new Uint8Array(16)));
  if (nonce.length < MIN_NONCE_LENGTH || nonce.length > MAX_NONCE_LENGTH)
    throw new TypeError('invalid nonce length');
  const hasBody = request.body !== undefined;
  const components = options.components ?? requiredComponents(request, hasBody);
  for (const name of requiredComponents(request, hasBody)) {
    if (!components.includes(name)) throw new TypeError(`the Mooring profile requires covering ${name}`);
  }
  let headers = request.headers;
  let digest: string | undefined;
  if (request.body !== undefined) {
    digest = await contentDigest(toBytes(request.body), 'sha-256');
    // Sign the digest we computed, never a stale caller-supplied one.
    const rest = Object.entries(request.headers).filter(([name]) => name.toLowerCase() !== 'content-digest');
    headers = { ...Object.fromEntries(rest), 'content-digest': digest };
  }
  const key =
    options.alg === 'hmac-sha256'
      ? ({ alg: 'hmac-sha256', secret: options.key } as const)
      : ({ alg: 'ed25519', privateKey: options.key } as const);
  const signed = await createMessageSignature(
    { ...request, headers },
    {
      label: options.label ?? 'sig1',
      components,
      params: {
        created: options.created ?? Math.floor(Date.now() / 1000),
        ...(options.expires === undefined ? {} : { expires: options.expires }),
        keyid: options.keyId,
        alg: options.alg,
        nonce,
      },
      key,
    },
  );
  return digest === undefined ? signed : { ...signed, 'content-digest': digest };
}

export interface VerifyRequestOptions {
  /** Current time in milliseconds since the epoch. */
  readonly now: number;
  /** Accepted clock difference for `created`, in seconds (Mooring: 300). */
  readonly maxSkewSeconds: number;
  /** Extra components to require on top of {@link requiredComponents}. */
  readonly requiredComponents?: readonly string[];
  /** Verify this label; default the first member of Signature-Input. */
  readonly label?: string;
}

export type RequestVerification<K extends VerificationKey> =
  | {
      readonly ok: true;
      readonly keyId: string;
      /** Single-use within the window: the server must record (keyId, nonce) and refuse repeats. */
      readonly nonce: string;
      readonly created: number;
      readonly expires?: number;
      readonly label: string;
      readonly alg: SignatureAlgorithm;
      readonly key: K;
      /** Milliseconds since the epoch after which this signature is refused anyway; the nonce record may go then. */
      readonly replayWindowEndsAt: number;
    }
  | { readonly ok: false; readonly reason: SignatureFailureReason };

type Failure = { readonly ok: false; readonly reason: SignatureFailureReason };
const fail = (reason: SignatureFailureReason): Failure => ({ ok: false, reason });

/**
 * Verifies a signed request under Mooring's profile. All checks that need no I/O (the body's
 * Content-Digest included) run before `resolveKey` is called. Exceptions from `resolveKey`
 * propagate (a database outage is not an authentication failure); bad input never throws.
 *
 * @example
 * const r = await verifyRequestSignature(req, (keyId, alg) => keys.find(db, keyId, alg),
 *   { now: Date.now(), maxSkewSeconds: 300 });
 * if (!r.ok) throw new AppError('unauthorized', r.reason);
 * if (!(await nonces.claim(r.keyId, r.nonce, r.replayWindowEndsAt))) throw new AppError('unauthorized');
 */
export async function verifyRequestSignature<K extends VerificationKey>(
  request: ReceivedRequest,
  /** May answer synchronously (a server's key cache hit) or with a promise (a database lookup). */
  resolveKey: (keyId: string, alg: SignatureAlgorithm | undefined) => K | null | PromiseLike<K | null>,
  options: VerifyRequestOptions,
): Promise<RequestVerification<K>> {
  if (
    !Number.isFinite(options.now) ||
    !Number.isFinite(options.maxSkewSeconds) ||
    options.maxSkewSeconds < 0
  ) {
    throw new TypeError('now and maxSkewSeconds must be finite, non-negative numbers');
  }
  const selected = selectSignature(request, options.label);
  if (!selected.ok) return selected;
  const sig = selected.value;
  if (sig.input.items.some((item) => item.value.type !== 'string' || item.params.size > 0))
    return fail('malformed');
  const params = readParams(sig);
  if (params === null) return fail('malformed');

  const body = request.body ?? new Uint8Array(0);
  const covered = coveredComponents(sig);
  const required = [...requiredComponents(request, body.length > 0), ...(options.requiredComponents ?? [])];
  if (required.some((name) => !covered.includes(name))) return fail('missing_component');

  const { created, keyid, nonce, alg, expires } = params;
  if (created === undefined || keyid === undefined || nonce === undefined) return fail('missing_param');
  if (keyid.length === 0 || keyid.length > MAX_KEYID_LENGTH) return fail('malformed');
  if (nonce.length < MIN_NONCE_LENGTH || nonce.length > MAX_NONCE_LENGTH) return fail('malformed');
  const declaredAlg = alg === undefined ? undefined : SIGNATURE_ALGORITHMS.find((a) => a === alg);
  if (alg !== undefined && declaredAlg === undefined) return fail('alg_mismatch');

  // Freshness bounds how long a captured request stays replayable and how long nonces are kept.
  const skewMs = options.maxSkewSeconds * 1000;
  if (created * 1000 > options.now + skewMs) return fail('created_in_future');
  if (created * 1000 < options.now - skewMs) return fail('expired');
  if (expires !== undefined && options.now > expires * 1000) return fail('expired');

  // Any Content-Digest present is checked, so dropping or swapping the body cannot go unnoticed;
  // before the key, like every check that depends only on what was sent.
  const digestHeader = joinedHeader(request.headers, 'content-digest');
  if (digestHeader !== undefined) {
    const digest = await verifyContentDigest(digestHeader, body);
    if (!digest.ok) return fail(digest.reason === 'malformed' ? 'malformed' : 'digest_mismatch');
  }
  const key = await resolveKey(keyid, declaredAlg);
  if (key === null) return fail('unknown_key');
  if (declaredAlg !== undefined && declaredAlg !== key.alg) return fail('alg_mismatch');
  const result = await checkSignature(request, sig, key);
  if (result !== 'ok') return fail(result);
  return {
    ok: true,
    keyId: keyid,
    nonce,
    created,
    ...(expires === undefined ? {} : { expires }),
    label: sig.label,
    alg: key.alg,
    key,
    replayWindowEndsAt: Math.min(
      (created + options.maxSkewSeconds) * 1000,
      (expires ?? Number.POSITIVE_INFINITY) * 1000,
    ),
  };
}

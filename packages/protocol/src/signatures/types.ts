/** Shared types of Mooring's RFC 9421 / RFC 9530 profile (see docs/signatures.md). */

export type SignatureAlgorithm = 'hmac-sha256' | 'ed25519';

export const SIGNATURE_ALGORITHMS: readonly SignatureAlgorithm[] = ['hmac-sha256', 'ed25519'];

export type HeaderValue = string | readonly string[] | undefined;

/**
 * The parts of an HTTP request that signatures can cover. Header names may use any case;
 * array values (repeated field lines) are joined with ", " as RFC 9421 §2.1 requires.
 */
export interface SignableRequest {
  readonly method: string;
  /** host[:port] as sent in Host / :authority (the public name, not a proxy's upstream). */
  readonly authority: string;
  /** Absolute path without the query, e.g. `/v7/device`. */
  readonly path: string;
  /** Query string including the leading `?`, or `''` when there is none. */
  readonly query: string;
  /** `http` or `https`; needed only for `@scheme` and `@target-uri`. */
  readonly scheme?: string;
  readonly headers: Readonly<Record<string, HeaderValue>>;
}

/** A request as the verifier sees it: the exact body bytes received, if any. */
export interface ReceivedRequest extends SignableRequest {
  readonly body?: Uint8Array;
}

/** A request about to be signed; a string body is UTF-8 encoded. */
export interface OutgoingRequest extends SignableRequest {
  readonly body?: Uint8Array | string;
}

/**
 * Signature parameters, serialised in the object's own key order (RFC 9421 §2.3).
 * Times are Unix seconds.
 */
export interface SignatureParams {
  readonly created?: number;
  readonly expires?: number;
  readonly keyid?: string;
  readonly alg?: string;
  readonly nonce?: string;
  readonly tag?: string;
}

/**
 * Key material to verify with. HMAC secrets are raw bytes (≥ 32) or a CryptoKey; Ed25519 public
 * keys are 32 raw bytes, a 44-byte SPKI DER, or a CryptoKey.
 */
export type VerificationKey =
  | { readonly alg: 'hmac-sha256'; readonly secret: Uint8Array | CryptoKey }
  | { readonly alg: 'ed25519'; readonly publicKey: Uint8Array | CryptoKey }
  | NativeVerificationKey;

/**
 * A key checked by a platform-native primitive instead of WebCrypto, for servers where WebCrypto's
 * asynchronous thread-pool round trip costs more than the check itself (Node's `node:crypto`).
 * `verify` must compare MACs in constant time; `alg` is still what the message's `alg` is checked
 * against.
 */
export interface NativeVerificationKey {
  readonly alg: SignatureAlgorithm;
  verify(data: Uint8Array, signature: Uint8Array): boolean | Promise<boolean>;
}

/**
 * Key material to sign with. Ed25519 private keys are a 32-byte seed, a 48-byte PKCS#8 DER, or a
 * CryptoKey.
 */
export type SigningKey =
  | { readonly alg: 'hmac-sha256'; readonly secret: Uint8Array | CryptoKey }
  | { readonly alg: 'ed25519'; readonly privateKey: Uint8Array | CryptoKey };

/**
 * Headers produced by a signer (lower-case names). A type alias, not an interface, so it can be
 * passed straight to any `Record<string, string>` header bag.
 */
export type SignatureHeaders = {
  readonly 'signature-input': string;
  readonly signature: string;
  readonly 'content-digest'?: string;
};

/**
 * Stable failure codes of signature verification. The server maps all of them to the same 401
 * (no oracle); they exist for logs, metrics and client debugging.
 */
export type SignatureFailureReason =
  | 'missing_headers'
  | 'malformed'
  | 'missing_component'
  | 'missing_param'
  | 'expired'
  | 'created_in_future'
  | 'unknown_key'
  | 'alg_mismatch'
  | 'bad_signature'
  | 'digest_mismatch';

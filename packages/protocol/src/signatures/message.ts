/**
 * Generic RFC 9421 signing and verification of one signature, without Mooring's profile
 * rules. Building blocks for {@link signRequest} / {@link verifyRequestSignature} and for
 * checking the RFC's own test vectors.
 */
import { buildSignatureBase, signatureInputList } from './components.js';
import { signBase, verifyBase } from './keys.js';
import { serializeDictionary } from './sf-serialize.js';
import { sf } from './sf-types.js';
import { type SelectedSignature, selectSignature } from './signature-headers.js';
import type {
  SignableRequest,
  SignatureFailureReason,
  SignatureHeaders,
  SignatureParams,
  SigningKey,
  VerificationKey,
} from './types.js';

export interface MessageSignatureOptions {
  /** Dictionary key used in both headers; default `sig1`. */
  readonly label?: string;
  readonly components: readonly string[];
  /** Serialised in the object's key order. */
  readonly params: SignatureParams;
  readonly key: SigningKey;
}

/** Signature parameters as read back from a Signature-Input member. */
export interface ReceivedParams {
  readonly created?: number;
  readonly expires?: number;
  readonly keyid?: string;
  readonly alg?: string;
  readonly nonce?: string;
  readonly tag?: string;
}

export type MessageVerification =
  | {
      readonly ok: true;
      readonly label: string;
      readonly components: readonly string[];
      readonly params: ReceivedParams;
    }
  | { readonly ok: false; readonly reason: SignatureFailureReason };

/**
 * Signs exactly the given components and parameters (no defaults, no digest).
 *
 * @example
 * await createMessageSignature(req, {
 *   label: 'sig-b25',
 *   components: ['date', '@authority', 'content-type'],
 *   params: { created: 1618884473, keyid: 'test-shared-secret' },
 *   key: { alg: 'hmac-sha256', secret },
 * });
 */
export async function createMessageSignature(
  request: SignableRequest,
  options: MessageSignatureOptions,
): Promise<Pick<SignatureHeaders, 'signature-input' | 'signature'>> {
  const label = options.label ?? 'sig1';
  const input = signatureInputList(options.components, options.params);
  const base = buildSignatureBase(input, request);
  if (!base.ok) throw new TypeError(`cannot build signature base: ${base.why} component`);
  const signature = await signBase(options.key, base.base);
  return {
    'signature-input': serializeDictionary(new Map([[label, input]])),
    signature: serializeDictionary(new Map([[label, sf.item(sf.bytes(signature))]])),
  };
}

const INTEGER_PARAMS = new Set(['created', 'expires']);
const STRING_PARAMS = new Set(['keyid', 'alg', 'nonce', 'tag']);

/** Typed view of the well-known parameters; a wrong type is malformed, unknown ones are kept only in the base. */
export function readParams(selected: SelectedSignature): ReceivedParams | null {
  const out: Record<string, string | number> = {};
  for (const [key, value] of selected.input.params) {
    if (INTEGER_PARAMS.has(key)) {
      if (value.type !== 'integer') return null;
      out[key] = value.value;
    } else if (STRING_PARAMS.has(key)) {
      if (value.type !== 'string') return null;
      out[key] = value.value;
    }
  }
  return out as ReceivedParams;
}

/** Component names of a selected signature (all string items, checked by the base builder). */
export function coveredComponents(selected: SelectedSignature): string[] {
  return selected.input.items.map((item) => (item.value.type === 'string' ? item.value.value : ''));
}

export type SignatureCheck = 'ok' | 'malformed' | 'bad_signature';

/** Rebuilds the base from the received Signature-Input and checks the signature bytes. */
export async function checkSignature(
  request: SignableRequest,
  selected: SelectedSignature,
  key: VerificationKey,
): Promise<SignatureCheck> {
  const base = buildSignatureBase(selected.input, request);
  // A covered field that is missing cannot match what the signer saw: same as a changed value.
  if (!base.ok) return base.why === 'absent' ? 'bad_signature' : 'malformed';
  return (await verifyBase(key, base.base, selected.signature)) ? 'ok' : 'bad_signature';
}

/**
 * Verifies one signature with a known key. It checks structure, `alg` (when present) and the
 * cryptographic signature only: no freshness, coverage or nonce rules. Servers must use
 * {@link verifyRequestSignature}, which applies Mooring's profile.
 *
 * @example
 * const r = await verifyMessageSignature(req, { alg: 'ed25519', publicKey }, { label: 'sig-b26' });
 */
export async function verifyMessageSignature(
  request: SignableRequest,
  key: VerificationKey,
  options: { readonly label?: string } = {},
): Promise<MessageVerification> {
  const selected = selectSignature(request, options.label);
  if (!selected.ok) return selected;
  const params = readParams(selected.value);
  if (params === null) return { ok: false, reason: 'malformed' };
  // The algorithm comes from the key, never from the message (RFC 9421 §3.3.7); a declared
  // alg may only confirm it.
  if (params.alg !== undefined && params.alg !== key.alg) return { ok: false, reason: 'alg_mismatch' };
  const result = await checkSignature(request, selected.value, key);
  if (result !== 'ok') return { ok: false, reason: result };
  return { ok: true, label: selected.value.label, components: coveredComponents(selected.value), params };
}

/**
 * Component values and the signature base (RFC 9421 §2.1, §2.2, §2.5).
 */
import { serializeInnerList } from './sf-serialize.js';
import { type BareItem, type SfInnerList, type SfItem, sf } from './sf-types.js';
import { fieldLines } from './signature-headers.js';
import type { SignableRequest, SignatureParams } from './types.js';

/** Derived components this profile can compute for a request. */
export const DERIVED_COMPONENTS = [
  '@method',
  '@authority',
  '@path',
  '@query',
  '@target-uri',
  '@scheme',
  '@request-target',
] as const;

type ComponentValue =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly why: 'unsupported' | 'absent' | 'invalid' };

const FIELD_NAME = /^[a-z0-9!#$%&'*+\-.^_`|~]+$/;
// Obsolete line folding is replaced by one space (RFC 9421 §2.1).
const OBS_FOLD = /\r?\n[ \t]+/g;
/**
 * Any CR, LF or other control character (HTAB excepted) left in a value would let it forge extra
 * lines in the signature base (e.g. a fake "@method" line), so such values are refused outright.
 */
function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return true;
  }
  return false;
}

function checked(value: string): ComponentValue {
  return hasControlCharacter(value) ? { ok: false, why: 'invalid' } : { ok: true, value };
}

function trimOws(value: string): string {
  return value.replace(/^[ \t]+|[ \t]+$/g, '');
}

function headerValue(request: SignableRequest, name: string): ComponentValue {
  const lines = fieldLines(request.headers, name);
  if (lines.length === 0) return { ok: false, why: 'absent' };
  return checked(lines.map((line) => trimOws(line.replace(OBS_FOLD, ' '))).join(', '));
}

function authority(request: SignableRequest): string {
  // Host is case-insensitive and default ports are implied (RFC 9110 §4.2.3).
  const value = request.authority.toLowerCase();
  const scheme = request.scheme?.toLowerCase();
  if (scheme === 'https' && value.endsWith(':443')) return value.slice(0, -4);
  if (scheme === 'http' && value.endsWith(':80')) return value.slice(0, -3);
  return value;
}

function query(request: SignableRequest): string {
  // An absent query is the single "?" (RFC 9421 §2.2.7).
  if (request.query === '') return '?';
  return request.query.startsWith('?') ? request.query : `?${request.query}`;
}

function derived(request: SignableRequest, name: string): ComponentValue {
  const path = request.path === '' ? '/' : request.path;
  switch (name) {
    case '@method':
      // Mooring profile: upper-cased on both sides, like fetch() normalises standard methods.
      return checked(request.method.toUpperCase());
    case '@authority':
      return checked(authority(request));
    case '@path':
      return checked(path);
    case '@query':
      return checked(query(request));
    case '@request-target':
      return checked(request.query === '' ? path : path + query(request));
    case '@scheme':
    case '@target-uri': {
      const scheme = request.scheme?.toLowerCase();
      if (scheme === undefined || scheme === '') return { ok: false, why: 'absent' };
      if (name === '@scheme') return checked(scheme);
      const q = request.query === '' ? '' : query(request);
      return checked(`${scheme}://${authority(request)}${path}${q}`);
    }
    default:
      return { ok: false, why: 'unsupported' };
  }
}

/** The value of one covered component, or why it cannot be computed. */
export function componentValue(request: SignableRequest, name: string): ComponentValue {
  if (name.startsWith('@')) return derived(request, name);
  if (!FIELD_NAME.test(name)) return { ok: false, why: 'invalid' };
  return headerValue(request, name);
}

export type BaseResult =
  | { readonly ok: true; readonly base: string }
  | { readonly ok: false; readonly why: 'unsupported' | 'absent' | 'invalid' | 'duplicate' };

/**
 * Builds the signature base from a parsed Signature-Input member. The `@signature-params` line
 * re-serialises the received inner list, so what is verified is exactly what was declared.
 */
export function buildSignatureBase(input: SfInnerList, request: SignableRequest): BaseResult {
  const seen = new Set<string>();
  let base = '';
  for (const item of input.items) {
    // Component parameters (;sf, ;key, ;req, …) are outside this profile.
    if (item.value.type !== 'string' || item.params.size > 0) return { ok: false, why: 'unsupported' };
    const name = item.value.value;
    if (name === '@signature-params') return { ok: false, why: 'invalid' };
    if (seen.has(name)) return { ok: false, why: 'duplicate' };
    seen.add(name);
    const value = componentValue(request, name);
    if (!value.ok) return value;
    base += `"${name}": ${value.value}\n`;
  }
  return { ok: true, base: `${base}"@signature-params": ${serializeInnerList(input)}` };
}

/** Builds the Signature-Input inner list for the given components and parameters. */
export function signatureInputList(components: readonly string[], params: SignatureParams): SfInnerList {
  const items: SfItem[] = components.map((c) => sf.item(sf.string(c.startsWith('@') ? c : c.toLowerCase())));
  const map = new Map<string, BareItem>();
  for (const [key, value] of Object.entries(params) as [string, string | number | undefined][]) {
    if (value === undefined) continue;
    map.set(key, typeof value === 'number' ? sf.integer(value) : sf.string(value));
  }
  return sf.innerList(items, map);
}

/**
 * The RFC 9421 §2.5 signature base for a request: one `"name": value` line per component,
 * then the `@signature-params` line. Header names are matched case-insensitively.
 * Throws `TypeError` when a component cannot be computed (absent header, unsupported name,
 * control characters): signing such a request is a programming error.
 *
 * @example
 * signatureBase(['@method', '@path'], { created: 1700000000, keyid: 'k1' },
 *   { method: 'GET', authority: 'api.example', path: '/v7/device', query: '', headers: {} });
 * // '"@method": GET\n"@path": /v7/device\n"@signature-params": ("@method" "@path");created=1700000000;keyid="k1"'
 */
export function signatureBase(
  components: readonly string[],
  params: SignatureParams,
  request: SignableRequest,
): string {
  const result = buildSignatureBase(signatureInputList(components, params), request);
  if (!result.ok) throw new TypeError(`cannot build signature base: ${result.why} component`);
  return result.base;
}

/**
 * Reading the Signature-Input / Signature pair of one label (RFC 9421 §4.1, §4.2).
 */
import { parseDictionary } from './sf-parse.js';
import type { SfInnerList } from './sf-types.js';
import type { HeaderValue, SignableRequest } from './types.js';

/** Larger credential headers are refused before parsing: bounded work on hostile input. */
export const MAX_SIGNATURE_HEADER_LENGTH = 8_192;

export interface SelectedSignature {
  readonly label: string;
  readonly input: SfInnerList;
  readonly signature: Uint8Array;
}

export type SelectResult =
  | { readonly ok: true; readonly value: SelectedSignature }
  | { readonly ok: false; readonly reason: 'missing_headers' | 'malformed' };

/** All lines of the lower-case field `name`, whatever the case of the header names; [] when absent. */
export function fieldLines(headers: Readonly<Record<string, HeaderValue>>, name: string): string[] {
  const lines: string[] = [];
  for (const key of Object.keys(headers)) {
    if (!sameFieldName(key, name)) continue;
    const value = headers[key];
    if (value === undefined) continue;
    if (typeof value === 'string') lines.push(value);
    else lines.push(...value);
  }
  return lines;
}

/** All lines of a header, joined with ", " (RFC 9110 §5.3); undefined when absent. */
export function joinedHeader(
  headers: Readonly<Record<string, HeaderValue>>,
  name: string,
): string | undefined {
  const lines = fieldLines(headers, name);
  return lines.length === 0 ? undefined : lines.join(', ');
}

/** `key` names the lower-case field `name`, in any case (the length test spares most lower-casing). */
function sameFieldName(key: string, name: string): boolean {
  return key.length === name.length && (key === name || key.toLowerCase() === name);
}

/**
 * Picks the signature with `label`, or the first member of Signature-Input when no label is
 * asked for, and checks it has the right structured-field shape.
 */
export function selectSignature(request: SignableRequest, label?: string): SelectResult {
  const inputHeader = joinedHeader(request.headers, 'signature-input');
  const signatureHeader = joinedHeader(request.headers, 'signature');
  if (inputHeader === undefined || signatureHeader === undefined)
    return { ok: false, reason: 'missing_headers' };
  if (
    inputHeader.length > MAX_SIGNATURE_HEADER_LENGTH ||
    signatureHeader.length > MAX_SIGNATURE_HEADER_LENGTH
  ) {
    return { ok: false, reason: 'malformed' };
  }
  const inputs = parseDictionary(inputHeader);
  const signatures = parseDictionary(signatureHeader);
  if (!inputs.ok || !signatures.ok) return { ok: false, reason: 'malformed' };
  const chosen = label ?? inputs.value.keys().next().value;
  if (chosen === undefined) return { ok: false, reason: 'missing_headers' };
  const input = inputs.value.get(chosen);
  const signature = signatures.value.get(chosen);
  if (input === undefined || signature === undefined) return { ok: false, reason: 'missing_headers' };
  if (input.kind !== 'inner-list' || signature.kind !== 'item' || signature.value.type !== 'bytes') {
    return { ok: false, reason: 'malformed' };
  }
  return { ok: true, value: { label: chosen, input, signature: signature.value.value } };
}

/**
 * RFC 9530 Content-Digest with sha-256 and sha-512 (WebCrypto digests).
 */
import { toBytes } from '../encoding.js';
import { parseDictionary } from './sf-parse.js';
import { serializeDictionary } from './sf-serialize.js';
import { sf } from './sf-types.js';

export type DigestAlgorithm = 'sha-256' | 'sha-512';

const SUBTLE_NAME: Readonly<Record<DigestAlgorithm, string>> = { 'sha-256': 'SHA-256', 'sha-512': 'SHA-512' };

export type DigestCheck =
  | { readonly ok: true; readonly algorithms: readonly DigestAlgorithm[] }
  | { readonly ok: false; readonly reason: 'malformed' | 'unsupported_algorithm' | 'mismatch' };

async function digest(alg: DigestAlgorithm, body: Uint8Array | string): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.digest(SUBTLE_NAME[alg], toBytes(body)));
}

/**
 * The Content-Digest field value for a body.
 *
 * @example await contentDigest(new TextEncoder().encode('{"hello": "world"}'), 'sha-256')
 * // 'sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:'
 */
export async function contentDigest(
  body: Uint8Array | string,
  alg: DigestAlgorithm = 'sha-256',
): Promise<string> {
  if (SUBTLE_NAME[alg] === undefined) throw new TypeError(`unsupported digest algorithm: ${String(alg)}`);
  return serializeDictionary(new Map([[alg, sf.item(sf.bytes(await digest(alg, body)))]]));
}

/**
 * Checks a received Content-Digest value against the body. Every sha-256 / sha-512 member
 * present must match; other algorithms are ignored (RFC 9530 §2), and a value carrying only
 * unknown algorithms is refused, since it would protect nothing.
 *
 * Digests are not secret, so an ordinary comparison is fine here; the digest is trusted only
 * because the Content-Digest field itself is covered by the signature.
 *
 * @example
 * const r = await verifyContentDigest(req.headers['content-digest'], body);
 * if (!r.ok) reject(r.reason);
 */
export async function verifyContentDigest(
  headerValue: string,
  body: Uint8Array | string,
): Promise<DigestCheck> {
  const parsed = parseDictionary(headerValue);
  if (!parsed.ok) return { ok: false, reason: 'malformed' };
  const checked: DigestAlgorithm[] = [];
  for (const [name, member] of parsed.value) {
    if (name !== 'sha-256' && name !== 'sha-512') continue;
    if (member.kind !== 'item' || member.value.type !== 'bytes') return { ok: false, reason: 'malformed' };
    const expected = member.value.value;
    const actual = await digest(name, body);
    if (expected.length !== actual.length || expected.some((b, i) => b !== actual[i])) {
      return { ok: false, reason: 'mismatch' };
    }
    checked.push(name);
  }
  if (checked.length === 0) return { ok: false, reason: 'unsupported_algorithm' };
  return { ok: true, algorithms: checked };
}

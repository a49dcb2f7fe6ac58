/**
 * Mooring API key format (see docs/key-format.md).
 *
 *   mk_<kind>_<publicId>_<secret><checksum>
 *   mk_u_0N3XyBfTr2Qk9_<33 base62 secret chars><6 base62 CRC-32 chars>
 *
 * - `kind`: `u` user (named) key, `p` provisioning key, `d` device key.
 * - `publicId`: 13 base62 chars encoding 72 random bits. Not secret: database lookup id and
 *   display prefix.
 * - `secret`: 33 base62 chars encoding 192 random bits.
 * - `checksum`: CRC-32 of everything before it, 6 base62 chars.
 *
 * The `mk_` prefix makes keys greppable and guarantees they are never all digits, never a JSON
 * literal and never contain a dot (balena-sdk storage and JWT detection depend on that,
 * COMPAT.md A1). `_` separators keep the whole key selectable by a double click.
 */
import { crc32 } from './crc32.js';

export type ApiKeyKind = 'user' | 'provisioning' | 'device';

export interface GeneratedApiKey {
  /** The full secret key; show it once, store only HMAC-SHA256(pepper, key). */
  readonly key: string;
  readonly publicId: string;
  readonly kind: ApiKeyKind;
}

export interface ParsedApiKey {
  readonly kind: ApiKeyKind;
  readonly publicId: string;
  readonly key: string;
}

/** Source of random bytes; must return exactly `n` bytes. Injectable for deterministic vectors. */
export type RandomBytes = (n: number) => Uint8Array;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Random bytes behind the public id: 72 bits keeps collisions negligible (birthday bound 2^36). */
export const API_KEY_PUBLIC_ID_BYTES = 9;
/** Random bytes behind the secret: 192 bits, above the 160-bit floor of the design. */
export const API_KEY_SECRET_BYTES = 24;
const PUBLIC_ID_CHARS = 13; // ceil(72 / log2(62))
const SECRET_CHARS = 33; // ceil(192 / log2(62))
const CHECKSUM_CHARS = 6; // ceil(32 / log2(62))

const KIND_TO_CODE = { user: 'u', provisioning: 'p', device: 'd' } as const satisfies Record<
  ApiKeyKind,
  string
>;
const CODE_TO_KIND: Readonly<Record<string, ApiKeyKind>> = { u: 'user', p: 'provisioning', d: 'device' };

/** Total length of every Mooring API key. */
export const API_KEY_LENGTH = 3 + 2 + PUBLIC_ID_CHARS + 1 + SECRET_CHARS + CHECKSUM_CHARS;

// Fixed-length, anchored, no nested quantifiers: linear time, no backtracking blow-up.
const KEY_SHAPE = /^mk_([upd])_([0-9A-Za-z]{13})_([0-9A-Za-z]{39})$/;

/**
 * A fresh global RegExp that finds Mooring API keys inside arbitrary text (log scrubbing,
 * leak scanning). Matches may still fail the checksum; confirm with {@link parseApiKey}.
 *
 * @example 'x mk_u_… y'.replace(apiKeyScanPattern(), '[redacted]')
 */
export function apiKeyScanPattern(): RegExp {
  return /\bmk_[upd]_[0-9A-Za-z]{13}_[0-9A-Za-z]{39}\b/g;
}

/** Fixed-width big-endian base62 of the bytes, so every key has the same length. */
function base62Fixed(bytes: Uint8Array, width: number): string {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = '';
  for (let i = 0; i < width; i++) {
    out = BASE62.charAt(Number(n % 62n)) + out;
    n /= 62n;
  }
  return out;
}

function checksumChars(body: string): string {
  const crc = crc32(body);
  return base62Fixed(new Uint8Array([crc >>> 24, (crc >>> 16) & 0xff, (crc >>> 8) & 0xff, crc & 0xff]), 6);
}

function defaultRandom(n: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}

/**
 * Generates a new API key of the given kind from a CSPRNG (WebCrypto `getRandomValues`).
 *
 * @example
 * const { key, publicId } = generateApiKey('user');
 * // key:      'mk_u_5YfE0xq3Lk2Ab_…' (58 chars, shown to the user once)
 * // publicId: '5YfE0xq3Lk2Ab'        (store it in clear as the lookup id)
 */
export function generateApiKey(kind: ApiKeyKind, random: RandomBytes = defaultRandom): GeneratedApiKey {
  const code = KIND_TO_CODE[kind];
  if (code === undefined) throw new TypeError(`unknown API key kind: ${String(kind)}`);
  const total = API_KEY_PUBLIC_ID_BYTES + API_KEY_SECRET_BYTES;
  const bytes = random(total);
  if (!(bytes instanceof Uint8Array) || bytes.length !== total) {
    throw new TypeError(`random(${total}) must return exactly ${total} bytes`);
  }
  const publicId = base62Fixed(bytes.subarray(0, API_KEY_PUBLIC_ID_BYTES), PUBLIC_ID_CHARS);
  const secret = base62Fixed(bytes.subarray(API_KEY_PUBLIC_ID_BYTES), SECRET_CHARS);
  const body = `mk_${code}_${publicId}_${secret}`;
  return { key: body + checksumChars(body), publicId, kind };
}

/**
 * Checks shape and checksum of a presented key without any I/O. Returns null for anything that
 * is not a well-formed Mooring key (including device-chosen keys, COMPAT A7, which the server
 * resolves separately). Never throws; rejects oversized input by length before any scanning.
 *
 * The checksum is public information, so comparing it in variable time leaks nothing.
 *
 * @example
 * const parsed = parseApiKey(bearer);
 * if (parsed === null) return unauthorized(); // no database or cache touched
 * const row = await findKeyByPublicId(db, parsed.publicId);
 */
export function parseApiKey(value: string): ParsedApiKey | null {
  if (typeof value !== 'string' || value.length !== API_KEY_LENGTH) return null;
  const match = KEY_SHAPE.exec(value);
  if (match === null) return null;
  const [, code, publicId, tail] = match;
  if (code === undefined || publicId === undefined || tail === undefined) return null;
  const kind = CODE_TO_KIND[code];
  if (kind === undefined) return null;
  const body = value.slice(0, API_KEY_LENGTH - CHECKSUM_CHARS);
  if (checksumChars(body) !== value.slice(API_KEY_LENGTH - CHECKSUM_CHARS)) return null;
  return { kind, publicId, key: value };
}

/**
 * The non-secret part of a key, safe to show in key lists and logs: `mk_<kind>_<publicId>`.
 * Returns null when the input is not a valid Mooring key, so a mistyped secret or a
 * device-chosen key is never partially echoed.
 *
 * @example displayPrefix(key) // 'mk_u_5YfE0xq3Lk2Ab'
 */
export function displayPrefix(key: string): string | null {
  const parsed = parseApiKey(key);
  return parsed === null ? null : `mk_${KIND_TO_CODE[parsed.kind]}_${parsed.publicId}`;
}

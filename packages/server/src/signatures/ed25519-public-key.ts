/*
 * Validation of caller-supplied Ed25519 public keys. The server never holds an Ed25519 private key,
 * so the one thing it can get wrong is accepting a key nobody can sign for: a non-canonical or
 * off-curve encoding, or one of the small-order points that let forged signatures verify for many
 * messages (RFC 8032 §5.1.3; "Taming the many EdDSAs").
 */

const P = 2n ** 255n - 19n;
const D = (-121665n * modInverse(121666n)) % P;

function mod(a: bigint): bigint {
  const r = a % P;
  return r < 0n ? r + P : r;
}

function modPow(base: bigint, exp: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return result;
}

function modInverse(a: bigint): bigint {
  return modPow(a, P - 2n);
}

type Point = readonly [bigint, bigint, bigint, bigint]; // extended coordinates (X, Y, Z, T)

function add(p: Point, q: Point): Point {
  const a = mod((p[1] - p[0]) * (q[1] - q[0]));
  const b = mod((p[1] + p[0]) * (q[1] + q[0]));
  const c = mod(2n * D * p[3] * q[3]);
  const d = mod(2n * p[2] * q[2]);
  const e = b - a;
  const f = d - c;
  const g = d + c;
  const h = b + a;
  return [mod(e * f), mod(g * h), mod(f * g), mod(e * h)];
}

/** The decoded point, or null if the 32 bytes are not a canonical encoding of a curve point. */
function decodePoint(bytes: Uint8Array): Point | null {
  let y = 0n;
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(bytes[i] ?? 0);
  const sign = y >> 255n;
  y &= (1n << 255n) - 1n;
  if (y >= P) return null;
  const y2 = mod(y * y);
  const x2 = mod((y2 - 1n) * modInverse(mod(D * y2 + 1n)));
  let x = modPow(x2, (P + 3n) / 8n);
  if (mod(x * x - x2) !== 0n) x = mod(x * modPow(2n, (P - 1n) / 4n));
  if (mod(x * x - x2) !== 0n) return null;
  if (x === 0n && sign === 1n) return null;
  if ((x & 1n) !== sign) x = P - x;
  return [x, y, 1n, mod(x * y)];
}

function isIdentity(p: Point): boolean {
  return mod(p[0]) === 0n && mod(p[1] - p[2]) === 0n;
}

/**
 * Parses an Ed25519 public key given as 32 raw bytes in base64url or base64 (the JWK `x`), or as a
 * PEM/DER SPKI, and returns the 32 raw bytes; null when it is not a usable public key.
 */
export function parseEd25519PublicKey(text: string): Uint8Array | null {
  const trimmed = text.trim();
  if (trimmed.length > 1024) return null;
  let raw: Uint8Array | null = null;
  const pem = /^-----BEGIN PUBLIC KEY-----([A-Za-z0-9+/=\s]+)-----END PUBLIC KEY-----$/.exec(trimmed);
  if (pem?.[1]) {
    const der = Buffer.from(pem[1].replace(/\s+/g, ''), 'base64');
    const prefix = Buffer.from('302a300506032b6570032100', 'hex');
    if (der.length === 44 && der.subarray(0, 12).equals(prefix)) raw = new Uint8Array(der.subarray(12));
  } else if (/^[A-Za-z0-9_-]{43}$/.test(trimmed) || /^[A-Za-z0-9+/]{43}=$/.test(trimmed)) {
    raw = new Uint8Array(Buffer.from(trimmed, trimmed.endsWith('=') ? 'base64' : 'base64url'));
  }
  if (raw?.length !== 32) return null;
  const point = decodePoint(raw);
  if (!point) return null;
  // Cofactor 8: a point of small order times 8 is the identity.
  let eight = point;
  for (let i = 0; i < 3; i++) eight = add(eight, eight);
  if (isIdentity(eight)) return null;
  return raw;
}

import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Keys are stored as HMAC-SHA256(pepper, key): a database leak alone does not let anyone check
 * guesses offline without also stealing the server secret the pepper is derived from.
 */
export function hashApiKey(pepper: Uint8Array, key: string): string {
  return createHmac('sha256', pepper).update(key).digest('hex');
}

/** Constant-time comparison of two hex digests of equal length. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

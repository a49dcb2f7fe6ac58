import { hash, verify } from '@node-rs/argon2';
import { AppError } from '../errors/app-error.js';

// @node-rs/argon2 defaults to argon2id, m=19 MiB, t=2, p=1 (the OWASP baseline).
const MIN_LENGTH = 8;
// Bounds the hashing work an attacker can ask for with one request.
const MAX_LENGTH = 1024;

export function validateNewPassword(password: unknown): string {
  if (typeof password !== 'string' || password.length < MIN_LENGTH) {
    throw new AppError('validation', `Password must be at least ${MIN_LENGTH} characters`);
  }
  if (password.length > MAX_LENGTH) {
    throw new AppError('validation', `Password must be at most ${MAX_LENGTH} characters`);
  }
  return password;
}

export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

/** Never throws on a malformed stored hash: that is simply a mismatch. */
export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  if (password.length > MAX_LENGTH) return false;
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the same time as a real verification, so that "unknown user" and "wrong password"
 * cannot be told apart by timing.
 */
export async function burnPasswordCheck(password: string): Promise<void> {
  dummyHash ??= hash('mooring-dummy-password-for-timing');
  await verifyPassword(await dummyHash, password);
}

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/*
 * HMAC signing secrets at rest (DESIGN.md §4): AES-256-GCM under the encryption key derived from the
 * master secret (config/secrets.ts). The key's public id is bound in as additional authenticated data,
 * so a ciphertext copied onto another key row does not decrypt there.
 * Stored form: `v1.<base64url(iv ‖ ciphertext ‖ tag)>`; the version prefix leaves room for rotation
 * of the scheme.
 */

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export function sealSecret(encryptionKey: Uint8Array, publicId: string, secret: Uint8Array): string {
  if (encryptionKey.length !== 32) throw new TypeError('AES-256-GCM needs a 32-byte key');
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', encryptionKey, iv);
  cipher.setAAD(Buffer.from(`mooring/signing-secret/${publicId}`, 'utf8'));
  const body = Buffer.concat([cipher.update(secret), cipher.final()]);
  return `${VERSION}.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
}

/** The plaintext secret, or null if the stored value is not ours (wrong key, tampered, other row). */
export function openSecret(
  encryptionKey: Uint8Array,
  publicId: string,
  sealed: string,
): Uint8Array<ArrayBuffer> | null {
  const [version, payload] = sealed.split('.');
  if (version !== VERSION || payload === undefined) return null;
  const bytes = Buffer.from(payload, 'base64url');
  if (bytes.length <= IV_BYTES + TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', encryptionKey, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(`mooring/signing-secret/${publicId}`, 'utf8'));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    const plain = Buffer.concat([
      decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)),
      decipher.final(),
    ]);
    return new Uint8Array(plain);
  } catch {
    return null;
  }
}

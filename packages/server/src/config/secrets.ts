import { hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config.js';

/** Subkeys derived from the one master secret; each use gets its own key so none can stand in for another. */
export interface DerivedKeys {
  readonly jwt: Uint8Array;
  readonly apiKeyPepper: Uint8Array;
  readonly encryption: Uint8Array;
}

/**
 * The master secret: from configuration, or generated once into `<dataDir>/secret` (mode 0600) for
 * the embedded database. PostgreSQL deployments must configure it (checked in loadConfig), because
 * several instances must agree on it.
 */
export function loadMasterSecret(config: Config): string {
  if (config.secret !== undefined) return config.secret;
  const file = join(config.dataDir, 'secret');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(config.dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  // 'wx' refuses to overwrite a secret another process wrote in the meantime.
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return secret;
}

/** HKDF-SHA256 with distinct labels (RFC 5869). */
export function deriveKeys(masterSecret: string): DerivedKeys {
  const derive = (label: string): Uint8Array =>
    new Uint8Array(hkdfSync('sha256', masterSecret, 'mooring/v1', label, 32));
  return Object.freeze({
    jwt: derive('session-jwt-hs256'),
    apiKeyPepper: derive('api-key-pepper'),
    encryption: derive('aes-256-gcm-signing-secrets'),
  });
}

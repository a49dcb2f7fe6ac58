import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { FileTokenStore } from '@mooring/sdk/node';
import { usageError } from './cli-error.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** What `mooring login` remembers besides the token: the server to talk to by default. */
export interface StoredConfig {
  readonly apiUrl?: string;
}

/**
 * `$MOORING_CONFIG_DIR`, else `$XDG_CONFIG_HOME/mooring`, else `~/.config/mooring` (XDG Base
 * Directory specification).
 */
export function configDir(env: Env): string {
  const explicit = env.MOORING_CONFIG_DIR?.trim();
  if (explicit) return explicit;
  const xdg = env.XDG_CONFIG_HOME?.trim();
  return join(xdg ? xdg : join(env.HOME?.trim() || homedir(), '.config'), 'mooring');
}

export function readStoredConfig(dir: string): StoredConfig {
  const file = join(dir, 'config.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw usageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not an object');
    const apiUrl = (parsed as Record<string, unknown>).apiUrl;
    return typeof apiUrl === 'string' ? { apiUrl } : {};
  } catch {
    throw usageError(
      `${file} is not a valid configuration file (expected JSON such as {"apiUrl": "…"}); fix or delete it`,
    );
  }
}

/** Written like the token: owner-only, via a temporary file renamed into place. */
export function writeStoredConfig(dir: string, config: StoredConfig): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'config.json');
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/**
 * One session file per server: a token issued by one server is never sent to another one just
 * because `--api-url` changed.
 */
export function sessionStore(dir: string, apiUrl: string): FileTokenStore {
  const id = createHash('sha256').update(apiUrl).digest('hex').slice(0, 20);
  return new FileTokenStore(join(dir, 'sessions', `${id}.token`));
}

import { usageError } from './cli-error.js';
import { type Env, readStoredConfig } from './config-store.js';

export const DEFAULT_API_URL = 'http://127.0.0.1:8080';

export type TargetSource = '--api-url' | 'MOORING_API_URL' | 'config' | 'default';

export interface Target {
  readonly apiUrl: string;
  readonly source: TargetSource;
}

/** `--api-url`, else `$MOORING_API_URL`, else the server of the last `mooring login`, else the default. */
export function resolveTarget(flag: string | undefined, env: Env, dir: string): Target {
  if (flag !== undefined) return { apiUrl: parseApiUrl(flag, '--api-url'), source: '--api-url' };
  const fromEnv = env.MOORING_API_URL?.trim();
  if (fromEnv) return { apiUrl: parseApiUrl(fromEnv, 'MOORING_API_URL'), source: 'MOORING_API_URL' };
  const stored = readStoredConfig(dir).apiUrl;
  if (stored !== undefined)
    return { apiUrl: parseApiUrl(stored, 'the configuration file'), source: 'config' };
  return { apiUrl: DEFAULT_API_URL, source: 'default' };
}

/**
 * Accepts `http(s)://host[:port][/base]` and normalises it (no trailing slash). User info in the URL
 * is refused: it would be sent nowhere, and it invites putting passwords on the command line.
 */
export function parseApiUrl(raw: string, from: string): string {
  const text = raw.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usageError(
      `${from} "${shorten(text)}" is not a URL: expected http(s)://host[:port], e.g. ${DEFAULT_API_URL}`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError(`${from} "${shorten(text)}" must start with http:// or https://`);
  }
  if (url.username !== '' || url.password !== '') {
    throw usageError(
      `${from} must not contain a user name or password; use \`mooring login\` or MOORING_API_KEY`,
    );
  }
  if (url.search !== '' || url.hash !== '') {
    throw usageError(`${from} "${shorten(text)}" must not have a query string or fragment`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function shorten(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

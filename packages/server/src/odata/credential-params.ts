/** Query parameters that carry a credential (COMPAT.md A1, A5); the OData parser ignores both. */
const CREDENTIAL_PARAMS = new Set(['apikey', 'auth_token']);

/**
 * The URL without `?apikey=` / `?auth_token=`: the read path caches by URL, and a credential must
 * neither sit in that cache (a heap dump would show it) nor make every caller's URL a new entry.
 * Names are compared decoded, as Fastify decodes them for authentication (`api%6Bey` is `apikey`).
 */
export function withoutCredentialParams(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const query = url.slice(q + 1);
  if (!/apikey|auth_token|%/i.test(query)) return url;
  const kept = query.split('&').filter((part) => !CREDENTIAL_PARAMS.has(paramName(part)));
  return kept.length === 0 ? url.slice(0, q) : `${url.slice(0, q)}?${kept.join('&')}`;
}

function paramName(part: string): string {
  const eq = part.indexOf('=');
  const raw = eq < 0 ? part : part.slice(0, eq);
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** Query parameters that carry a credential (COMPAT.md A1, A5); the OData parser ignores both. */
const CREDENTIAL_PARAMS: readonly string[] = ['apikey', 'auth_token'];

/**
 * The URL without `?apikey=` / `?auth_token=`: the read path caches by URL, and a credential must
 * neither sit in that cache (a heap dump would show it) nor make every caller's URL a new entry.
 * Names are compared decoded, as Fastify decodes them for authentication (`api%6Bey` is `apikey`).
 */
export function withoutCredentialParams(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  if (!namesCredential(url, q + 1)) return url;
  const query = url.slice(q + 1);
  const kept = query.split('&').filter((part) => !CREDENTIAL_PARAMS.includes(paramName(part)));
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

/**
 * Whether any parameter name from `from` on may be a credential: one of CREDENTIAL_PARAMS, or an
 * encoded name (decoded by the slow path). Values are not looked at, so the common OData URL — every
 * value percent-encoded, no credential — is answered by this scan alone, without allocating.
 */
function namesCredential(url: string, from: number): boolean {
  for (let start = from; start <= url.length; ) {
    let end = url.indexOf('&', start);
    if (end < 0) end = url.length;
    let eq = url.indexOf('=', start);
    if (eq < 0 || eq > end) eq = end;
    for (const name of CREDENTIAL_PARAMS) {
      if (eq - start === name.length && url.startsWith(name, start)) return true;
    }
    const percent = url.indexOf('%', start);
    if (percent >= 0 && percent < eq) return true;
    start = end + 1;
  }
  return false;
}

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
  // The kept parameters as [start, end) ranges of `url`, read in place: no split, no copies.
  const kept: [number, number][] = [];
  for (let start = q + 1; ; ) {
    let end = url.indexOf('&', start);
    if (end < 0) end = url.length;
    if (!CREDENTIAL_PARAMS.includes(paramName(url, start, end))) kept.push([start, end]);
    if (end === url.length) break;
    start = end + 1;
  }
  if (kept.length === 0) return url.slice(0, q);
  // The usual case, `…&apikey=…` last: what is kept is one run from the "?" on, i.e. a prefix.
  let prefix = (kept[0] as [number, number])[0] === q + 1;
  for (let i = 1; prefix && i < kept.length; i++) {
    prefix = (kept[i] as [number, number])[0] === (kept[i - 1] as [number, number])[1] + 1;
  }
  if (prefix) return url.slice(0, (kept[kept.length - 1] as [number, number])[1]);
  return `${url.slice(0, q)}?${kept.map(([start, end]) => url.slice(start, end)).join('&')}`;
}

/** The decoded name of the parameter in `url` between `start` and `end`. */
function paramName(url: string, start: number, end: number): string {
  let eq = url.indexOf('=', start);
  if (eq < 0 || eq > end) eq = end;
  const raw = url.slice(start, eq);
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

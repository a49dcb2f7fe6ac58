import { decodedParamName, isCredentialParam } from '../auth/credential-params.js';

/**
 * The URL without `?apikey=` / `?auth_token=`: the read path caches by URL, and a credential must
 * neither sit in that cache (a heap dump would show it) nor make every caller's URL a new entry.
 * Names are compared decoded, as the router decodes them for authentication (`api%6Bey` is `apikey`).
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
    if (!isCredentialParam(decodedParamName(url.slice(start, end)))) kept.push([start, end]);
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

/**
 * Whether any parameter name from `from` on may be a credential (auth/credential-params.ts), or is
 * encoded and must be decoded to tell. OData options (`$filter`, …) are skipped without allocating,
 * so the common OData URL — no credential — is answered by this scan alone.
 */
function namesCredential(url: string, from: number): boolean {
  for (let start = from; start <= url.length; ) {
    let end = url.indexOf('&', start);
    if (end < 0) end = url.length;
    if (url.charCodeAt(start) !== 36 /* $ */) {
      let eq = url.indexOf('=', start);
      if (eq < 0 || eq > end) eq = end;
      if (isCredentialParam(decodedParamName(url.slice(start, eq)))) return true;
    }
    start = end + 1;
  }
  return false;
}

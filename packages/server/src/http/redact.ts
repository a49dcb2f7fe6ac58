import { decodedParamName, isCredentialParam } from '../auth/credential-params.js';

const REDACTED = '[REDACTED]';

/**
 * The URL with the value of every credential-bearing query parameter replaced by `[REDACTED]`.
 * Names are decoded exactly as the router decodes them (auth/credential-params.ts), so every
 * spelling the server accepts as a credential — `apikey`, `api%6Bey`, `%61%70%69%6B%65%79` — is
 * redacted; a bare parameter with a credential name loses nothing it could leak.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const hash = url.indexOf('#', q);
  const end = hash < 0 ? url.length : hash;
  const params = url.slice(q + 1, end).split('&');
  let changed = false;
  for (let i = 0; i < params.length; i++) {
    const param = params[i] as string;
    if (!isCredentialParam(decodedParamName(param))) continue;
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    params[i] = `${param.slice(0, eq + 1)}${REDACTED}`;
    changed = true;
  }
  return changed ? `${url.slice(0, q + 1)}${params.join('&')}${url.slice(end)}` : url;
}

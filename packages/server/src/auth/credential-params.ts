import querystring from 'fast-querystring';
import { AppError } from '../errors/app-error.js';

/*
 * Which query parameters carry a credential, decided once. Authentication reads them, the logger
 * redacts them and the OData plan cache strips them, all through the functions below and all after
 * the same decoding the router applies ({@link parseQuery}): a spelling the server accepts as a
 * credential (`api%6Bey`, `%61pikey`, …) is a spelling every other part recognises too.
 */

/** Decoded names authentication accepts a credential from (COMPAT.md A5: `?apikey=`). */
const ACCEPTED = new Set(['apikey']);

/**
 * Names never logged although Mooring does not authenticate with them: balena's `auth_token`
 * (COMPAT.md A1) and common spellings a client may send by mistake. Compared case-insensitively.
 */
const REDACTED_ONLY = new Set(['auth_token', '_token', 'token', 'api_key', 'api-key', 'access_token']);

/**
 * The query-string parser the router uses (app.ts passes it to Fastify), so that the names
 * compared here are exactly the names Fastify hands to the routes: percent-decoded, `+` as space,
 * invalid escapes kept as written.
 */
export function parseQuery(query: string): Record<string, unknown> {
  return querystring.parse(query) as Record<string, unknown>;
}

/** Whether authentication reads a credential from the parameter with this decoded name. */
export function isAcceptedCredentialParam(decodedName: string): boolean {
  return ACCEPTED.has(decodedName);
}

/** Whether a parameter's value must never reach a log, a cache key or an error message. */
export function isCredentialParam(decodedName: string): boolean {
  if (ACCEPTED.has(decodedName)) return true;
  const lower = decodedName.trim().toLowerCase();
  return ACCEPTED.has(lower) || REDACTED_ONLY.has(lower);
}

/** The decoded name of one raw `name=value` (or bare `name`) query parameter, as the router decodes it. */
export function decodedParamName(rawParam: string): string {
  const eq = rawParam.indexOf('=');
  const raw = eq < 0 ? rawParam : rawParam.slice(0, eq);
  if (!raw.includes('%') && !raw.includes('+')) return raw;
  const names = Object.keys(parseQuery(`${raw}=`));
  return names[0] ?? raw;
}

/**
 * The credential in a parsed query, if any. Two values (`?apikey=a&api%6Bey=b` parse into one name
 * with two values) are ambiguous: refused rather than guessing which one counts.
 */
export function queryCredential(query: unknown): string | undefined {
  if (query === null || typeof query !== 'object') return undefined;
  let found: string | undefined;
  for (const name of ACCEPTED) {
    const raw = (query as Record<string, unknown>)[name];
    if (raw === undefined) continue;
    if (typeof raw !== 'string' || found !== undefined) {
      throw new AppError('ambiguous_credentials', 'Send one credential: more than one apikey parameter');
    }
    found = raw;
  }
  return found;
}

import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors/app-error.js';
import { queryCredential } from './credential-params.js';

export interface PresentedCredential {
  readonly value: string;
  readonly transport: 'header' | 'query';
}

// Generous: real keys and session tokens are far shorter; this only bounds work on garbage.
const MAX_CREDENTIAL_LENGTH = 4096;

/**
 * The bearer credential of a request, from `Authorization: Bearer …` or `?apikey=…` (COMPAT.md A5).
 * Anything ambiguous is refused (400) rather than guessing which credential counts: two
 * Authorization header lines (Node keeps only the first), a header and a query credential (even the
 * same value twice), two query credentials. A malformed Authorization header is a credential that
 * fails (401), never "anonymous".
 */
export function extractCredential(request: FastifyRequest): PresentedCredential | null {
  const header = request.headers.authorization;
  let fromHeader: string | undefined;
  if (header !== undefined) {
    if (authorizationLines(request.raw.rawHeaders) > 1) {
      throw new AppError('ambiguous_credentials', 'Send one credential: more than one Authorization header');
    }
    const match = /^Bearer +(\S+) *$/i.exec(header);
    if (!match?.[1]) throw new AppError('unauthorized', '');
    fromHeader = match[1];
  }
  const fromQuery = queryCredential(request.query);
  if (fromHeader !== undefined && fromQuery !== undefined) {
    throw new AppError(
      'ambiguous_credentials',
      'Send one credential: Authorization header or apikey parameter',
    );
  }
  const credential: PresentedCredential | null =
    fromHeader !== undefined
      ? { value: fromHeader, transport: 'header' }
      : fromQuery !== undefined
        ? { value: fromQuery, transport: 'query' }
        : null;
  if (credential && (credential.value === '' || credential.value.length > MAX_CREDENTIAL_LENGTH)) {
    throw new AppError('unauthorized', '');
  }
  return credential;
}

/** How many Authorization field lines the request carried (`rawHeaders` alternates name, value). */
export function authorizationLines(rawHeaders: readonly string[]): number {
  let lines = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    if (name.length === 13 && name.toLowerCase() === 'authorization') lines++;
  }
  return lines;
}

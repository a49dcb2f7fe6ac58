import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors/app-error.js';

export interface PresentedCredential {
  readonly value: string;
  readonly transport: 'header' | 'query';
}

// Generous: real keys and session tokens are far shorter; this only bounds work on garbage.
const MAX_CREDENTIAL_LENGTH = 4096;

/**
 * The bearer credential of a request, from `Authorization: Bearer …` or `?apikey=…` (COMPAT.md A5).
 * Two different credentials in one request are refused (400) rather than guessing which one counts.
 * A malformed Authorization header is a credential that fails (401), never "anonymous".
 */
export function extractCredential(request: FastifyRequest): PresentedCredential | null {
  const header = request.headers.authorization;
  let fromHeader: string | undefined;
  if (header !== undefined) {
    const match = /^Bearer +(\S+) *$/i.exec(header);
    if (!match?.[1]) throw new AppError('unauthorized', '');
    fromHeader = match[1];
  }
  const query = request.query as Record<string, unknown> | undefined;
  const raw = query?.apikey;
  if (Array.isArray(raw)) throw new AppError('ambiguous_credentials', 'More than one apikey parameter');
  const fromQuery = typeof raw === 'string' ? raw : undefined;
  if (fromHeader !== undefined && fromQuery !== undefined && fromHeader !== fromQuery) {
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

import type { FastifyRequest } from 'fastify';

/** True when the request presents an RFC 9421 signature (then the bearer path leaves it alone). */
export function isSigned(request: FastifyRequest): boolean {
  return request.headers['signature-input'] !== undefined || request.headers.signature !== undefined;
}

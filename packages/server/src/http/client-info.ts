import type { FastifyRequest } from 'fastify';

/** Who sent a request, as recorded with sessions and audit events and counted by password limits. */
export interface ClientInfo {
  readonly ip: string | null;
  readonly userAgent: string | null;
}

export function clientInfo(request: FastifyRequest): ClientInfo {
  const ua = request.headers['user-agent'];
  return { ip: request.ip ?? null, userAgent: typeof ua === 'string' ? ua : null };
}

import type { RouteAccess } from '../auth/access.js';

/**
 * `balena`: the balena wire format (COMPAT.md A0.8) — error bodies are a JSON string, 401s are empty.
 * `mooring`: Mooring's own envelope `{ error: { code, message, requestId } }`.
 */
export type WireFormat = 'balena' | 'mooring';

export interface MooringRouteConfig {
  readonly access: RouteAccess;
  readonly wire: WireFormat;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    wire?: WireFormat;
  }
}

export const SESSION_USER: RouteAccess = { actors: ['user'], via: ['session'] };
export const ANY_USER: RouteAccess = { actors: ['user'] };
export const ADMIN_SESSION: RouteAccess = { actors: ['user'], via: ['session'], admin: true };
/** A user whose password login is recent (MOORING_FRESH_AUTH_SECONDS): creating named keys. */
export const FRESH_LOGIN: RouteAccess = { actors: ['user'], freshLogin: true };

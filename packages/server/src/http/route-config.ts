import type { ActorKind, CredentialVia } from '../auth/principal.js';

/**
 * Every route declares who may call it; enforceAccess (auth/authenticate.ts) enforces it in one place.
 * - `public`: anyone, credentials optional (they are still validated when present).
 * - otherwise: the principal's kind must be listed, and, when `via` is given, the credential type too.
 */
export type RouteAccess =
  | 'public'
  | {
      readonly actors: readonly ActorKind[];
      readonly via?: readonly CredentialVia[];
      /** Only instance administrators. */
      readonly admin?: boolean;
    };

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
    access?: RouteAccess;
    wire?: WireFormat;
  }
}

export const SESSION_USER: RouteAccess = { actors: ['user'], via: ['session'] };
export const ANY_USER: RouteAccess = { actors: ['user'] };
export const ADMIN_SESSION: RouteAccess = { actors: ['user'], via: ['session'], admin: true };

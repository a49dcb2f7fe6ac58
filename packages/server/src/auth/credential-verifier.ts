import type { FastifyReply, FastifyRequest, preParsingHookHandler } from 'fastify';
import type { PresentedCredential } from './credentials.js';
import type { Principal } from './principal.js';

/*
 * How a kind of credential plugs into the one authentication hook (auth/authenticate.ts). auth/
 * defines the interfaces and the registry; the kinds live with their data and register from app.ts:
 * sessions/session-verifier.ts, api-keys/key-verifier.ts, signatures/signed-requests.ts.
 */

/**
 * A token sent as `Authorization: Bearer …` or `?apikey=…` (auth/credentials.ts). Unknown, malformed,
 * expired and revoked tokens all resolve to null: one uniform 401, no oracle.
 */
export interface BearerVerifier {
  /** Whether the token has this verifier's shape; shapes of registered verifiers do not overlap. */
  owns(token: string): boolean;
  /**
   * The principal, or null when refused. Verified credentials are remembered in the credential
   * cache (auth/credential-cache.ts), so the steady state of a client costs one map lookup. May
   * throw an AppError that explains a refusal to the credential's holder.
   */
  resolve(credential: PresentedCredential): Promise<Principal | null>;
}

export type RequestPayload = Parameters<preParsingHookHandler>[2];

/**
 * A credential carried by the request as a whole, verified against the raw body (RFC 9421 signed
 * requests). A request that presents one must present no bearer token.
 */
export interface RequestVerifier {
  /** Whether the request presents this kind of credential (its headers are there). */
  presents(request: FastifyRequest): boolean;
  /**
   * The principal, and the payload to hand on to the body parser (a new stream when the body was
   * read). A refusal throws an AppError (401 naming the scheme).
   */
  verify(
    request: FastifyRequest,
    reply: FastifyReply,
    payload: RequestPayload,
  ): Promise<{ readonly principal: Principal; readonly payload: RequestPayload }>;
}

/** The registered credential kinds, in registration order. Filled by app.ts before any route is added. */
export class CredentialVerifiers {
  private readonly bearers: BearerVerifier[] = [];
  private readonly requests: RequestVerifier[] = [];

  addBearer(verifier: BearerVerifier): this {
    this.bearers.push(verifier);
    return this;
  }

  addRequest(verifier: RequestVerifier): this {
    this.requests.push(verifier);
    return this;
  }

  bearerFor(token: string): BearerVerifier | undefined {
    for (const verifier of this.bearers) if (verifier.owns(token)) return verifier;
    return undefined;
  }

  requestVerifierFor(request: FastifyRequest): RequestVerifier | undefined {
    for (const verifier of this.requests) if (verifier.presents(request)) return verifier;
    return undefined;
  }
}

import { Readable } from 'node:stream';
import { type HeaderValue, isPromiseLike, type MaybePromise, whenReady } from '@mooring/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest, preParsingHookHandler } from 'fastify';
import type { UsageTracker } from '../api-keys/usage-tracker.js';
import { enforceAccess } from '../auth/authenticate.js';
import { queryCredential } from '../auth/credential-params.js';
import { AppError } from '../errors/app-error.js';
import { isSigned } from './is-signed.js';
import type { SignatureOutcome, SignatureVerifier } from './verifier.js';

/**
 * Signed requests are authenticated in `preParsing`, not `onRequest` like bearer credentials,
 * because Content-Digest must be checked against the raw body bytes before anything parses them.
 * The body is read once here (bounded by the body limit) and handed on to the normal parser.
 * Unsigned requests pass through a synchronous no-op, so the bearer hot path pays nothing.
 */
export function registerSignatureAuthentication(
  app: FastifyInstance,
  verifier: SignatureVerifier,
  usage: UsageTracker,
  bodyLimit: number,
): void {
  // A route-level hook with the route's access bound in (see auth/authenticate.ts: reading
  // `request.routeOptions` per request is costly).
  app.addHook('onRoute', (route) => {
    const access = route.config?.access;
    if (!access) return; // auth/authenticate.ts refuses such a route
    /** The verified request's principal admitted (or refused) and the payload handed on. */
    const admit = (request: FastifyRequest, payload: RequestPayload, body: Uint8Array | undefined) => {
      const principal = request.principal;
      if (principal?.apiKeyId !== undefined) usage.record(principal.apiKeyId);
      enforceAccess(access, principal);
      return body === undefined ? payload : Readable.from([Buffer.from(body)]);
    };
    const hook: preParsingHookHandler = (request, reply, payload, done) => {
      if (!isSigned(request)) {
        done(null, payload);
        return;
      }
      // Synchronous when verification is (a bodiless request, a cached HMAC key): no promise per
      // request. Every failure, thrown or rejected, reaches `done` exactly once.
      let handed: MaybePromise<RequestPayload>;
      try {
        handed = whenReady(authenticateSigned(request, reply, payload, verifier, bodyLimit), (body) =>
          admit(request, payload, body),
        );
      } catch (error) {
        done(error as Error);
        return;
      }
      if (isPromiseLike(handed))
        handed.then(
          (stream) => done(null, stream),
          (error: unknown) => done(error as Error),
        );
      else done(null, handed);
    };
    route.preParsing = [hook, ...[route.preParsing ?? []].flat()];
  });
}

type RequestPayload = Parameters<preParsingHookHandler>[2];

/**
 * Verifies a signed request and sets its principal; returns the body it read, if any (the caller
 * hands it on). Synchronous unless the body must be read or verification waits (see verifier.ts).
 */
function authenticateSigned(
  request: FastifyRequest,
  reply: FastifyReply,
  payload: RequestPayload,
  verifier: SignatureVerifier,
  bodyLimit: number,
): Uint8Array | undefined | Promise<Uint8Array | undefined> {
  if (request.headers.authorization !== undefined || queryCredential(request.query) !== undefined) {
    throw new AppError('ambiguous_credentials', 'Send one credential: a signature or a bearer key, not both');
  }
  if (Number(request.headers['content-length']) > bodyLimit) {
    throw new AppError('payload_too_large', 'Request body is too large');
  }
  const verify = (body: Uint8Array | undefined) =>
    whenReady(
      verifier.verify({
        method: request.method,
        authority: request.host,
        url: request.url,
        scheme: request.protocol,
        headers: request.headers as Record<string, HeaderValue>,
        body,
      }),
      (outcome) => applyOutcome(request, reply, outcome, body),
    );
  return hasBody(request) ? readBody(payload, bodyLimit).then(verify) : verify(undefined);
}

/** Sets the request's principal from a verification outcome, or refuses it (401 naming the scheme). */
function applyOutcome(
  request: FastifyRequest,
  reply: FastifyReply,
  outcome: SignatureOutcome,
  body: Uint8Array | undefined,
): Uint8Array | undefined {
  if (!outcome.ok) {
    request.log.info({ signatureRefused: outcome.reason }, 'signed request refused');
    // RFC 9110 §11.6.1: a 401 names the scheme; the description is safe to show (see verifier.ts).
    reply.header(
      'www-authenticate',
      `Signature error="${outcome.error}", error_description="${outcome.message.replace(/"/g, "'")}"`,
    );
    throw new AppError('unauthorized', outcome.message);
  }
  request.principal = outcome.principal;
  return body;
}

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  if (length !== undefined) return length !== '0';
  return request.headers['transfer-encoding'] !== undefined;
}

/** The raw body, refusing (413) as soon as it exceeds the limit rather than buffering it all. */
async function readBody(payload: RequestPayload, limit: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of payload) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > limit) throw new AppError('payload_too_large', 'Request body is too large');
    chunks.push(buffer);
  }
  return new Uint8Array(Buffer.concat(chunks, size));
}

import { Readable } from 'node:stream';
import type { HeaderValue } from '@mooring/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest, preParsingHookHandler } from 'fastify';
import type { UsageTracker } from '../api-keys/usage-tracker.js';
import { enforceAccess } from '../auth/authenticate.js';
import { AppError } from '../errors/app-error.js';
import { isSigned } from './is-signed.js';
import type { SignatureVerifier } from './verifier.js';

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
    const hook: preParsingHookHandler = (request, reply, payload, done) => {
      if (!isSigned(request)) {
        done(null, payload);
        return;
      }
      // One promise chain whose every failure (verification, access) reaches `done`: a throw inside
      // a `.then` success callback would otherwise leave the request hanging.
      authenticateSigned(request, reply, payload, verifier, bodyLimit)
        .then((body) => {
          const principal = request.principal;
          if (principal?.apiKeyId !== undefined) usage.record(principal.apiKeyId);
          enforceAccess(access, principal);
          return body === undefined ? payload : Readable.from([Buffer.from(body)]);
        })
        .then(
          (stream) => done(null, stream),
          (error: unknown) => done(error as Error),
        );
    };
    route.preParsing = [hook, ...[route.preParsing ?? []].flat()];
  });
}

async function authenticateSigned(
  request: FastifyRequest,
  reply: FastifyReply,
  payload: NodeJS.ReadableStream,
  verifier: SignatureVerifier,
  bodyLimit: number,
): Promise<Uint8Array | undefined> {
  const query = request.query as Record<string, unknown> | undefined;
  if (request.headers.authorization !== undefined || query?.apikey !== undefined) {
    throw new AppError('ambiguous_credentials', 'Send one credential: a signature or a bearer key, not both');
  }
  if (Number(request.headers['content-length']) > bodyLimit) {
    throw new AppError('payload_too_large', 'Request body is too large');
  }
  const body = hasBody(request) ? await readBody(payload, bodyLimit) : undefined;
  const outcome = await verifier.verify({
    method: request.method,
    authority: request.host,
    url: request.url,
    scheme: request.protocol,
    headers: request.headers as Record<string, HeaderValue>,
    body,
  });
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
async function readBody(payload: NodeJS.ReadableStream, limit: number): Promise<Uint8Array> {
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

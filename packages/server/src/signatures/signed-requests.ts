import { Readable } from 'node:stream';
import type { HeaderValue } from '@mooring/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RequestPayload, RequestVerifier } from '../auth/credential-verifier.js';
import type { Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors/app-error.js';
import { createNonceStore } from './nonce-store.js';
import { SignatureVerifier, type SigningKeySource } from './verifier.js';

/**
 * RFC 9421 signed requests as a credential kind (docs/signatures.md), registered into the
 * authentication hook by app.ts. Content-Digest must be checked against the raw body bytes before
 * anything parses them: the body is read once here (bounded by the body limit) and handed on to the
 * normal parser.
 */
export class SignedRequests implements RequestVerifier {
  constructor(
    private readonly verifier: SignatureVerifier,
    private readonly bodyLimit: number,
  ) {}

  presents(request: FastifyRequest): boolean {
    return request.headers['signature-input'] !== undefined || request.headers.signature !== undefined;
  }

  async verify(
    request: FastifyRequest,
    reply: FastifyReply,
    payload: RequestPayload,
  ): Promise<{ principal: Principal; payload: RequestPayload }> {
    if (Number(request.headers['content-length']) > this.bodyLimit) {
      throw new AppError('payload_too_large', 'Request body is too large');
    }
    const body = hasBody(request) ? await readBody(payload, this.bodyLimit) : undefined;
    const outcome = await this.verifier.verify({
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
    return {
      principal: outcome.principal,
      payload: body === undefined ? payload : Readable.from([Buffer.from(body)]),
    };
  }
}

/** The signed-request verifier with its replay store (closed with the app); one call from buildApp. */
export function createSignedRequests(
  app: FastifyInstance,
  ctx: AppContext,
  keys: SigningKeySource,
): SignedRequests {
  const nonces = createNonceStore(ctx.db, ctx.clock, {
    maxEntries: ctx.config.signatureNonceLimit,
    onFull: (size) =>
      ctx.log.warn(
        { nonces: size },
        'signed requests refused (503): the replay store is full; raise MOORING_SIGNATURE_NONCE_LIMIT or shorten MOORING_SIGNATURE_MAX_SKEW_SECONDS',
      ),
  });
  app.addHook('onClose', () => nonces.close());
  const verifier = new SignatureVerifier(keys, nonces, ctx.clock, ctx.config.signatureMaxSkewSeconds);
  return new SignedRequests(verifier, ctx.config.bodyLimitBytes);
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

import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/config.js';
import { AppError } from '../errors/app-error.js';

/** Fastify/Node options that bound what a request may cost before any of our code runs. */
export function hardeningOptions(config: Config): { http: { maxHeaderSize: number } } {
  // Node's parser answers 431 itself above this; keep it at our own limit plus the request line,
  // so over a socket and through inject() the limits are the same.
  return { http: { maxHeaderSize: config.maxHeaderBytes + config.maxUrlLength } };
}

/**
 * Request-line and header limits, checked before authentication so oversized requests cost
 * nothing: 414 for a request target over `maxUrlLength`, 431 for header lines over `maxHeaderBytes`
 * in total. Body limits (413), malformed JSON (400) and unknown content types (415) are Fastify's
 * own checks, mapped onto our error codes in http/error-handler.ts.
 */
export function registerHardening(app: FastifyInstance, config: Config): void {
  const { maxUrlLength, maxHeaderBytes } = config;
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.url.length > maxUrlLength) {
      done(new AppError('uri_too_long', `Request target is longer than ${maxUrlLength} bytes`));
      return;
    }
    const raw = request.raw.rawHeaders;
    let size = 0;
    for (let i = 0; i < raw.length; i++) size += (raw[i] as string).length + 2;
    done(
      size > maxHeaderBytes
        ? new AppError('header_too_large', `Request headers are larger than ${maxHeaderBytes} bytes`)
        : undefined,
    );
  });
}

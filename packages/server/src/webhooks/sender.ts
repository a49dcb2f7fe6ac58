import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { guardedLookup, literalAddress, RefusedAddressError, refusedAddress } from './ssrf.js';

/** The first bytes of an answer kept in the delivery log. */
export const KEPT_BODY_BYTES = 1024;

export interface Outgoing {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface SendOptions {
  /** Whole attempt: connection, request, answer headers and the kept part of the body. */
  readonly timeoutMs: number;
  readonly allowPrivateNetworks: boolean;
  /** Aborts the attempt (server shutting down). */
  readonly signal?: AbortSignal;
}

export interface SendResult {
  /** HTTP status, or null when no answer came (refused, unreachable, timeout). */
  readonly status: number | null;
  /** Why there was no usable answer (`timeout`, `redirect not followed`, `refused: …`). */
  readonly error: string | null;
  /** Up to {@link KEPT_BODY_BYTES} of the answer, as text. */
  readonly body: string | null;
  readonly durationMs: number;
  /** True when the attempt was cut short by `signal` (it does not count as an attempt). */
  readonly aborted: boolean;
}

/**
 * One delivery attempt: a POST that follows no redirect (3xx is a failure: following one would
 * let a public receiver bounce the request into the private network), reads at most 1 KiB of the
 * answer and then drops the connection, and gives up after `timeoutMs` in total. Every address
 * connected to is checked unless private networks are allowed (webhooks/ssrf.ts). Never throws.
 */
export async function send(out: Outgoing, options: SendOptions): Promise<SendResult> {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  const failed = (error: string, aborted = false): SendResult => ({
    status: null,
    error,
    body: null,
    durationMs: elapsed(),
    aborted,
  });
  let url: URL;
  try {
    url = new URL(out.url);
  } catch {
    return failed('invalid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return failed('unsupported scheme');
  if (!options.allowPrivateNetworks) {
    // Node connects to a literal address without calling `lookup`: check it here.
    const literal = literalAddress(url);
    const reason = literal === null ? null : refusedAddress(literal);
    if (reason !== null) return failed(`refused: ${reason}`);
  }
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  const requestFn = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const finish = (result: SendResult): void => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const onAbort = (): void => {
      const shutdown = options.signal?.aborted === true && !timeout.aborted;
      finish(failed(shutdown ? 'aborted: server shutting down' : 'timeout', shutdown));
    };
    const req = requestFn(
      url,
      {
        method: 'POST',
        headers: { ...out.headers, 'content-length': String(Buffer.byteLength(out.body)) },
        signal,
        // A fresh connection per attempt: no pooled socket whose peer address was checked for
        // another name, and no stale keep-alive socket turning a good attempt into a failure.
        agent: false,
        ...(options.allowPrivateNetworks ? {} : { lookup: guardedLookup }),
      },
      (res) => {
        readBounded(res, signal).then(
          (body) => {
            const status = res.statusCode ?? null;
            const redirect = status !== null && status >= 300 && status < 400;
            finish({
              status,
              error: redirect ? 'redirect not followed' : null,
              body,
              durationMs: elapsed(),
              aborted: false,
            });
          },
          () => onAbort(),
        );
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (signal.aborted) onAbort();
      else finish(failed(describe(err)));
    });
    req.end(out.body);
  });
}

/** The first KEPT_BODY_BYTES of the answer; the rest is not read (the socket is destroyed). */
function readBounded(res: IncomingMessage, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void => {
      res.removeAllListeners('data');
      resolve(decodeKept(Buffer.concat(chunks, Math.min(size, KEPT_BODY_BYTES))));
    };
    res.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= KEPT_BODY_BYTES) {
        done();
        res.destroy();
      }
    });
    res.on('end', done);
    res.on('error', (err) => (signal.aborted ? reject(err) : done()));
    // Closed before the end (the receiver hung up mid-answer): keep what came, unless timed out.
    res.on('close', () => (signal.aborted ? reject(new Error('aborted')) : done()));
  });
}

/** UTF-8 text of the kept bytes, without a character cut in half at the end. */
function decodeKept(bytes: Buffer): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes).replace(/\uFFFD$/, '');
}

/** A short, log-safe reason (no URL: it may carry a token in its path). */
function describe(err: NodeJS.ErrnoException): string {
  if (err instanceof RefusedAddressError) return err.message.slice(0, 200);
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'name not resolved';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    default:
      return err.code ? `network error (${err.code})` : 'network error';
  }
}

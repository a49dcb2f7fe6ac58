import { errorFromResponse, isMooringError, MooringError, networkError } from './errors.js';
import { isJwt, type SessionManager } from './session.js';
import { type SigningKeyConfig, signatureHeaders } from './signing.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

export type QueryValue = string | number | boolean | undefined;

export interface RequestOptions {
  /** Sent as JSON. */
  readonly body?: unknown;
  /** A prepared query string (without `?`), or values to percent-encode. */
  readonly query?: string | Readonly<Record<string, QueryValue>>;
  /** @internal Send this bearer token instead of the client's credential (token refresh). */
  readonly bearer?: string;
  /** @internal No credential at all (login). */
  readonly anonymous?: boolean;
}

export type Credential =
  | { readonly kind: 'apiKey'; readonly key: string }
  | { readonly kind: 'signing'; readonly config: SigningKeyConfig; readonly key: Uint8Array }
  | { readonly kind: 'store'; readonly session: SessionManager };

export interface RetryOptions {
  /** How many times to retry after the first attempt. */
  readonly retries: number;
  /** First backoff delay (doubles each attempt, with jitter); default 200 ms. */
  readonly minDelayMs?: number;
  /** Never wait longer than this (also caps Retry-After; longer waits fail at once); default 30 s. */
  readonly maxDelayMs?: number;
}

export interface TransportOptions {
  readonly apiUrl: URL;
  readonly fetch: typeof fetch;
  readonly clock: () => number;
  readonly credential: Credential;
  readonly retry: RetryOptions | undefined;
  readonly timeoutMs: number;
  readonly sleep: (ms: number) => Promise<void>;
}

/** Methods whose repetition has no further effect (RFC 9110 §9.2.2): safe to retry after a failure. */
const IDEMPOTENT = new Set<HttpMethod>(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** One request with credentials, error mapping and the optional retry policy. */
export class Transport {
  constructor(private readonly options: TransportOptions) {}

  get credential(): Credential {
    return this.options.credential;
  }

  async request<T>(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<T> {
    const retry = this.options.retry;
    for (let attempt = 0; ; attempt++) {
      try {
        return (await this.once(method, path, options)) as T;
      } catch (error) {
        const delay = retry ? this.retryDelay(error, method, attempt, retry) : undefined;
        if (delay === undefined) throw error;
        await this.options.sleep(delay);
      }
    }
  }

  /** Milliseconds to wait before the next attempt, or undefined to give up. */
  private retryDelay(
    error: unknown,
    method: HttpMethod,
    attempt: number,
    retry: RetryOptions,
  ): number | undefined {
    if (!isMooringError(error) || attempt >= retry.retries) return undefined;
    const min = retry.minDelayMs ?? 200;
    const max = retry.maxDelayMs ?? 30_000;
    const backoff = Math.min(max, min * 2 ** attempt * (0.5 + Math.random() / 2));
    // A 429 means the request was refused before doing anything, so any method may be repeated.
    if (error.code === 'RateLimited') {
      const wait = Math.max(backoff, (error.retryAfterSeconds ?? 0) * 1000);
      return wait <= max ? wait : undefined;
    }
    const transient =
      error.code === 'Network' || (error.status !== undefined && [502, 503, 504].includes(error.status));
    if (!transient || !IDEMPOTENT.has(method)) return undefined;
    // A 503 may say when to come back (database restarting, a lane busy): wait at least that long.
    const wait = Math.max(backoff, (error.retryAfterSeconds ?? 0) * 1000);
    return wait <= max ? wait : undefined;
  }

  private async once(method: HttpMethod, path: string, options: RequestOptions): Promise<unknown> {
    const url = this.url(path, options.query);
    const headers: Record<string, string> = { accept: 'application/json, text/plain;q=0.9' };
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] = 'application/json';
    const sessionToken = await this.authenticate(method, url, body, options, headers);

    let response: Response;
    try {
      response = await this.options.fetch(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === 'TimeoutError') {
        throw new MooringError('Network', `No answer from the server within ${this.options.timeoutMs} ms`, {
          cause: error,
        });
      }
      throw networkError(error);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw networkError(error);
    }
    if (!response.ok) {
      const error = errorFromResponse(
        response.status,
        text,
        response.headers.get('retry-after'),
        this.options.clock(),
      );
      // The uniform 401 (no message) on a session means it was revoked or has ended on the server.
      const credential = this.options.credential;
      if (
        response.status === 401 &&
        sessionToken !== null &&
        credential.kind === 'store' &&
        error.serverMessage === ''
      ) {
        throw await credential.session.expire(error, sessionToken);
      }
      throw error;
    }
    if (text === '') return undefined;
    const type = response.headers.get('content-type') ?? '';
    if (!type.includes('json')) return text;
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new MooringError('Server', 'The server sent malformed JSON', {
        status: response.status,
        cause: error,
      });
    }
  }

  /**
   * A GET whose body is read as it arrives (Server-Sent Events): the credential as for any request,
   * the timeout only until the response head, errors mapped as for `request`. The caller reads
   * `response.body` and cancels it (or aborts `signal`) when done.
   */
  async openStream(
    path: string,
    query: RequestOptions['query'],
    extraHeaders: Readonly<Record<string, string>>,
    signal: AbortSignal | undefined,
  ): Promise<Response> {
    const url = this.url(path, query);
    const headers: Record<string, string> = { accept: 'text/event-stream', ...extraHeaders };
    await this.authenticate('GET', url, undefined, {}, headers);
    const head = AbortSignal.timeout(this.options.timeoutMs);
    const controller = new AbortController();
    const abort = (): void => controller.abort(signal?.reason);
    signal?.addEventListener('abort', abort, { once: true });
    const onTimeout = (): void => controller.abort(head.reason);
    head.addEventListener('abort', onTimeout, { once: true });
    let response: Response;
    try {
      response = await this.options.fetch(url, { method: 'GET', headers, signal: controller.signal });
    } catch (error) {
      signal?.removeEventListener('abort', abort);
      if (signal?.aborted) throw error;
      throw networkError(error);
    } finally {
      head.removeEventListener('abort', onTimeout);
    }
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      throw errorFromResponse(
        response.status,
        text,
        response.headers.get('retry-after'),
        this.options.clock(),
      );
    }
    return response;
  }

  /** Adds the credential's headers; returns the session token used, if one was. */
  private async authenticate(
    method: HttpMethod,
    url: URL,
    body: string | undefined,
    options: RequestOptions,
    headers: Record<string, string>,
  ): Promise<string | null> {
    if (options.anonymous) return null;
    if (options.bearer !== undefined) {
      headers.authorization = `Bearer ${options.bearer}`;
      return null;
    }
    const credential = this.options.credential;
    if (credential.kind === 'apiKey') {
      headers.authorization = `Bearer ${credential.key}`;
      return null;
    }
    if (credential.kind === 'signing') {
      // Signed afresh for every attempt: a retry must never reuse a nonce.
      Object.assign(
        headers,
        await signatureHeaders(credential.config, credential.key, method, url, body, this.options.clock()),
      );
      return null;
    }
    const token = await credential.session.token();
    if (token === null) return null;
    headers.authorization = `Bearer ${token}`;
    return isJwt(token) ? token : null;
  }

  private url(path: string, query: RequestOptions['query']): URL {
    if (!path.startsWith('/')) throw new TypeError(`path must start with "/": ${path}`);
    const base = this.options.apiUrl;
    const url = new URL(`${base.origin}${base.pathname.replace(/\/+$/, '')}${path}`);
    const extra =
      typeof query === 'string'
        ? query.replace(/^\?/, '')
        : Object.entries(query ?? {})
            .filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined)
            .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
            .join('&');
    if (extra !== '') url.search = url.search === '' ? `?${extra}` : `${url.search}&${extra}`;
    return url;
  }
}

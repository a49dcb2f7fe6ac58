import type { MooringError } from './errors.js';
import { AdminResource, AuditResource } from './resources/admin.js';
import { AccountResource, AuthResource, SessionsResource } from './resources/auth.js';
import { ConfigResource } from './resources/config.js';
import { DevicesResource } from './resources/devices.js';
import { EnvResource } from './resources/env.js';
import { EventsResource } from './resources/events.js';
import { FleetsResource } from './resources/fleets.js';
import { KeysResource } from './resources/keys.js';
import { ODataResource } from './resources/odata.js';
import { WebhooksResource } from './resources/webhooks.js';
import { SessionManager } from './session.js';
import { type SigningKeyConfig, signingKeyBytes } from './signing.js';
import { MemoryTokenStore, type TokenStore } from './token-store.js';
import {
  type Credential,
  type HttpMethod,
  type RequestOptions,
  type RetryOptions,
  Transport,
} from './transport.js';

export interface MooringClientOptions {
  /** Base URL of the server, e.g. `http://127.0.0.1:8080`. */
  readonly apiUrl: string;
  /** A named or device API key, sent as `Authorization: Bearer`. */
  readonly apiKey?: string;
  /** Sign every request (RFC 9421) with this key instead of sending a bearer credential. */
  readonly signingKey?: SigningKeyConfig;
  /** Where sessions (and `loginWithToken` credentials) live; default {@link MemoryTokenStore}. */
  readonly tokenStore?: TokenStore;
  /** Refresh a session this long before it expires; default the smaller of 1 day and half its lifetime. */
  readonly refreshThresholdSeconds?: number;
  /** Retry 429s (honouring Retry-After) and idempotent requests that failed in transit. Off by default. */
  readonly retry?: RetryOptions;
  /** Per-attempt timeout; default 30 s. */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  /** Milliseconds since the epoch; default `Date.now`. */
  readonly clock?: () => number;
  /** How the client waits between retries; default a timer. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Called once when the session has ended (expired, revoked, refresh refused). */
  readonly onSessionExpired?: (error: MooringError) => void;
}

/**
 * The Mooring API client. One instance per credential; safe to share across concurrent calls.
 *
 * @example
 * const client = new MooringClient({ apiUrl: 'http://127.0.0.1:8080' });
 * await client.auth.login('admin', password);
 * console.log(await client.devices.list({ status: 'online' }));
 *
 * @example
 * const monitor = new MooringClient({ apiUrl, apiKey: process.env.MOORING_API_KEY });
 * process.exitCode = (await monitor.devices.isOnline(uuid)) ? 0 : 1;
 */
export class MooringClient {
  readonly auth: AuthResource;
  readonly sessions: SessionsResource;
  readonly account: AccountResource;
  readonly keys: KeysResource;
  readonly fleets: FleetsResource;
  readonly devices: DevicesResource;
  readonly env: EnvResource;
  /** Configuration variables, the poll interval among them. */
  readonly config: ConfigResource;
  /** The event log: feed pages and a live, self-resuming stream (docs/events.md). */
  readonly events: EventsResource;
  /** Webhook endpoints, their delivery log and redelivery (organization administrators). */
  readonly webhooks: WebhooksResource;
  readonly audit: AuditResource;
  readonly admin: AdminResource;
  readonly odata: ODataResource;
  readonly #http: Transport;

  constructor(options: MooringClientOptions) {
    const apiUrl = parseApiUrl(options?.apiUrl);
    const given = [options.apiKey, options.signingKey, options.tokenStore].filter((v) => v !== undefined);
    if (given.length > 1) throw new TypeError('give at most one of apiKey, signingKey and tokenStore');
    if (
      options.apiKey !== undefined &&
      (typeof options.apiKey !== 'string' || options.apiKey.trim() === '')
    ) {
      throw new TypeError('apiKey must be a non-empty string');
    }
    const clock = options.clock ?? (() => Date.now());
    const store = options.tokenStore ?? new MemoryTokenStore();
    let credential: Credential;
    if (options.apiKey !== undefined) credential = { kind: 'apiKey', key: options.apiKey.trim() };
    else if (options.signingKey !== undefined)
      credential = { kind: 'signing', config: options.signingKey, key: signingKeyBytes(options.signingKey) };
    else {
      const session = new SessionManager({
        store,
        clock,
        thresholdSeconds: options.refreshThresholdSeconds,
        refresh: (token) => this.#http.request<string>('GET', '/user/v1/refresh-token', { bearer: token }),
        onExpired: options.onSessionExpired,
      });
      credential = { kind: 'store', session };
    }
    this.#http = new Transport({
      apiUrl,
      fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      clock,
      credential,
      retry: options.retry,
      timeoutMs: options.timeoutMs ?? 30_000,
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    });
    this.auth = new AuthResource(this.#http, store);
    this.sessions = new SessionsResource(this.#http);
    this.account = new AccountResource(this.#http);
    this.keys = new KeysResource(this.#http, clock);
    this.fleets = new FleetsResource(this.#http);
    this.devices = new DevicesResource(this.#http);
    this.env = new EnvResource(this.#http);
    this.config = new ConfigResource(this.#http);
    this.events = new EventsResource(this.#http);
    this.webhooks = new WebhooksResource(this.#http);
    this.audit = new AuditResource(this.#http);
    this.admin = new AdminResource(this.#http);
    this.odata = new ODataResource(this.#http);
  }

  /**
   * Any request, with the client's credential, retry policy and typed errors. JSON answers are
   * parsed, text answers returned as strings, empty answers as `undefined`.
   *
   * @example
   * const { d } = await client.request<{ d: { id: number }[] }>('GET', '/v7/device', { query: '$select=id' });
   * await client.request('PATCH', '/v7/device(5)', { body: { note: 'attic' } });
   */
  request<T = unknown>(
    method: HttpMethod,
    path: string,
    options: Pick<RequestOptions, 'body' | 'query'> = {},
  ): Promise<T> {
    return this.#http.request<T>(method, path, { body: options.body, query: options.query });
  }
}

function parseApiUrl(value: unknown): URL {
  if (typeof value !== 'string' || value === '')
    throw new TypeError('apiUrl is required, e.g. http://127.0.0.1:8080');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`apiUrl is not a URL: ${value.slice(0, 200)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`apiUrl must be http:// or https://, got ${url.protocol}`);
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new TypeError('apiUrl must not contain credentials, a query or a fragment');
  }
  return url;
}

import { isMooringError, type MooringError, sessionExpired } from './errors.js';
import type { TokenStore } from './token-store.js';

interface TokenClaims {
  readonly exp?: number;
  readonly iat?: number;
  readonly jti?: string;
}

/** API keys never contain dots (docs/key-format.md), so three dot-separated parts mean a JWT. */
export function isJwt(token: string): boolean {
  return token.split('.').length === 3;
}

/** Reads a JWT's claims without verifying them: only the server can, and it does on every request. */
export function decodeClaims(token: string): TokenClaims | null {
  const payload = token.split('.')[1];
  if (payload === undefined) return null;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '='));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof claims === 'object' && claims !== null ? (claims as TokenClaims) : null;
  } catch {
    return null;
  }
}

const DAY_SECONDS = 86_400;
/** After a refresh fails for a reason other than 401, keep using the still-valid token this long. */
const REFRESH_BACKOFF_MS = 60_000;

export interface SessionOptions {
  readonly store: TokenStore;
  readonly clock: () => number;
  readonly thresholdSeconds: number | undefined;
  /** Exchanges a token for a fresh one (GET /user/v1/refresh-token). */
  readonly refresh: (token: string) => Promise<string>;
  readonly onExpired: ((error: MooringError) => void) | undefined;
}

/**
 * Hands out the stored token, refreshing a session token shortly before it expires. Concurrent callers
 * share one refresh in flight; a refresh refused with 401 clears the store and surfaces
 * `SessionExpired` once, instead of retrying.
 */
export class SessionManager {
  #inflight: Promise<string> | null = null;
  #noRefreshUntil = 0;
  #expiredToken: string | null = null;

  constructor(private readonly options: SessionOptions) {}

  /** The token to send, or null when there is none. */
  async token(): Promise<string | null> {
    const token = await this.options.store.get();
    if (token === null || !isJwt(token)) return token;
    const claims = decodeClaims(token);
    if (!claims || typeof claims.exp !== 'number') return token;
    const now = this.options.clock();
    const expiresAt = claims.exp * 1000;
    if (now >= expiresAt) throw await this.expire(undefined, token);
    if (expiresAt - now > this.thresholdMs(claims) || now < this.#noRefreshUntil) return token;
    return this.refresh(token, expiresAt);
  }

  /**
   * Called when the server refuses the session: forget it and tell the application, once per token
   * however many calls were in flight with it (and never for a token that has since been replaced).
   */
  async expire(cause: unknown, token: string): Promise<MooringError> {
    const error = sessionExpired(cause);
    if (this.#expiredToken === token) return error;
    this.#expiredToken = token; // set before any await: concurrent failures see it
    if ((await this.options.store.get()) !== token) return error;
    await this.options.store.clear();
    this.options.onExpired?.(error);
    return error;
  }

  private thresholdMs(claims: TokenClaims): number {
    if (this.options.thresholdSeconds !== undefined) return this.options.thresholdSeconds * 1000;
    const lifetime = typeof claims.iat === 'number' ? (claims.exp ?? 0) - claims.iat : DAY_SECONDS * 2;
    return Math.min(DAY_SECONDS, Math.max(0, lifetime / 2)) * 1000;
  }

  private refresh(token: string, expiresAt: number): Promise<string> {
    if (this.#inflight) return this.#inflight;
    const run = async (): Promise<string> => {
      // Yield first so that `finally` never runs before `#inflight` is assigned.
      await Promise.resolve();
      try {
        const fresh = await this.options.refresh(token);
        await this.options.store.set(fresh);
        return fresh;
      } catch (error) {
        if (isMooringError(error) && error.status === 401) throw await this.expire(error, token);
        // A transient failure (network, 5xx): the current token still works, so use it and try
        // again later rather than failing the caller's request or hammering the server.
        if (this.options.clock() < expiresAt) {
          this.#noRefreshUntil = this.options.clock() + REFRESH_BACKOFF_MS;
          return token;
        }
        throw error;
      } finally {
        this.#inflight = null;
      }
    };
    this.#inflight = run();
    return this.#inflight;
  }
}

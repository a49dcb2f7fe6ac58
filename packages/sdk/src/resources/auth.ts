import { isMooringError, MooringError } from '../errors.js';
import { decodeClaims, isJwt } from '../session.js';
import type { TokenStore } from '../token-store.js';
import type { Transport } from '../transport.js';
import type { Actor, Session } from '../types.js';

/** Logging in and out, and who the client is. */
export class AuthResource {
  constructor(
    private readonly http: Transport,
    private readonly store: TokenStore,
  ) {}

  /**
   * Logs in with a username (or e-mail) and password; the session token goes to the token store and
   * refreshes itself from then on.
   *
   * @example
   * await client.auth.login('admin', process.env.MOORING_PASSWORD);
   */
  async login(username: string, password: string): Promise<void> {
    this.requireStore();
    const token = await this.http.request<string>('POST', '/login_', {
      body: { username, password },
      anonymous: true,
    });
    if (typeof token !== 'string' || !isJwt(token)) {
      throw new MooringError('Server', 'The server answered the login without a session token');
    }
    await this.store.set(token);
  }

  /**
   * Uses an existing credential: a session token (refreshed like one from `login`) or an API key.
   *
   * @example
   * await client.auth.loginWithToken(process.env.MOORING_TOKEN);
   */
  async loginWithToken(token: string): Promise<void> {
    this.requireStore();
    const trimmed = typeof token === 'string' ? token.trim() : '';
    if (trimmed === '' || /\s/.test(trimmed)) throw new TypeError('loginWithToken needs a token');
    if (isJwt(trimmed) && decodeClaims(trimmed) === null) throw new TypeError('the token is not a valid JWT');
    await this.store.set(trimmed);
  }

  /**
   * Forgets the stored credential; a session is also revoked on the server when it can be.
   *
   * @example
   * await client.auth.logout();
   */
  async logout(): Promise<void> {
    this.requireStore();
    const token = await this.store.get();
    const sessionId = token !== null && isJwt(token) ? decodeClaims(token)?.jti : undefined;
    if (token !== null && sessionId !== undefined) {
      try {
        await this.http.request('DELETE', `/mooring/v1/sessions/${encodeURIComponent(sessionId)}`, {
          bearer: token,
        });
      } catch (error) {
        // Logging out must work offline and with an already-dead session: forgetting is what matters.
        if (!isMooringError(error)) throw error;
      }
    }
    await this.store.clear();
  }

  /**
   * The calling actor: a user, a fleet (provisioning key) or a device (device key).
   *
   * @example
   * const me = await client.auth.whoami();
   * if (me.actorType === 'user') console.log(me.username);
   */
  whoami(): Promise<Actor> {
    return this.http.request<Actor>('GET', '/actor/v1/whoami');
  }

  /**
   * Whether the client holds a credential the server accepts.
   *
   * @example
   * if (!(await client.auth.isLoggedIn())) await client.auth.login(user, password);
   */
  async isLoggedIn(): Promise<boolean> {
    const credential = this.http.credential;
    if (credential.kind === 'store' && (await this.store.get()) === null) return false;
    try {
      await this.whoami();
      return true;
    } catch (error) {
      if (isMooringError(error, 'Unauthorized') || isMooringError(error, 'SessionExpired')) return false;
      throw error;
    }
  }

  /**
   * Proves the password again for the current session (balena's "fresh authentication"), so that
   * actions that need a recent login (creating keys, for one) work again; the session stays the same,
   * with a new token. A wrong password rejects with `Unauthorized` and leaves the session as it was.
   *
   * @example
   * try { await client.keys.create(input) } catch (e) {
   *   if (isMooringError(e, 'Unauthorized')) { await client.auth.reauthenticate(password); await client.keys.create(input) }
   * }
   */
  async reauthenticate(password: string): Promise<void> {
    this.requireStore();
    const token = await this.store.get();
    if (token === null || !isJwt(token))
      throw new MooringError('Unauthorized', 'No session to re-authenticate');
    // An explicit bearer: the uniform 401 of a wrong password must not end the session.
    const fresh = await this.http.request<string>('POST', '/user/v1/refresh-token', {
      body: { password },
      bearer: token,
    });
    if (typeof fresh !== 'string' || !isJwt(fresh)) {
      throw new MooringError('Server', 'The server answered without a session token');
    }
    await this.store.set(fresh);
  }

  /**
   * The stored token (session token or API key), or null.
   *
   * @example
   * const token = await client.auth.getToken();
   */
  async getToken(): Promise<string | null> {
    return this.store.get();
  }

  private requireStore(): void {
    if (this.http.credential.kind !== 'store') {
      throw new TypeError('this client was created with an apiKey or signingKey; sessions need a tokenStore');
    }
  }
}

/** The caller's sessions (devices and browsers they are logged in on). */
export class SessionsResource {
  constructor(private readonly http: Transport) {}

  /**
   * Active sessions of the logged-in user; `current` marks this client's.
   *
   * @example
   * for (const s of await client.sessions.list()) console.log(s.id, s.userAgent, s.current);
   */
  async list(): Promise<Session[]> {
    return (await this.http.request<{ sessions: Session[] }>('GET', '/mooring/v1/sessions')).sessions;
  }

  /**
   * Revokes one session at once (on every instance).
   *
   * @example
   * await client.sessions.revoke(sessionId);
   */
  async revoke(id: string): Promise<void> {
    await this.http.request('DELETE', `/mooring/v1/sessions/${encodeURIComponent(id)}`);
  }

  /**
   * "Log out everywhere else": revokes every session but this one; returns how many.
   *
   * @example
   * const n = await client.sessions.revokeOthers();
   */
  async revokeOthers(): Promise<number> {
    return (await this.http.request<{ revoked: number }>('POST', '/mooring/v1/sessions/revoke-others'))
      .revoked;
  }
}

/** The logged-in user's own account. */
export class AccountResource {
  constructor(private readonly http: Transport) {}

  /**
   * Changes the password; every other session of the user is revoked. A wrong current password is
   * `Forbidden`, a weak new one `Validation`.
   *
   * @example
   * const { revokedSessions } = await client.account.changePassword(oldPassword, newPassword);
   */
  changePassword(currentPassword: string, newPassword: string): Promise<{ revokedSessions: number }> {
    return this.http.request('POST', '/mooring/v1/password', { body: { currentPassword, newPassword } });
  }
}

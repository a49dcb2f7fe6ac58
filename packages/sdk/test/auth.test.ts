import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryTokenStore, MooringError } from '../src/index.js';
import { ADMIN_PASSWORD, dialects, rejection, type SdkServer, startServer } from './support.js';

describe.each(dialects())('SDK auth, sessions and account (%s)', (dialect) => {
  let s: SdkServer;
  beforeAll(async () => {
    s = await startServer(dialect);
  });
  afterAll(async () => s.close());

  it('logs in, reports whoami and isLoggedIn, and logs out revoking the session on the server', async () => {
    const client = s.client();
    expect(await client.auth.isLoggedIn()).toBe(false);
    await client.auth.login('admin', ADMIN_PASSWORD);
    expect(await client.auth.isLoggedIn()).toBe(true);
    expect(await client.auth.whoami()).toMatchObject({ actorType: 'user', username: 'admin' });
    const token = await client.auth.getToken();
    expect(token?.split('.')).toHaveLength(3);

    await client.auth.logout();
    expect(await client.auth.getToken()).toBeNull();
    expect(await client.auth.isLoggedIn()).toBe(false);
    // The old token no longer works anywhere: logout revoked the session server-side.
    const other = s.client();
    await other.auth.loginWithToken(token ?? '');
    expect(await other.auth.isLoggedIn()).toBe(false);
  });

  it('maps a wrong password to Unauthorized with status 401', async () => {
    const error = await rejection(s.client().auth.login('admin', 'not the password'));
    expect(error).toBeInstanceOf(MooringError);
    expect(error).toMatchObject({ code: 'Unauthorized', status: 401 });
  });

  it('loginWithToken accepts a session token and an API key', async () => {
    const admin = await s.admin();
    const token = (await admin.auth.getToken()) ?? '';
    const bySession = s.client();
    await bySession.auth.loginWithToken(token);
    expect(await bySession.auth.whoami()).toMatchObject({ username: 'admin' });

    const { key } = await admin.keys.create({ name: 'login-with-token', expiryDate: null });
    const byKey = s.client();
    await byKey.auth.loginWithToken(key);
    expect(await byKey.auth.whoami()).toMatchObject({ username: 'admin' });
    const direct = s.client({ apiKey: key });
    expect(await direct.auth.isLoggedIn()).toBe(true);
    await expect(bySession.auth.loginWithToken('')).rejects.toBeInstanceOf(TypeError);
  });

  it('lists sessions, revokes one and the others; a revoked session surfaces SessionExpired once', async () => {
    const a = await s.admin();
    const b = await s.admin();
    const c = await s.admin();
    const sessions = await a.sessions.list();
    expect(sessions.filter((x) => x.current)).toHaveLength(1);
    const bId = (await b.sessions.list()).find((x) => x.current)?.id ?? '';
    expect(sessions.map((x) => x.id)).toContain(bId);

    let expired = 0;
    const store = new MemoryTokenStore((await b.auth.getToken()) ?? '');
    const bAgain = s.client({ tokenStore: store, onSessionExpired: () => expired++ });
    await a.sessions.revoke(bId);
    expect(await rejection(bAgain.fleets.list())).toMatchObject({ code: 'SessionExpired', status: 401 });
    expect(expired).toBe(1);
    expect(store.get()).toBeNull();
    // With the store cleared the next call is simply unauthenticated, not another expiry.
    expect(await bAgain.auth.isLoggedIn()).toBe(false);
    expect(expired).toBe(1);

    expect(await rejection(a.sessions.revoke(bId))).toMatchObject({ code: 'NotFound', status: 404 });
    expect(await a.sessions.revokeOthers()).toBeGreaterThanOrEqual(1);
    expect(await c.auth.isLoggedIn()).toBe(false);
    expect(await a.auth.isLoggedIn()).toBe(true);
  });

  it('concurrent calls on a revoked session all fail with SessionExpired; onSessionExpired runs once', async () => {
    let expired = 0;
    const store = new MemoryTokenStore();
    const client = s.client({ tokenStore: store, onSessionExpired: () => expired++ });
    await client.auth.login('admin', ADMIN_PASSWORD);
    const admin = await s.admin();
    await admin.sessions.revoke((await client.sessions.list()).find((x) => x.current)?.id ?? '');
    const errors = await Promise.all([
      rejection(client.fleets.list()),
      rejection(client.devices.list()),
      rejection(client.auth.whoami()),
      rejection(client.keys.list()),
    ]);
    for (const error of errors) expect(error).toMatchObject({ code: 'SessionExpired' });
    expect(expired).toBe(1);
    expect(store.get()).toBeNull();
  });

  it('changes the password (Forbidden for a wrong current one) and can change it back', async () => {
    const client = await s.admin();
    const wrong = await rejection(client.account.changePassword('wrong', 'another long passphrase 42'));
    expect(wrong).toMatchObject({ code: 'Forbidden', status: 403 });
    expect(await client.account.changePassword(ADMIN_PASSWORD, 'another long passphrase 42')).toEqual({
      revokedSessions: expect.any(Number),
    });
    const again = s.client();
    await again.auth.login('admin', 'another long passphrase 42');
    expect(await again.account.changePassword('another long passphrase 42', ADMIN_PASSWORD)).toEqual({
      revokedSessions: 1,
    });
    // Changing the password revoked every other session, the first client's included.
    expect(await client.auth.isLoggedIn()).toBe(false);
    expect(await again.auth.isLoggedIn()).toBe(true);
  });

  it('refuses conflicting credentials and bad URLs as programmer errors', () => {
    expect(() => s.client({ apiKey: 'x', tokenStore: new MemoryTokenStore() })).toThrow(TypeError);
    expect(() => s.client({ apiUrl: 'not a url' })).toThrow(/apiUrl is not a URL/);
    expect(() => s.client({ apiUrl: 'ftp://example.com' })).toThrow(/http/);
  });
});

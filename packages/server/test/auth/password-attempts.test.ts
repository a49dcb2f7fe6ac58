import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { ADMIN_PASSWORD, bearer, createTestApp, loginAs, type TestApp } from '../support/test-app.js';

/*
 * Issue 18 §5: every door that checks a password shares the login limits (per username, per client
 * IP); the loopback interface is exempt from the per-IP count only; a re-authentication makes the
 * session fresh for key creation.
 */
describe.each(dialects())('password attempts (%s)', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(dialect);
  });
  afterEach(async () => t.close());

  const REMOTE = '203.0.113.7';
  const login = (username: string, password: string, remoteAddress = REMOTE) =>
    t.app.inject({ method: 'POST', url: '/login_', payload: { username, password }, remoteAddress });
  const changePassword = (token: string, currentPassword: string, remoteAddress = REMOTE) =>
    t.app.inject({
      method: 'POST',
      url: '/mooring/v1/password',
      headers: bearer(token),
      payload: { currentPassword, newPassword: 'a brand new passphrase for admin' },
      remoteAddress,
    });

  it('password change: 10 wrong currentPassword guesses, then 429 with Retry-After, shared with /login_', async () => {
    const session = await loginAs(t.app, 'admin', ADMIN_PASSWORD);
    for (let i = 0; i < 10; i++) {
      const res = await changePassword(session, `guess-${i}`);
      expect(res.statusCode, res.body).toBe(403);
    }
    const blocked = await changePassword(session, ADMIN_PASSWORD);
    expect(blocked.statusCode, blocked.body).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBe(3600);
    expect(blocked.json().error.code).toBe('rate_limited');
    // One budget per password: the login door is closed for this user too, from anywhere.
    expect((await login('admin', ADMIN_PASSWORD, '198.51.100.9')).statusCode).toBe(429);
    t.clock.advance(3601_000);
    expect((await changePassword(session, ADMIN_PASSWORD)).statusCode).toBe(200);
  });

  it('password change failures count against the client IP like failed logins', async () => {
    const session = await loginAs(t.app, 'admin', ADMIN_PASSWORD);
    for (let i = 0; i < 45; i++) expect((await login(`nobody${i}`, 'whatever-1')).statusCode).toBe(401);
    for (let i = 0; i < 5; i++) expect((await changePassword(session, `guess-${i}`)).statusCode).toBe(403);
    const res = await login('admin', ADMIN_PASSWORD);
    expect(res.statusCode).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect((await changePassword(session, ADMIN_PASSWORD)).statusCode).toBe(429);
    expect((await login('admin', ADMIN_PASSWORD, '198.51.100.9')).statusCode).toBe(200);
  });

  it('behind a local proxy (loopback, no MOORING_TRUST_PROXY) 50 bad logins do not lock every user out', async () => {
    for (let i = 0; i < 50; i++)
      expect((await login(`nobody${i}`, 'whatever-1', '127.0.0.1')).statusCode).toBe(401);
    expect((await login('admin', ADMIN_PASSWORD, '127.0.0.1')).statusCode).toBe(200);
    expect((await login('admin', ADMIN_PASSWORD, '::1')).statusCode).toBe(200);
    // The per-username limit still holds on loopback.
    for (let i = 0; i < 10; i++) await login('admin', `bad-${i}`, '127.0.0.1');
    expect((await login('admin', ADMIN_PASSWORD, '127.0.0.1')).statusCode).toBe(429);
  });

  it('re-authenticating through /user/v1/refresh-token makes the session fresh for key creation', async () => {
    const session = await loginAs(t.app, 'admin', ADMIN_PASSWORD);
    t.clock.advance(21 * 60_000);
    const createKey = (token: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api-key/user/full',
        headers: bearer(token),
        payload: { name: 'after-reauth', expiryDate: null },
      });
    expect((await createKey(session)).statusCode).toBe(401);

    const refreshed = await t.app.inject({
      method: 'POST',
      url: '/user/v1/refresh-token',
      headers: bearer(session),
      payload: { password: ADMIN_PASSWORD },
    });
    expect(refreshed.statusCode).toBe(200);
    const claims = JSON.parse(Buffer.from(refreshed.body.split('.')[1] ?? '', 'base64url').toString());
    expect(claims.authTime).toBe(t.clock.now());
    const row = await t.ctx.db.kysely.selectFrom('session').select('auth_time').executeTakeFirstOrThrow();
    expect(row.auth_time).toBe(t.clock.now());
    const created = await createKey(refreshed.body);
    expect(created.statusCode, created.body).toBe(200);

    // A plain refresh keeps authTime: freshness still runs out.
    t.clock.advance(21 * 60_000);
    const plain = await t.app.inject({
      method: 'GET',
      url: '/user/v1/refresh-token',
      headers: bearer(refreshed.body),
    });
    expect((await createKey(plain.body)).statusCode).toBe(401);
  });

  it('re-authentication guesses share the login limits', async () => {
    const session = await loginAs(t.app, 'admin', ADMIN_PASSWORD);
    const reauth = (password: string) =>
      t.app.inject({
        method: 'POST',
        url: '/user/v1/refresh-token',
        headers: bearer(session),
        payload: { password },
        remoteAddress: REMOTE,
      });
    for (let i = 0; i < 10; i++) expect((await reauth(`guess-${i}`)).statusCode).toBe(401);
    const blocked = await reauth(ADMIN_PASSWORD);
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
  });
});

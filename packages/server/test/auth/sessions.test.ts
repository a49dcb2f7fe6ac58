import { SignJWT } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { ADMIN_PASSWORD, bearer, createTestApp, loginAs, type TestApp } from '../support/test-app.js';

function claimsOf(token: string): Record<string, number | string> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
}

describe.each(dialects())('sessions (%s)', (dialect) => {
  let t: TestApp;
  let token: string;
  beforeEach(async () => {
    t = await createTestApp(dialect);
    token = await loginAs(t.app, 'admin', ADMIN_PASSWORD);
  });
  afterEach(async () => t.close());

  const get = (url: string, tok?: string) =>
    t.app.inject({ method: 'GET', url, headers: tok === undefined ? {} : bearer(tok) });

  it('whoami answers 401 with an empty body without credentials', async () => {
    const res = await get('/actor/v1/whoami');
    expect(res.statusCode).toBe(401);
    expect(res.body).toBe('');
  });

  it('legacy /user/v1/whoami returns the user', async () => {
    expect((await get('/user/v1/whoami', token)).json()).toEqual({
      id: 1,
      username: 'admin',
      email: 'admin@localhost',
    });
  });

  it.each(['/user/v1/refresh-token', '/whoami'])('GET %s keeps authTime and extends exp', async (path) => {
    const before = claimsOf(token);
    t.clock.advance(3 * 86_400_000);
    const res = await get(path, token);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const after = claimsOf(res.body);
    expect(after.authTime).toBe(before.authTime);
    expect(after.jti).toBe(before.jti);
    expect(after.iat).toBe(Number(before.iat) + 3 * 86_400);
    expect(after.exp).toBe(Number(before.exp) + 3 * 86_400);
    expect((await get('/actor/v1/whoami', res.body)).statusCode).toBe(200);
  });

  it('POST refresh with the password re-stamps authTime; a wrong password is 401', async () => {
    t.clock.advance(60_000);
    const ok = await t.app.inject({
      method: 'POST',
      url: '/user/v1/refresh-token',
      headers: bearer(token),
      payload: { password: ADMIN_PASSWORD },
    });
    expect(ok.statusCode).toBe(200);
    expect(claimsOf(ok.body).authTime).toBe(t.clock.now());
    const bad = await t.app.inject({
      method: 'POST',
      url: '/user/v1/refresh-token',
      headers: bearer(token),
      payload: { password: 'wrong-password' },
    });
    expect(bad.statusCode).toBe(401);
  });

  it('refuses an expired token', async () => {
    t.clock.advance(7 * 86_400_000 + 1000);
    expect((await get('/actor/v1/whoami', token)).statusCode).toBe(401);
    expect((await get('/user/v1/refresh-token', token)).statusCode).toBe(401);
  });

  it('refuses a tampered token', async () => {
    const [h, p, s] = token.split('.');
    const payload = { ...claimsOf(token), id: 2 };
    const forged = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
    expect((await get('/actor/v1/whoami', forged)).statusCode).toBe(401);
    expect((await get('/actor/v1/whoami', `${h}.${p}.${s?.slice(0, -2)}AA`)).statusCode).toBe(401);
  });

  it('refuses alg "none" and an RS256 header', async () => {
    const claims = claimsOf(token);
    const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
    expect((await get('/actor/v1/whoami', none)).statusCode).toBe(401);
    const rs = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}.${token.split('.')[2]}`;
    expect((await get('/actor/v1/whoami', rs)).statusCode).toBe(401);
  });

  it('refuses a well-signed token with a different key and a token whose session row does not exist', async () => {
    const claims = claimsOf(token);
    const otherKey = new TextEncoder().encode('another-secret-another-secret-another-secret');
    const foreign = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(otherKey);
    expect((await get('/actor/v1/whoami', foreign)).statusCode).toBe(401);
    await t.ctx.db.kysely.deleteFrom('session').execute();
    expect((await get('/actor/v1/whoami', token)).statusCode).toBe(401);
  });

  it('lists sessions, revokes one at once, and refuses its refreshed tokens too', async () => {
    const second = await loginAs(t.app, 'admin', ADMIN_PASSWORD);
    const list = await get('/mooring/v1/sessions', token);
    expect(list.statusCode).toBe(200);
    const sessions = list.json().sessions as { id: string; current: boolean }[];
    expect(sessions).toHaveLength(2);
    const refreshed = (await get('/user/v1/refresh-token', second)).body;
    const secondId = claimsOf(second).jti as string;
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/mooring/v1/sessions/${secondId}`,
      headers: bearer(token),
    });
    expect(del.statusCode).toBe(204);
    expect((await get('/actor/v1/whoami', second)).statusCode).toBe(401);
    expect((await get('/actor/v1/whoami', refreshed)).statusCode).toBe(401);
    expect((await get('/actor/v1/whoami', token)).statusCode).toBe(200);
    const again = await t.app.inject({
      method: 'DELETE',
      url: `/mooring/v1/sessions/${secondId}`,
      headers: bearer(token),
    });
    expect(again.statusCode).toBe(404);
    expect(again.json().error.code).toBe('not_found');
  });

  it('log out everywhere revokes every other session and keeps the current one', async () => {
    const others = [
      await loginAs(t.app, 'admin', ADMIN_PASSWORD),
      await loginAs(t.app, 'admin', ADMIN_PASSWORD),
    ];
    const res = await t.app.inject({
      method: 'POST',
      url: '/mooring/v1/sessions/revoke-others',
      headers: bearer(token),
    });
    expect(res.json()).toEqual({ revoked: 2 });
    for (const other of others) expect((await get('/actor/v1/whoami', other)).statusCode).toBe(401);
    expect((await get('/actor/v1/whoami', token)).statusCode).toBe(200);
  });

  it('changing the password revokes other sessions and the old password stops working', async () => {
    const other = await loginAs(t.app, 'admin', ADMIN_PASSWORD);
    const res = await t.app.inject({
      method: 'POST',
      url: '/mooring/v1/password',
      headers: bearer(token),
      payload: { currentPassword: ADMIN_PASSWORD, newPassword: 'a-brand-new-password' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ revokedSessions: 1 });
    expect((await get('/actor/v1/whoami', other)).statusCode).toBe(401);
    expect((await get('/actor/v1/whoami', token)).statusCode).toBe(200);
    const old = await t.app.inject({
      method: 'POST',
      url: '/login_',
      payload: { username: 'admin', password: ADMIN_PASSWORD },
    });
    expect(old.statusCode).toBe(401);
    await loginAs(t.app, 'admin', 'a-brand-new-password');
  });

  it('refuses a password change with the wrong current password or a too-short new one', async () => {
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/mooring/v1/password',
      headers: bearer(token),
      payload: { currentPassword: 'not-it-at-all', newPassword: 'a-brand-new-password' },
    });
    expect(wrong.statusCode).toBe(403);
    const short = await t.app.inject({
      method: 'POST',
      url: '/mooring/v1/password',
      headers: bearer(token),
      payload: { currentPassword: ADMIN_PASSWORD, newPassword: 'short' },
    });
    expect(short.statusCode).toBe(400);
    expect(short.json().error).toMatchObject({ code: 'validation', requestId: expect.any(String) });
  });

  it('lets an administrator create users and organizations, and refuses non-administrators', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/mooring/v1/users',
      headers: bearer(token),
      payload: { username: 'alice', email: 'alice@example.com', password: 'alice-password' },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ username: 'alice', isAdmin: false });
    expect(created.json()).not.toHaveProperty('password_hash');
    const dup = await t.app.inject({
      method: 'POST',
      url: '/mooring/v1/users',
      headers: bearer(token),
      payload: { username: 'ALICE', password: 'alice-password' },
    });
    expect(dup.statusCode).toBe(409);
    const org = await t.app.inject({
      method: 'POST',
      url: '/mooring/v1/organizations',
      headers: bearer(token),
      payload: { name: 'Acme', handle: 'acme' },
    });
    expect(org.statusCode).toBe(201);
    const member = await t.app.inject({
      method: 'PUT',
      url: `/mooring/v1/organizations/${org.json().id}/members/${created.json().id}`,
      headers: bearer(token),
      payload: { role: 'member' },
    });
    expect(member.statusCode).toBe(204);

    const alice = await loginAs(t.app, 'alice', 'alice-password');
    const forbidden = await t.app.inject({
      method: 'POST',
      url: '/mooring/v1/users',
      headers: bearer(alice),
      payload: { username: 'mallory', password: 'mallory-password' },
    });
    expect(forbidden.statusCode).toBe(403);
    expect((await get('/mooring/v1/users', alice)).statusCode).toBe(403);
  });

  it('refuses unknown fields and two different credentials in one request', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/mooring/v1/users',
      headers: bearer(token),
      payload: { username: 'bob', password: 'bob-password', role: 'god' },
    });
    expect(res.statusCode).toBe(400);
    const both = await t.app.inject({
      method: 'GET',
      url: '/actor/v1/whoami?apikey=something',
      headers: bearer(token),
    });
    expect(both.statusCode).toBe(400);
  });
});

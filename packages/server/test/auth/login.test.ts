import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { ADMIN_PASSWORD, bearer, createTestApp, loginAs, type TestApp } from '../support/test-app.js';

describe.each(dialects())('login (%s)', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(dialect);
  });
  afterEach(async () => t.close());

  const login = (payload: unknown, headers: Record<string, string> = {}, remoteAddress?: string) =>
    t.app.inject({
      method: 'POST',
      url: '/login_',
      payload: payload as object,
      headers,
      ...(remoteAddress ? { remoteAddress } : {}),
    });

  it('returns a session token as text/plain for a correct username and password', async () => {
    const res = await login({ username: 'admin', password: ADMIN_PASSWORD });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.split('.')).toHaveLength(3);
    const claims = JSON.parse(Buffer.from(res.body.split('.')[1] ?? '', 'base64url').toString());
    expect(claims).toMatchObject({ id: 1, authTime: t.clock.now(), iat: t.clock.now() / 1000 });
    expect(claims.exp - claims.iat).toBe(7 * 86_400);
    expect(typeof claims.jti).toBe('string');
  });

  it('accepts the username and the e-mail case-insensitively', async () => {
    expect((await login({ username: 'ADMIN', password: ADMIN_PASSWORD })).statusCode).toBe(200);
    expect((await login({ username: 'Admin@LocalHost', password: ADMIN_PASSWORD })).statusCode).toBe(200);
  });

  it.each([
    ['wrong password', { username: 'admin', password: 'nope-nope' }],
    ['unknown user', { username: 'ghost', password: ADMIN_PASSWORD }],
    ['unknown e-mail', { username: 'ghost@example.com', password: ADMIN_PASSWORD }],
    ['empty username', { username: '', password: ADMIN_PASSWORD }],
    ['empty password', { username: 'admin', password: '' }],
  ])('answers 401 with an empty body for %s', async (_name, body) => {
    const res = await login(body);
    expect(res.statusCode).toBe(401);
    expect(res.body).toBe('');
  });

  it('answers 400 for a body without the fields, and for malformed JSON', async () => {
    expect((await login({ user: 'admin' })).statusCode).toBe(400);
    const res = await t.app.inject({
      method: 'POST',
      url: '/login_',
      headers: { 'content-type': 'application/json' },
      payload: '{"username":',
    });
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body)).toMatch(/JSON/);
  });

  it('throttles a username after 10 attempts with 429 and Retry-After, even for the right password', async () => {
    for (let i = 0; i < 10; i++)
      expect((await login({ username: 'admin', password: `bad-${i}` })).statusCode).toBe(401);
    const blocked = await login({ username: 'admin', password: ADMIN_PASSWORD });
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBe(3600);
    t.clock.advance(3601_000);
    expect((await login({ username: 'admin', password: ADMIN_PASSWORD })).statusCode).toBe(200);
  });

  it('resets the username counter on success', async () => {
    for (let i = 0; i < 9; i++) await login({ username: 'admin', password: `bad-${i}` });
    expect((await login({ username: 'admin', password: ADMIN_PASSWORD })).statusCode).toBe(200);
    for (let i = 0; i < 9; i++)
      expect((await login({ username: 'admin', password: `bad-${i}` })).statusCode).toBe(401);
    expect((await login({ username: 'admin', password: ADMIN_PASSWORD })).statusCode).toBe(200);
  });

  it('throttles a client IP after 50 failures across usernames', async () => {
    const ip = '203.0.113.7';
    for (let i = 0; i < 50; i++) {
      const res = await login({ username: `user${i}`, password: 'whatever-1' }, {}, ip);
      expect(res.statusCode).toBe(401);
    }
    const res = await login({ username: 'admin', password: ADMIN_PASSWORD }, {}, ip);
    expect(res.statusCode).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(
      (await login({ username: 'admin', password: ADMIN_PASSWORD }, {}, '198.51.100.9')).statusCode,
    ).toBe(200);
  });

  it('records login successes and failures as audit events without the password', async () => {
    await login({ username: 'admin', password: 'not-the-one' });
    await login({ username: 'admin', password: ADMIN_PASSWORD });
    const events = await t.ctx.db.kysely.selectFrom('audit_event').selectAll().orderBy('id').execute();
    expect(events.map((e) => e.type)).toEqual(['login.failed', 'login.succeeded']);
    expect(JSON.stringify(events)).not.toContain('not-the-one');
  });

  it('issues a token that works on whoami', async () => {
    const token = await loginAs(t.app, 'admin', ADMIN_PASSWORD);
    const res = await t.app.inject({ method: 'GET', url: '/actor/v1/whoami', headers: bearer(token) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      id: 1,
      actorType: 'user',
      actorTypeId: 1,
      username: 'admin',
      email: 'admin@localhost',
    });
  });
});

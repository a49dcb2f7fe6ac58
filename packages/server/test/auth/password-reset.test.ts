import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resetPassword } from '../../src/sessions/password-reset.js';
import { dialects } from '../support/databases.js';
import { recordSecret } from '../support/secret-ledger.js';
import { ADMIN_PASSWORD, bearer, createTestApp, loginAs, type TestApp } from '../support/test-app.js';

/** The offline reset behind `mooring admin reset-password` (the process test is in packages/cli). */
describe.each(dialects())('resetPassword (%s)', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(dialect);
  });
  afterEach(async () => t.close());

  const login = (password: string) =>
    t.app.inject({ method: 'POST', url: '/login_', payload: { username: 'admin', password } });
  const whoami = (token: string) =>
    t.app.inject({ method: 'GET', url: '/actor/v1/whoami', headers: bearer(token) });

  it('generates a password, revokes every session and records it in the audit trail', async () => {
    const first = await loginAs(t.app, 'admin', ADMIN_PASSWORD);
    const second = await loginAs(t.app, 'admin', ADMIN_PASSWORD);
    const result = await resetPassword(t.ctx.db, { login: 'ADMIN', now: t.clock.now() });
    if (!result.ok) throw new Error(result.message);
    recordSecret('password', result.generatedPassword ?? '');
    expect(result).toMatchObject({ username: 'admin', revokedSessions: 2 });
    expect(result.generatedPassword).toMatch(/^[A-Za-z0-9_-]{16}$/);

    expect((await login(ADMIN_PASSWORD)).statusCode).toBe(401);
    expect((await login(result.generatedPassword ?? '')).statusCode).toBe(200);
    // Another process changed the database: this instance's cache forgets within its lifetime.
    t.clock.advance(11_000);
    expect((await whoami(first)).statusCode).toBe(401);
    expect((await whoami(second)).statusCode).toBe(401);

    const audit = await sql<{ type: string; details: string }>`
      SELECT type, details FROM audit_event WHERE type = 'password.changed'`.execute(t.ctx.db.kysely);
    expect(audit.rows).toHaveLength(1);
    expect(JSON.stringify(audit.rows[0]?.details)).toContain('offline');
  });

  it('takes a given password, by e-mail address too', async () => {
    const result = await resetPassword(t.ctx.db, {
      login: 'admin@localhost',
      password: 'a new password from stdin',
      now: t.clock.now(),
    });
    expect(result).toEqual({ ok: true, username: 'admin', generatedPassword: undefined, revokedSessions: 0 });
    expect((await login('a new password from stdin')).statusCode).toBe(200);
  });

  it('refuses an unknown user and a too short password, changing nothing', async () => {
    expect(await resetPassword(t.ctx.db, { login: 'nobody', now: t.clock.now() })).toMatchObject({
      ok: false,
      reason: 'unknown_user',
    });
    expect(
      await resetPassword(t.ctx.db, { login: 'admin', password: 'short', now: t.clock.now() }),
    ).toMatchObject({ ok: false, reason: 'invalid_password' });
    expect((await login(ADMIN_PASSWORD)).statusCode).toBe(200);
  });
});

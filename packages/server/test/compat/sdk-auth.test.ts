import { getSdk } from 'balena-sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../support/test-app.js';

/**
 * The unmodified balena-sdk against a listening Mooring (COMPAT.md A1–A3). The server clock starts at
 * real time because the SDK judges token age and expiry with its own clock.
 */
describe.each(dialects())('balena-sdk auth (%s)', (dialect) => {
  let t: TestApp;
  let apiUrl: string;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    apiUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => t.close());
  beforeEach(() => t.clock.set(Date.now()));

  const newSdk = () => getSdk({ apiUrl, dataDirectory: false, isBrowser: false });

  it('logs in, reports identity and logs out', async () => {
    const sdk = newSdk();
    expect(await sdk.auth.isLoggedIn()).toBe(false);
    await sdk.auth.login({ email: 'admin', password: ADMIN_PASSWORD });
    expect(await sdk.auth.isLoggedIn()).toBe(true);
    expect(await sdk.auth.whoami()).toMatchObject({
      actorType: 'user',
      username: 'admin',
      email: 'admin@localhost',
    });
    expect(await sdk.auth.getUserInfo()).toEqual({
      id: 1,
      actor: 1,
      email: 'admin@localhost',
      username: 'admin',
    });
    expect(await sdk.auth.getActorId()).toBe(1);
    const token = await sdk.auth.getToken();
    expect(token.split('.')).toHaveLength(3);
    await sdk.auth.logout();
    expect(await sdk.auth.isLoggedIn()).toBe(false);
    await expect(sdk.auth.getToken()).rejects.toMatchObject({ code: 'BalenaNotLoggedIn' });
  });

  it('maps wrong credentials to BalenaInvalidLoginCredentials', async () => {
    await expect(newSdk().auth.login({ email: 'admin', password: 'wrong-password' })).rejects.toMatchObject({
      code: 'BalenaInvalidLoginCredentials',
    });
  });

  it('loginWithToken uses an existing session token', async () => {
    const first = newSdk();
    await first.auth.login({ email: 'admin@localhost', password: ADMIN_PASSWORD });
    const second = newSdk();
    await second.auth.loginWithToken(await first.auth.getToken());
    expect(await second.auth.isLoggedIn()).toBe(true);
    expect(await second.auth.getActorId()).toBe(1);
  });

  it('refreshes a token older than 24 h through /user/v1/refresh-token and continues with the new one', async () => {
    const now = Date.now();
    t.clock.set(now - 25 * 3_600_000);
    const sdk = newSdk();
    await sdk.auth.login({ email: 'admin', password: ADMIN_PASSWORD });
    const oldToken = await sdk.auth.getToken();
    t.clock.set(now);
    const before = await t.ctx.db.kysely.selectFrom('session').select(['id', 'last_refreshed_at']).execute();

    expect(await sdk.auth.getUserInfo()).toMatchObject({ username: 'admin' });

    const newToken = await sdk.auth.getToken();
    expect(newToken).not.toBe(oldToken);
    const claims = (tok: string) => JSON.parse(Buffer.from(tok.split('.')[1] ?? '', 'base64url').toString());
    expect(claims(newToken).authTime).toBe(claims(oldToken).authTime);
    expect(claims(newToken).iat).toBe(Math.floor(now / 1000));
    const after = await t.ctx.db.kysely.selectFrom('session').select(['id', 'last_refreshed_at']).execute();
    const refreshed = after.find((s) => s.id === claims(oldToken).jti);
    expect(refreshed?.last_refreshed_at).toBe(now);
    expect(before.find((s) => s.id === claims(oldToken).jti)?.last_refreshed_at).toBe(now - 25 * 3_600_000);
  });
});

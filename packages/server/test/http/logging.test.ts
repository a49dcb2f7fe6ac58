import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactUrl } from '../../src/http/redact.js';
import { dialects } from '../support/databases.js';
import { ADMIN_PASSWORD, bearer, createTestApp, loginAs, type TestApp } from '../support/test-app.js';

describe('redactUrl', () => {
  it.each([
    ['/v7/device?apikey=SECRET&$select=id', '/v7/device?apikey=[REDACTED]&$select=id'],
    ['/x?$filter=a&APIKEY=SECRET', '/x?$filter=a&APIKEY=[REDACTED]'],
    ['/x?auth_token=SECRET#frag', '/x?auth_token=[REDACTED]#frag'],
    ['/ping', '/ping'],
  ])('%s', (url, expected) => expect(redactUrl(url)).toBe(expected));
});

describe.each(dialects())('logs never contain secrets (%s)', (dialect) => {
  let t: TestApp;
  const secrets: string[] = [ADMIN_PASSWORD];
  beforeAll(async () => {
    t = await createTestApp(dialect, { MOORING_LOG_LEVEL: 'trace' });
  });
  afterAll(async () => t.close());

  it('across logins, failures, refreshes, query credentials and errors', async () => {
    const token = await loginAs(t.app, 'admin', ADMIN_PASSWORD);
    secrets.push(token, token.split('.')[2] ?? '');
    await t.app.inject({
      method: 'POST',
      url: '/login_',
      payload: { username: 'admin', password: 'Wrong-Pass-123' },
    });
    secrets.push('Wrong-Pass-123');
    const refreshed = await t.app.inject({
      method: 'GET',
      url: '/user/v1/refresh-token',
      headers: bearer(token),
    });
    secrets.push(refreshed.body);
    await t.app.inject({ method: 'GET', url: `/actor/v1/whoami?apikey=${token}` });
    await t.app.inject({ method: 'GET', url: '/actor/v1/whoami?apikey=QueryKeySecret123' });
    secrets.push('QueryKeySecret123');
    await t.app.inject({
      method: 'POST',
      url: '/mooring/v1/password',
      headers: bearer(token),
      payload: { currentPassword: ADMIN_PASSWORD, newPassword: 'New-Secret-Pass-1' },
    });
    secrets.push('New-Secret-Pass-1');
    await t.app.inject({
      method: 'GET',
      url: '/nope',
      headers: { authorization: 'Bearer NotARealKeyValue99' },
    });
    secrets.push('NotARealKeyValue99');

    const text = t.logs.text();
    expect(t.logs.lines.length).toBeGreaterThan(10);
    expect(text).toContain('[REDACTED]');
    for (const secret of secrets) expect(text).not.toContain(secret);
  });
});

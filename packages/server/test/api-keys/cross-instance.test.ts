import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, bearer, createTestApp, loginAs, type TestApp } from '../support/test-app.js';

/** Two Mooring instances sharing one PostgreSQL database (DESIGN.md §7). */
describe.runIf(process.env.MOORING_TEST_DATABASE_URL)('revocation across instances (postgres)', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await createTestApp('postgres');
    b = await createTestApp('postgres', {}, { database: a.database, clock: a.clock, logs: a.logs });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('a key revoked through instance A is refused by instance B within 1 s', async () => {
    const session = await loginAs(a.app, 'admin', ADMIN_PASSWORD);
    const created = await a.app.inject({
      method: 'POST',
      url: '/api-key/user/full',
      headers: bearer(session),
      payload: { name: 'shared', expiryDate: null },
    });
    const key = JSON.parse(created.body) as string;
    // B verifies (and caches) the key first, so only the invalidation can make it refuse.
    expect(
      (await b.app.inject({ method: 'GET', url: '/v7/application', headers: bearer(key) })).statusCode,
    ).toBe(200);
    const [row] = (await a.app.inject({ method: 'GET', url: '/v7/api_key', headers: bearer(session) })).json()
      .d;

    const revokedAt = performance.now();
    await a.app.inject({ method: 'DELETE', url: `/v7/api_key(${row.id})`, headers: bearer(session) });
    let status = 200;
    while (status === 200 && performance.now() - revokedAt < 5000) {
      status = (await b.app.inject({ method: 'GET', url: '/v7/application', headers: bearer(key) }))
        .statusCode;
      if (status === 200) await new Promise((r) => setTimeout(r, 5));
    }
    const elapsed = performance.now() - revokedAt;
    expect(status).toBe(401);
    expect(elapsed).toBeLessThan(1000);
  });
});

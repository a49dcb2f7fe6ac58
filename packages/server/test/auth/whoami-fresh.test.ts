import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { ADMIN_PASSWORD, bearer, createTestApp, loginAs, type TestApp } from '../support/test-app.js';

// whoami reads the user through a prepared statement on SQLite (users/whoami.repository.ts): it must
// still answer what is in the database now, on both dialects.
describe.each(dialects())('GET /actor/v1/whoami reads the user fresh (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('answers a changed username and e-mail on the next call', async () => {
    const token = await loginAs(t.app, 'admin', ADMIN_PASSWORD);
    const ask = async () =>
      (await t.app.inject({ method: 'GET', url: '/actor/v1/whoami', headers: bearer(token) })).json();
    expect(await ask()).toMatchObject({ actorType: 'user', username: 'admin' });
    await t.ctx.db.kysely
      .updateTable('user')
      .set({ username: 'root', email: 'root@example.test' })
      .where('username', '=', 'admin')
      .execute();
    expect(await ask()).toMatchObject({ actorType: 'user', username: 'root', email: 'root@example.test' });
  });
});

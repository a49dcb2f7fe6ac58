import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { ADMIN_PASSWORD, bearer, createTestApp, loginAs, type TestApp } from '../support/test-app.js';

/*
 * Issue 18 §3: concurrent rotations of one key produce exactly one successor (seen before: 8
 * rotations on PostgreSQL left orphan live keys). On PostgreSQL the rotations are spread over two
 * instances sharing the database; SQLite is one process, so one instance takes them all.
 */
describe.each(dialects())('concurrent rotation (%s)', (dialect) => {
  let a: TestApp;
  let b: TestApp;
  beforeEach(async () => {
    a = await createTestApp(dialect);
    b =
      dialect === 'postgres'
        ? await createTestApp(dialect, {}, { database: a.database, clock: a.clock, logs: a.logs })
        : a;
  });
  afterEach(async () => {
    if (b !== a) await b.close();
    await a.close();
  });

  const liveKeys = async (): Promise<{ id: number; rotated_to: number | null }[]> =>
    a.ctx.db.kysely
      .selectFrom('api_key')
      .select(['id', 'rotated_to'])
      .where((eb) => eb.or([eb('expiry_date', 'is', null), eb('expiry_date', '>', a.clock.now())]))
      .orderBy('id')
      .execute();

  it('8 rotations at once: one successor, seven 409s, no orphan key', async () => {
    const sessionA = await loginAs(a.app, 'admin', ADMIN_PASSWORD);
    const sessionB = b === a ? sessionA : await loginAs(b.app, 'admin', ADMIN_PASSWORD);
    const created = await a.app.inject({
      method: 'POST',
      url: '/api-key/user/full',
      headers: bearer(sessionA),
      payload: { name: 'contended', expiryDate: null },
    });
    expect(created.statusCode).toBe(200);
    const [original] = await liveKeys();
    if (!original) throw new Error('no key');

    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => {
        const [app, session] = i % 2 === 0 ? [a.app, sessionA] : [b.app, sessionB];
        return app.inject({
          method: 'POST',
          url: `/mooring/v1/keys/${original.id}/rotate`,
          headers: bearer(session),
          payload: { gracePeriodSeconds: 0 },
        });
      }),
    );
    const statuses = answers.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([200, 409, 409, 409, 409, 409, 409, 409]);

    const winner = answers.find((r) => r.statusCode === 200)?.json() as { id: number; key: string };
    const all = await a.ctx.db.kysely.selectFrom('api_key').select(['id', 'rotated_to']).execute();
    expect(all.map((k) => k.id).sort()).toEqual([original.id, winner.id].sort());
    expect(await liveKeys()).toEqual([{ id: winner.id, rotated_to: null }]);
    const retired = all.find((k) => k.id === original.id);
    expect(retired?.rotated_to).toBe(winner.id);
    const whoami = await b.app.inject({
      method: 'GET',
      url: '/actor/v1/whoami',
      headers: bearer(winner.key),
    });
    expect(whoami.statusCode).toBe(200);
  });
});

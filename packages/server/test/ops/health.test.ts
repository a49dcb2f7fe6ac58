import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READY_TIMEOUT_MS, Readiness } from '../../src/ops/health.js';
import { createTestDatabase, dialects } from '../support/databases.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/** Issue 22 §4: probes that tell a load balancer the truth, fast. */
describe.each(dialects())('health and readiness (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => {
    await t.close();
  });

  it('/healthz answers 200 while the process serves', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('/readyz answers 200 with every check ok on a migrated, reachable database', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      status: 'ready',
      checks: { database: 'ok', migrations: 'ok', shutdown: 'ok' },
      notReady: [],
    });
  });

  it.each(['/health', '/ready', '/livez', '/healthz/', '/readyz/x'])(
    '%s is the API 404 (JSON), never the dashboard HTML with a 200',
    async (url) => {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toMatch(/application\/json/);
    },
  );

  it('/readyz answers 503 with Retry-After and names the check once the server is shutting down', async () => {
    const own = await createTestApp(dialect);
    try {
      // preClose marks it as close() starts; the test database outlives the app, so the other
      // checks still pass and only the shutdown is named.
      await own.app.close();
      const report = await own.app.mooring.readiness.check();
      expect(report).toMatchObject({ status: 'not_ready', notReady: ['shutdown'] });
    } finally {
      await own.database.destroy();
    }
    const readiness = new Readiness(t.ctx.db, t.ctx.log);
    readiness.markShuttingDown();
    expect((await readiness.check()).notReady).toEqual(['shutdown']);
  });

  it('a database with a migration missing is not ready (migrations: pending)', async () => {
    const empty = await createTestDatabase(dialect, false);
    try {
      const report = await new Readiness(empty.db, t.ctx.log).check();
      expect(report.status).toBe('not_ready');
      expect(report.checks).toEqual({ database: 'ok', migrations: 'pending', shutdown: 'ok' });
      expect(report.notReady).toEqual(['migrations']);
    } finally {
      await empty.destroy();
    }
  });

  it('a closed database is not ready (database: unreachable)', async () => {
    const database = await createTestDatabase(dialect);
    const readiness = new Readiness(database.db, t.ctx.log);
    expect((await readiness.check()).status).toBe('ready');
    await database.db.close();
    try {
      const report = await readiness.check();
      expect(report.checks.database).toBe('unreachable');
      expect(report.notReady).toContain('database');
    } finally {
      await database.destroy();
    }
  });

  it.skipIf(dialect !== 'postgres')(
    'a database that does not answer: 503 within the timeout, and at most one probe query in flight (PostgreSQL)',
    async () => {
      // Another session holds an exclusive lock on the table the probe reads: the probe's query waits
      // in the server, as it would on a frozen or saturated database.
      const locker = new pg.Client({ connectionString: process.env.MOORING_TEST_DATABASE_URL });
      await locker.connect();
      const schema = (
        await t.ctx.db.kysely.selectNoFrom((eb) => eb.fn<string>('current_schema', []).as('s')).execute()
      )[0]?.s;
      try {
        await locker.query('BEGIN');
        await locker.query(`LOCK TABLE ${schema}.kysely_migration IN ACCESS EXCLUSIVE MODE`);
        const readiness = new Readiness(t.ctx.db, t.ctx.log);
        const started = performance.now();
        const probes = await Promise.all(
          [1, 2, 3].map(() => t.app.inject({ method: 'GET', url: '/readyz' })),
        );
        const elapsed = performance.now() - started;
        for (const res of probes) {
          expect(res.statusCode).toBe(503);
          expect(res.headers['retry-after']).toBe('5');
          expect(res.json()).toMatchObject({
            status: 'not_ready',
            checks: { database: 'timeout' },
            notReady: ['database'],
          });
        }
        expect(elapsed).toBeLessThan(READY_TIMEOUT_MS + 1000);
        expect((await readiness.check()).checks.database).toBe('timeout');
        // The app's probes shared one query; the direct Readiness above added its own: two waiting.
        const waiting = await locker.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE '%FROM kysely_migration%' AND state = 'active' AND pid <> pg_backend_pid()",
        );
        expect(waiting.rows[0].n).toBe(2);
      } finally {
        await locker.query('ROLLBACK');
        await locker.end();
      }
      // Recovered as soon as the lock is gone.
      await expect
        .poll(async () => (await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode)
        .toBe(200);
    },
  );
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, ask, canRunOutageTests, ServerProcess, ThrowawayCluster, until } from './support.js';

const PASSWORD = 'outage test password';
const SECRET = 'outage-test-secret-0123456789abcdef0123456789';
/** Short limits so the frozen-database test fits in seconds; the defaults are 5 s, 5 s and 10 s. */
const CONNECT_MS = 1000;
const ACQUIRE_MS = 1000;
const STATEMENT_MS = 2000;
/** The stall guard's grace (db/database.ts STALL_GRACE_MS) plus HTTP and scheduling slack. */
const FROZEN_ANSWER_LIMIT_MS = STATEMENT_MS + 1000 + 1500;

/**
 * Issue 22, points 1–3, against a PostgreSQL cluster of this file only (never the shared one): two
 * real Mooring processes through a fast shutdown and restart, a frozen (SIGSTOPped) server, and a
 * revocation while the instances' LISTEN connections are being re-established.
 */
describe.runIf(canRunOutageTests())('database outages (postgres, real processes)', () => {
  let cluster: ThrowawayCluster;
  let dataDir: string;
  const instances: ServerProcess[] = [];
  let token = '';

  beforeAll(async () => {
    cluster = ThrowawayCluster.start();
    dataDir = mkdtempSync(join(tmpdir(), 'mooring-outage-'));
    const env = {
      MOORING_DATABASE_URL: cluster.url,
      MOORING_SECRET: SECRET,
      MOORING_ADMIN_PASSWORD: PASSWORD,
      MOORING_DATA_DIR: dataDir,
      MOORING_RATE_LIMIT_PER_IP: '0',
      MOORING_RATE_LIMIT_PER_CREDENTIAL: '0',
      MOORING_AUTH_FAILURE_LIMIT: '0',
      MOORING_DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_MS),
      MOORING_DATABASE_ACQUIRE_TIMEOUT_MS: String(ACQUIRE_MS),
      MOORING_DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_MS),
    };
    // One after the other: the first migrates and creates the administrator.
    instances.push(await ServerProcess.start(env));
    instances.push(await ServerProcess.start(env));
    const login = await ask(`${instances[0]?.url}/login_`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: PASSWORD }),
    });
    expect(login.status, login.body).toBe(200);
    token = login.body;
  });

  afterAll(async () => {
    await Promise.all(instances.map((i) => i.stop()));
    cluster?.destroy();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const auth = (credential: string): Record<string, string> => ({ authorization: `Bearer ${credential}` });
  /** A read that needs the database on every call (OData, behind authentication). */
  const read = (instance: ServerProcess, credential = token, timeoutMs = 10_000) =>
    ask(`${instance.url}/v7/application?$top=1`, { headers: auth(credential), timeoutMs });

  function expectAllAlive(): void {
    for (const instance of instances) {
      expect(instance.alive, `instance exited: ${JSON.stringify(instance.exit)}\n${instance.output()}`).toBe(
        true,
      );
      expect(instance.output()).not.toMatch(
        /Unhandled 'error' event|uncaught exception|unhandled rejection/i,
      );
    }
  }

  async function expectRecovered(limitMs: number): Promise<number> {
    let slowest = 0;
    for (const instance of instances) {
      const { value, ms } = await until(
        () => read(instance, token, 5000),
        (a) => a.status === 200,
        limitMs,
        100,
      );
      expect(value.status, value.body).toBe(200);
      slowest = Math.max(slowest, ms);
    }
    return slowest;
  }

  it('a fast shutdown and restart: no instance dies, 503 + Retry-After meanwhile, 200 after', async () => {
    for (const instance of instances) expect((await read(instance)).status).toBe(200);

    const stoppedAt = performance.now();
    cluster.stopFast();
    // The processes used to exit ~130 ms after this: give them the chance to.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expectAllAlive();

    const during = [];
    while (performance.now() - stoppedAt < 3000) {
      for (const instance of instances) during.push(await read(instance, token, 8000));
    }
    for (const answer of during) {
      expect(answer.status, answer.body).toBe(503);
      expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    // Logging in needs the database too.
    const login = await ask(`${instances[1]?.url}/login_`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: PASSWORD }),
    });
    expect(login.status).toBe(503);

    cluster.restart();
    const recoveryMs = await expectRecovered(15_000);
    expectAllAlive();
    console.info(
      `outage: ${during.length} requests answered 503 (slowest ${Math.round(Math.max(...during.map((a) => a.ms)))} ms); recovered ${Math.round(recoveryMs)} ms after restart`,
    );
  });

  it('a frozen server (SIGSTOP): 503 within the configured timeouts, recovery after SIGCONT', async () => {
    await expectRecovered(15_000);
    // A key no instance has verified yet: its lookup (a hot query on the pool) meets the frozen
    // server, and must answer 503, not a 401 that would tell its holder the key is bad.
    const created = await ask(`${instances[0]?.url}/api-key/user/full`, {
      method: 'POST',
      headers: { ...auth(token), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'first-used-while-frozen', expiryDate: null }),
    });
    expect(created.status, created.body).toBe(200);
    const unseenKey = JSON.parse(created.body) as string;
    cluster.freeze();
    let answers: Answer[];
    try {
      // Several at once per instance: some get an idle pooled connection (the stall guard), some
      // wait for one (acquisition timeout), some open a new one (connect timeout).
      answers = await Promise.all(
        instances.flatMap((instance) => [
          ...Array.from({ length: 6 }, () => read(instance, token, 15_000)),
          read(instance, unseenKey, 15_000),
        ]),
      );
    } finally {
      cluster.thaw();
    }
    for (const answer of answers) {
      expect(answer.status, answer.body).toBe(503);
      expect(answer.retryAfter).not.toBeNull();
      expect(answer.ms).toBeLessThan(FROZEN_ANSWER_LIMIT_MS);
    }
    expectAllAlive();
    const recoveryMs = await expectRecovered(20_000);
    for (const instance of instances) expect((await read(instance, unseenKey)).status).toBe(200);
    console.info(
      `frozen: ${answers.length} requests answered 503 in ${Math.round(Math.min(...answers.map((a) => a.ms)))}–${Math.round(Math.max(...answers.map((a) => a.ms)))} ms; recovered ${Math.round(recoveryMs)} ms after SIGCONT`,
    );
  });

  it('a key revoked through A while the LISTEN connections reconnect is refused by B within 1 s', async () => {
    await expectRecovered(15_000);
    const [a, b] = instances as [ServerProcess, ServerProcess];
    const created = await ask(`${a.url}/api-key/user/full`, {
      method: 'POST',
      headers: { ...auth(token), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'revoked-during-reconnect', expiryDate: null }),
    });
    expect(created.status, created.body).toBe(200);
    const key = JSON.parse(created.body) as string;
    const listed = await ask(`${a.url}/v7/api_key?$filter=name eq 'revoked-during-reconnect'`, {
      headers: auth(token),
    });
    const id = (JSON.parse(listed.body) as { d: { id: number }[] }).d[0]?.id;
    // B has verified, and cached, the key.
    for (let i = 0; i < 3; i++) expect((await read(b, key)).status).toBe(200);

    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    let terminated: number;
    try {
      // Both instances listening again (after the earlier tests' outages).
      const listeners = await until(
        async () =>
          (
            await admin.query(
              "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'mooring-listener' AND query LIKE 'SELECT generation%'",
            )
          ).rows[0].n as number,
        (n) => n === 2,
        10_000,
        100,
      );
      expect(listeners.value).toBe(2);
      const result = await admin.query(
        "SELECT count(*)::int AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'mooring-listener') t",
      );
      terminated = result.rows[0].n;
    } finally {
      await admin.end();
    }
    expect(terminated).toBe(2);

    // B keeps being asked while its listener is gone, as under load.
    expect([200, 401]).toContain((await read(b, key)).status);
    const revoked = await ask(`${a.url}/v7/api_key(${id})`, { method: 'DELETE', headers: auth(token) });
    expect(revoked.status, revoked.body).toBe(200);
    const acknowledgedAt = performance.now();
    let accepted = 0;
    const { value, ms } = await until(
      async () => {
        const answer = await read(b, key, 2000);
        if (answer.status === 200) accepted++;
        return answer;
      },
      (answer) => answer.status === 401,
      3000,
      10,
    );
    expect(value.status).toBe(401);
    expect(ms).toBeLessThan(1000);
    expect(performance.now() - acknowledgedAt).toBeLessThan(1000);
    // It stays refused once B has resubscribed and caught up.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await read(b, key)).status).toBe(401);
    expectAllAlive();
    console.info(
      `revocation during reconnect: refused by B after ${Math.round(ms)} ms, ${accepted} answers 200 after the acknowledgement`,
    );
  });
});

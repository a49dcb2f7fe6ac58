import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MooringClient, MooringError } from '../src/index.js';
import { ADMIN_PASSWORD, dialects, rejection, type SdkServer, startServer } from './support.js';

describe.each(dialects())('SDK typed errors and retries (%s)', (dialect) => {
  let s: SdkServer;
  beforeAll(async () => {
    s = await startServer(dialect);
  });
  afterAll(async () => s.close());

  /** Ten failed logins block the username for an hour (COMPAT.md A1). */
  const throttle = async (username: string): Promise<void> => {
    for (let i = 0; i < 10; i++) await rejection(s.client().auth.login(username, 'wrong'));
  };

  it('429 is RateLimited with retryAfterSeconds from Retry-After', async () => {
    await s
      .admin()
      .then((c) => c.admin.users.create({ username: 'throttled', password: 'a long passphrase 1' }));
    await throttle('throttled');
    const error = await rejection(s.client().auth.login('throttled', 'a long passphrase 1'));
    expect(error).toBeInstanceOf(MooringError);
    expect(error).toMatchObject({ code: 'RateLimited', status: 429 });
    expect((error as MooringError).retryAfterSeconds).toBeGreaterThan(3000);
  });

  it('with retry, a 429 waits Retry-After (server time) and then succeeds', async () => {
    await s
      .admin()
      .then((c) => c.admin.users.create({ username: 'patient', password: 'a long passphrase 1' }));
    await throttle('patient');
    const waits: number[] = [];
    const client = s.client({
      retry: { retries: 2, maxDelayMs: 2 * 3_600_000 },
      // The wait passes on the server's clock, so the throttle really has expired on retry.
      sleep: async (ms) => {
        waits.push(ms);
        s.t.clock.advance(ms);
      },
    });
    s.resetCounts();
    await client.auth.login('patient', 'a long passphrase 1');
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(3000_000);
    expect(s.count('/login_')).toBe(2);
  });

  it('with retry, a Retry-After beyond maxDelayMs fails at once', async () => {
    await throttle('nobody-at-all');
    let slept = 0;
    const client = s.client({ retry: { retries: 3 }, sleep: async () => void slept++ });
    expect(await rejection(client.auth.login('nobody-at-all', 'x'))).toMatchObject({ code: 'RateLimited' });
    expect(slept).toBe(0);
  });

  it('an unreachable server is Network; idempotent requests are retried with backoff, POST is not', async () => {
    const attempts: string[] = [];
    const waits: number[] = [];
    const client = new MooringClient({
      apiUrl: 'http://127.0.0.1:1',
      apiKey: 'mk_u_whatever',
      retry: { retries: 2, minDelayMs: 100 },
      sleep: async (ms) => void waits.push(ms),
      fetch: (input, init) => {
        attempts.push(init?.method ?? 'GET');
        return fetch(input, init);
      },
    });
    const error = await rejection(client.devices.list());
    expect(error).toMatchObject({ code: 'Network' });
    expect((error as MooringError).status).toBeUndefined();
    expect(attempts).toEqual(['GET', 'GET', 'GET']);
    expect(waits[0]).toBeGreaterThanOrEqual(50);
    expect(waits[1]).toBeGreaterThanOrEqual(100);
    attempts.length = 0;
    expect(await rejection(client.odata.post('device', {}))).toMatchObject({ code: 'Network' });
    expect(attempts).toEqual(['POST']);
  });

  it('401, 403, 404, 409 and 400 carry their codes and the server’s message', async () => {
    const anonymous = s.client();
    expect(await rejection(anonymous.sessions.list())).toMatchObject({ code: 'Unauthorized', status: 401 });
    const bad = s.client({ apiKey: 'mk_u_0000000000000_000000000000000000000000000000000000000' });
    expect(await rejection(bad.auth.whoami())).toMatchObject({ code: 'Unauthorized', status: 401 });
    const admin = await s.admin();
    expect(await rejection(admin.request('GET', '/mooring/v1/nothing-here'))).toMatchObject({
      code: 'NotFound',
      status: 404,
      serverCode: 'not_found',
    });
    const invalid = await rejection(admin.request('POST', '/mooring/v1/password', { body: { nope: 1 } }));
    expect(invalid).toMatchObject({ code: 'Validation', status: 400, serverCode: 'validation' });
    expect((invalid as MooringError).message).toMatch(/Invalid request/);
    expect(
      await rejection(
        admin.fleets
          .create({ name: 'dupe', deviceType: 'generic-amd64', organization: 'admin' })
          .then(() =>
            admin.fleets.create({ name: 'dupe', deviceType: 'generic-amd64', organization: 'admin' }),
          ),
      ),
    ).toMatchObject({ code: 'Conflict', status: 409 });
    const op = await admin.admin.users.create({ username: 'plain', password: 'a long passphrase 1' });
    const plain = s.client();
    await plain.auth.login(op.username, 'a long passphrase 1');
    expect(await rejection(plain.admin.users.list())).toMatchObject({ code: 'Forbidden', status: 403 });
    await plain.auth.logout();
    expect(ADMIN_PASSWORD).not.toBe('');
  });
});

describe('SDK and a server whose database is away (sqlite)', () => {
  it('a 503 carries retryAfterSeconds, and a retried GET waits at least that long', async () => {
    const s = await startServer('sqlite');
    try {
      const waits: number[] = [];
      const admin = await s.admin();
      const retrying = await s.admin({
        retry: { retries: 1, maxDelayMs: 60_000 },
        sleep: async (ms) => void waits.push(ms),
      });
      // The database goes away under the running server: it answers 503 with Retry-After.
      await s.t.ctx.db.close();
      const error = await rejection(admin.fleets.list());
      expect(error).toMatchObject({ code: 'Server', status: 503 });
      const retryAfter = (error as MooringError).retryAfterSeconds ?? 0;
      expect(retryAfter).toBeGreaterThan(0);

      expect(await rejection(retrying.fleets.list())).toMatchObject({ status: 503 });
      expect(waits.length).toBeGreaterThan(0);
      for (const wait of waits) expect(wait).toBeGreaterThanOrEqual(retryAfter * 1000);
    } finally {
      await s.t.app.close();
    }
  });
});

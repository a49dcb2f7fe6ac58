import { afterEach, describe, expect, it } from 'vitest';
import { createSigningKey, signed } from '../signatures/support.js';
import { dialects } from '../support/databases.js';
import { adminToken } from '../support/fleet-fixtures.js';
import { bearer, createTestApp, type TestApp } from '../support/test-app.js';

describe.each(dialects())('request throttling (%s)', (dialect) => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });
  const get = (app: TestApp, headers: Record<string, string> = {}, remoteAddress = '203.0.113.7') =>
    app.app.inject({ method: 'GET', url: '/v7/application', headers, remoteAddress });

  it('limits requests per client IP with 429 and Retry-After, other IPs unaffected, until the window ends', async () => {
    t = await createTestApp(dialect, {
      MOORING_RATE_LIMIT_PER_IP: '5',
      MOORING_RATE_LIMIT_WINDOW_SECONDS: '10',
    });
    const admin = await adminToken(t);
    for (let i = 0; i < 5; i++) expect((await get(t, bearer(admin))).statusCode).toBe(200);
    const limited = await get(t, bearer(admin));
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(10);
    expect((await get(t, bearer(admin), '198.51.100.9')).statusCode).toBe(200);
    t.clock.advance(10_000);
    expect((await get(t, bearer(admin))).statusCode).toBe(200);
  });

  it('limits requests per credential whatever the IP, bearer and signed alike', async () => {
    t = await createTestApp(dialect, { MOORING_RATE_LIMIT_PER_CREDENTIAL: '3' });
    const admin = await adminToken(t);
    const key = await createSigningKey(t, admin, 'hmac-sha256');
    const ips = ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4'];
    const statuses: number[] = [];
    for (const ip of ips) statuses.push((await get(t, bearer(key.key), ip)).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429]);
    // The signing key is its own credential here too (same key row): already used up.
    expect((await signed(t, key, { method: 'GET', url: '/v7/application' })).status).toBe(429);
    const other = await createSigningKey(t, admin, 'ed25519', { name: 'other' });
    for (let i = 0; i < 3; i++)
      expect((await signed(t, other, { method: 'GET', url: '/v7/application' })).status).toBe(200);
    expect((await signed(t, other, { method: 'GET', url: '/v7/application' })).status).toBe(429);
  });

  it('blocks an IP after repeated failed authentications: 429, never 401, even with a valid credential', async () => {
    t = await createTestApp(dialect, {
      MOORING_AUTH_FAILURE_LIMIT: '3',
      MOORING_AUTH_FAILURE_WINDOW_SECONDS: '60',
    });
    const admin = await adminToken(t);
    const bad = bearer('mk_definitely_not_a_key_000000000000');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await get(t, bad)).statusCode);
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
    const valid = await get(t, bearer(admin));
    expect(valid.statusCode).toBe(429);
    expect(Number(valid.headers['retry-after'])).toBeGreaterThan(0);
    // Bad signatures count as failures as well, and a throttled signed request is not a 401 either.
    expect(
      (
        await get(
          t,
          { 'signature-input': 'sig1=("@method");created=1', signature: 'sig1=:AAAA:' },
          '192.0.2.50',
        )
      ).statusCode,
    ).toBe(401);
    expect((await get(t, bearer(admin), '192.0.2.51')).statusCode).toBe(200);
    t.clock.advance(60_000);
    expect((await get(t, bearer(admin))).statusCode).toBe(200);
  });

  it('leaves the loopback interface (a local reverse proxy, the operator) to the per-credential limit', async () => {
    t = await createTestApp(dialect, { MOORING_AUTH_FAILURE_LIMIT: '2', MOORING_RATE_LIMIT_PER_IP: '2' });
    const statuses: number[] = [];
    for (const ip of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
      for (let i = 0; i < 4; i++)
        statuses.push((await get(t, bearer('mk_not_a_key_0000000000000000'), ip)).statusCode);
    }
    expect(new Set(statuses)).toEqual(new Set([401]));
    const bad = bearer('mk_not_a_key_0000000000000000');
    expect((await get(t, bad, '192.0.2.77')).statusCode).toBe(401);
    expect((await get(t, bad, '192.0.2.77')).statusCode).toBe(401);
    expect((await get(t, bad, '192.0.2.77')).statusCode).toBe(429);
  });

  it('is on by default with generous limits', async () => {
    const { loadConfig } = await import('../../src/config/config.js');
    const config = loadConfig({});
    expect(config.rateLimit).toEqual({
      windowSeconds: 10,
      perIp: 20_000,
      perCredential: 10_000,
      authFailures: 100,
      authFailureWindowSeconds: 300,
    });
    expect(() => loadConfig({ MOORING_RATE_LIMIT_PER_IP: '-1' })).toThrow(/MOORING_RATE_LIMIT_PER_IP/);
  });
});

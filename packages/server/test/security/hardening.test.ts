import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSigningKey, signed } from '../signatures/support.js';
import { dialects } from '../support/databases.js';
import { adminToken } from '../support/fleet-fixtures.js';
import { ADMIN_PASSWORD, bearer, createTestApp, type TestApp } from '../support/test-app.js';

/** Raw HTTP/1.1 over a socket, so Node's own parser limits are exercised too. */
function raw(base: string, path: string, headers: Record<string, string>): Promise<number> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, headers, method: 'GET' }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe.each(dialects())('hardening (%s)', (dialect) => {
  let t: TestApp;
  let admin: string;
  let base: string;
  beforeAll(async () => {
    t = await createTestApp(dialect, { MOORING_BODY_LIMIT_BYTES: '4096' });
    admin = await adminToken(t);
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => t?.close());

  const post = (payload: string, contentType: string, url = '/v7/application') =>
    t.app.inject({
      method: 'POST',
      url,
      headers: { ...bearer(admin), 'content-type': contentType },
      payload,
    });

  it('answers 413 for a body over the limit, bearer and signed', async () => {
    const big = JSON.stringify({ app_name: 'x'.repeat(5000) });
    const res = await post(big, 'application/json');
    expect(res.statusCode).toBe(413);
    const key = await createSigningKey(t, admin, 'hmac-sha256');
    expect((await signed(t, key, { method: 'POST', url: '/v7/application', body: big })).status).toBe(413);
  });

  it('answers 400 for malformed JSON and prototype-poisoning keys, with a message', async () => {
    for (const [url, body] of [
      ['/v7/application', '{"app_name":'],
      ['/login_', '{"username": "admin", "password": '],
      ['/v7/application', '{"__proto__": {"isAdmin": true}}'],
      ['/api-key/user/full', 'null x'],
    ] as const) {
      const res = await post(body, 'application/json', url);
      expect(res.statusCode, `${url} ${body}`).toBe(400);
      expect(res.body.length).toBeGreaterThan(0);
    }
  });

  it('answers 415 for content types it does not parse', async () => {
    for (const type of [
      'application/xml',
      'multipart/form-data; boundary=x',
      'application/x-www-form-urlencoded',
    ]) {
      const res = await post('<a/>', type);
      expect(res.statusCode, type).toBe(415);
    }
  });

  it('answers 414 for an over-long request target and 431 for oversized headers', async () => {
    const longUrl = `/v7/application?$filter=${'a'.repeat(9000)}`;
    expect((await t.app.inject({ method: 'GET', url: longUrl, headers: bearer(admin) })).statusCode).toBe(
      414,
    );
    const huge = await t.app.inject({
      method: 'GET',
      url: '/v7/application',
      headers: { ...bearer(admin), 'x-filler': 'b'.repeat(17_000) },
    });
    expect(huge.statusCode).toBe(431);
    // Over a real socket as well: our check (414) and Node's parser limit (431) both hold.
    expect(await raw(base, longUrl, {})).toBe(414);
    expect(await raw(base, '/ping', { 'x-filler': 'c'.repeat(40_000) })).toBe(431);
  });

  it('sends Cache-Control: no-store on every response carrying a credential, and on refusals', async () => {
    const login = await t.app.inject({
      method: 'POST',
      url: '/login_',
      payload: { username: 'admin', password: ADMIN_PASSWORD },
    });
    const refresh = await t.app.inject({
      method: 'GET',
      url: '/user/v1/refresh-token',
      headers: bearer(admin),
    });
    const key = await t.app.inject({
      method: 'POST',
      url: '/api-key/user/full',
      headers: bearer(login.body),
      payload: { name: 'cc', expiryDate: null },
    });
    const signing = await t.app.inject({
      method: 'POST',
      url: '/api-key/user/full',
      headers: bearer(login.body),
      payload: { name: 'cc2', expiryDate: null, signing: { alg: 'hmac-sha256' } },
    });
    const refused = await t.app.inject({
      method: 'GET',
      url: '/v7/application',
      headers: bearer('nope-nope-nope-nope'),
    });
    for (const [name, res] of Object.entries({ login, refresh, key, signing, refused })) {
      expect(res.headers['cache-control'], name).toBe('no-store');
    }
    expect(login.statusCode).toBe(200);
    expect(key.statusCode).toBe(200);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSigningKey } from '../signatures/support.js';
import { dialects } from '../support/databases.js';
import { adminToken } from '../support/fleet-fixtures.js';
import { bearer, createTestApp, type TestApp } from '../support/test-app.js';

/*
 * Issue 18 §8: one uniform 401 for credentials that do not resolve (no oracle), but a refusal that
 * says why, in the body, in WWW-Authenticate and in the log, once the caller has proven it holds a
 * valid key.
 */
describe.each(dialects())('refusals that say why (%s)', (dialect) => {
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    admin = await adminToken(t);
  });
  afterAll(async () => t?.close());

  const createKey = async (payload: Record<string, unknown>): Promise<string> => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api-key/user/full',
      headers: bearer(admin),
      payload: { expiryDate: null, ...payload },
    });
    expect(res.statusCode).toBe(200);
    return res.json() as string;
  };

  it('tells the holder of a signing-only key to sign, with the challenge and its key id', async () => {
    const strict = await createSigningKey(t, admin, 'hmac-sha256', {
      requiresSignature: true,
      name: 'strict',
    });
    const before = t.logs.lines.length;
    for (const res of [
      await t.app.inject({ method: 'GET', url: '/v7/application', headers: bearer(strict.key) }),
      await t.app.inject({ method: 'GET', url: '/mooring/v1/sessions', headers: bearer(strict.key) }),
    ]) {
      expect(res.statusCode).toBe(401);
      expect(res.body).toMatch(/RFC 9421 signature/);
      expect(res.headers['www-authenticate']).toBe('Signature realm="mooring"');
      expect(res.headers['accept-signature']).toBe(
        `sig1=("@method" "@authority" "@path");created;nonce;keyid="${strict.keyId}"`,
      );
      expect(res.body).not.toContain(strict.key);
    }
    const logged = t.logs.lines.slice(before).join('\n');
    expect(logged).toMatch(/"reason":"This key signs requests/);
    expect(logged).not.toContain(strict.key);
  });

  it('tells the holder of a header-only key sent in the query to use the header', async () => {
    const key = await createKey({ name: 'header-only', headerOnly: true });
    const res = await t.app.inject({ method: 'GET', url: `/v7/application?apikey=${key}` });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatch(/Authorization header only/);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="mooring", error="invalid_request"');
    const ok = await t.app.inject({ method: 'GET', url: '/v7/application', headers: bearer(key) });
    expect(ok.statusCode).toBe(200);
  });

  it('tells an API key holder that a session is needed, naming the step-up error', async () => {
    const key = await createKey({ name: 'no-sessions' });
    const res = await t.app.inject({ method: 'GET', url: '/mooring/v1/sessions', headers: bearer(key) });
    expect(res.statusCode).toBe(401);
    expect((res.json() as { error: { message: string } }).error.message).toMatch(/requires a session token/);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="mooring", error="insufficient_user_authentication"',
    );
  });

  it('answers unknown, malformed and expired credentials identically (no oracle)', async () => {
    const expired = await createKey({
      name: 'soon',
      expiryDate: new Date(t.clock.now() + 60_000).toISOString(),
    });
    t.clock.advance(120_000);
    const unknown = `${expired.slice(0, -4)}AAAA`;
    const answers: [string, number, string, unknown][] = [];
    for (const credential of [expired, unknown, 'garbage-credential-value-000', 'x.y.z-not-a-jwt']) {
      for (const url of ['/v7/application', '/mooring/v1/sessions']) {
        const res = await t.app.inject({ method: 'GET', url, headers: bearer(credential) });
        answers.push([
          url,
          res.statusCode,
          res.body.replace(/"requestId":"[^"]+"/, ''),
          res.headers['www-authenticate'],
        ]);
      }
    }
    const byUrl = (url: string) => answers.filter((a) => a[0] === url).map((a) => JSON.stringify(a));
    for (const url of ['/v7/application', '/mooring/v1/sessions']) {
      expect(new Set(byUrl(url)).size, url).toBe(1);
    }
    const [balena, mooring] = [answers[0], answers[1]];
    expect(balena?.[1]).toBe(401);
    expect(balena?.[2]).toBe('');
    expect(balena?.[3]).toBe('Bearer realm="mooring", error="invalid_token"');
    // Mooring's own envelope says what a 401 means instead of an empty message.
    expect(mooring?.[2]).toMatch(/"message":"Not authenticated: the credential is missing/);
  });

  it('names only the scheme when no credential was sent', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/mooring/v1/sessions' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="mooring"');
  });
});

import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCredentialParam, parseQuery, queryCredential } from '../../src/auth/credential-params.js';
import { redactUrl } from '../../src/http/redact.js';
import { dialects } from '../support/databases.js';
import { adminToken, createDevice, createFleet } from '../support/fleet-fixtures.js';
import { bearer, createTestApp, type TestApp } from '../support/test-app.js';

/** Every way of writing `apikey` that a client can send and the router decodes back to `apikey`. */
const SPELLINGS = ['apikey', 'api%6Bey', 'api%6bey', '%61pikey', '%61%70%69%6B%65%79', 'apike%79'];

/** `apikey` with each character optionally percent-encoded (either hex case): all decode to it. */
const encodedApikey = fc
  .array(fc.tuple(fc.boolean(), fc.boolean()), { minLength: 6, maxLength: 6 })
  .map((choices) =>
    [...'apikey']
      .map((ch, i) => {
        const [encode, upper] = choices[i] as [boolean, boolean];
        if (!encode) return ch;
        const hex = ch.charCodeAt(0).toString(16);
        return `%${upper ? hex.toUpperCase() : hex}`;
      })
      .join(''),
  );

describe('one decision on which query parameters are credentials', () => {
  it('accepts exactly what the router decodes to apikey, and redacts every such spelling', () => {
    fc.assert(
      fc.property(encodedApikey, fc.stringMatching(/^[A-Za-z0-9_-]{16,40}$/), (name, key) => {
        const url = `/v7/application?$select=id&${name}=${key}&$top=1`;
        // What authentication reads…
        expect(queryCredential(parseQuery(url.slice(url.indexOf('?') + 1)))).toBe(key);
        // …is what the logger never writes.
        const redacted = redactUrl(url);
        expect(redacted).not.toContain(key);
        expect(redacted).toBe(`/v7/application?$select=id&${name}=[REDACTED]&$top=1`);
      }),
      { numRuns: 300 },
    );
  });

  it('redacts names that carry credentials elsewhere, in any case, and leaves the rest alone', () => {
    for (const name of [
      'auth_token',
      'AUTH_TOKEN',
      'auth%5Ftoken',
      '_token',
      'token',
      'api_key',
      'access_token',
    ]) {
      expect(isCredentialParam(Object.keys(parseQuery(`${name}=x`))[0] ?? '')).toBe(true);
      expect(redactUrl(`/x?a=1&${name}=s3cr3tvalue`)).toBe(`/x?a=1&${name}=[REDACTED]`);
    }
    expect(redactUrl("/v7/device?$filter=uuid eq 'apikey'&$select=id")).toBe(
      "/v7/device?$filter=uuid eq 'apikey'&$select=id",
    );
    expect(redactUrl('/v7/device')).toBe('/v7/device');
    // A name the router does not decode to a credential (`api+key` is "api key") is not one.
    expect(queryCredential(parseQuery('api+key=abc'))).toBeUndefined();
  });

  it('refuses two query credentials, whatever their spellings', () => {
    expect(() => queryCredential(parseQuery('apikey=a&api%6Bey=b'))).toThrow(/more than one/);
    expect(() => queryCredential(parseQuery('apikey=a&apikey=a'))).toThrow(/more than one/);
  });
});

describe.each(dialects())('credential spellings over HTTP (%s)', (dialect) => {
  let t: TestApp;
  let admin: string;
  let key: string;
  let deviceKey: string;
  let deviceUuid: string;
  let base: string;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    admin = await adminToken(t);
    const created = await t.app.inject({
      method: 'POST',
      url: '/api-key/user/full',
      headers: bearer(admin),
      payload: { name: 'spellings', expiryDate: null },
    });
    key = created.json() as string;
    const fleet = await createFleet(t, admin, { app_name: 'spell-fleet', organization: 1 });
    const device = await createDevice(t, admin, { fleet: fleet.id, device_name: 'spell-dev' });
    deviceUuid = device.uuid;
    const dk = await t.app.inject({
      method: 'POST',
      url: `/api-key/device/${device.id}/device-key`,
      headers: bearer(admin),
      payload: {},
    });
    expect(dk.statusCode).toBe(200);
    deviceKey = dk.json() as string;
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => t?.close());

  it.each(SPELLINGS)('accepts ?%s=<key> and never logs the key', async (name) => {
    const before = t.logs.lines.length;
    const res = await t.app.inject({ method: 'GET', url: `/v7/application?$select=id&${name}=${key}` });
    expect(res.statusCode).toBe(200);
    const written = t.logs.lines.slice(before).join('\n');
    expect(written).toContain('[REDACTED]');
    expect(written).not.toContain(key);
  });

  it.each(SPELLINGS)('accepts a device key as ?%s= on the device API and never logs it', async (name) => {
    const before = t.logs.lines.length;
    const res = await t.app.inject({
      method: 'GET',
      url: `/device/v3/${deviceUuid}/state?${name}=${deviceKey}`,
    });
    expect(res.statusCode).toBe(200);
    expect(t.logs.lines.slice(before).join('\n')).not.toContain(deviceKey);
  });

  it('refuses a header and a query credential together, even the same key (400)', async () => {
    for (const name of ['apikey', 'api%6Bey']) {
      const res = await t.app.inject({
        method: 'GET',
        url: `/v7/application?${name}=${key}`,
        headers: bearer(key),
      });
      expect(res.statusCode).toBe(400);
    }
  });

  it('refuses two query credentials in different spellings (400)', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/v7/application?apikey=${key}&%61pikey=${key}` });
    expect(res.statusCode).toBe(400);
  });

  it('refuses two Authorization header lines instead of taking the first (400)', async () => {
    // app.inject cannot send a repeated header line: a real socket can.
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${base}/v7/application`, {
        method: 'GET',
        headers: [
          ['Authorization', `Bearer ${key}`],
          ['Authorization', 'Bearer not-a-real-key-0000000000'],
        ].flat(),
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(400);
  });
});

import { generateApiKey } from '@mooring/protocol';
import { getSdk } from 'balena-sdk';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { KeyVerifier } from '../../src/api-keys/key-verifier.js';
import { CredentialCache } from '../../src/auth/credential-cache.js';
import type { AppContext } from '../../src/context.js';
import { dialects } from '../support/databases.js';
import { ADMIN_PASSWORD, bearer, createTestApp, loginAs, type TestApp } from '../support/test-app.js';

async function createKey(
  t: TestApp,
  token: string,
  body: object = { name: 'k', expiryDate: null },
): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api-key/user/full',
    headers: bearer(token),
    payload: body,
  });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toMatch(/application\/json/);
  return JSON.parse(res.body) as string;
}

describe('key verification order', () => {
  it('rejects a Mooring key with a bad checksum without touching the cache or the database', async () => {
    const explode = new Proxy(
      {},
      {
        get: () => {
          throw new Error('database touched');
        },
      },
    );
    const cache = new CredentialCache({ now: () => 0 });
    const ctx = {
      db: explode,
      keys: { apiKeyPepper: new Uint8Array(32) },
      clock: { now: () => 0 },
    } as unknown as AppContext;
    const authenticator = new KeyVerifier(ctx, cache);
    const corrupted = `mk_u_0000000000000_${'A'.repeat(39)}`;
    expect(await authenticator.resolve({ value: corrupted, transport: 'header' })).toBeNull();
    // The cache was only asked (one miss) and holds nothing for the refused value.
    expect([cache.hits, cache.misses, cache.size]).toEqual([0, 1, 0]);
    // The trap is live: a key whose checksum is right does go on to the database.
    const wellFormed = generateApiKey('user').key;
    await expect(authenticator.resolve({ value: wellFormed, transport: 'header' })).rejects.toThrow(
      'database touched',
    );
  });
});

describe.each(dialects())('API keys (%s)', (dialect) => {
  let t: TestApp;
  let session: string;
  beforeEach(async () => {
    t = await createTestApp(dialect);
    session = await loginAs(t.app, 'admin', ADMIN_PASSWORD);
  });
  afterEach(async () => t.close());

  const call = (method: string, url: string, key: string, transport: 'header' | 'query', payload?: object) =>
    t.app.inject({
      method: method as 'GET',
      url: transport === 'query' ? `${url}${url.includes('?') ? '&' : '?'}apikey=${key}` : url,
      headers: transport === 'header' ? bearer(key) : {},
      ...(payload ? { payload } : {}),
    });

  it('a named key works as Bearer and as ?apikey= on every method, and revocation stops both at once', async () => {
    const key = await createKey(t, session);
    expect(key).toMatch(/^mk_u_/);
    for (const transport of ['header', 'query'] as const) {
      const created = await call('POST', '/v7/application', key, transport, {
        app_name: `fleet-${transport}`,
        organization: 1,
        is_for__device_type: 3,
      });
      expect(created.statusCode, created.body).toBe(201);
      const id = created.json().id;
      expect((await call('GET', `/v7/application(${id})`, key, transport)).json().d).toHaveLength(1);
      expect(
        (await call('PATCH', `/v7/application(${id})`, key, transport, { app_name: `renamed-${transport}` }))
          .statusCode,
      ).toBe(200);
      const put = await call('PUT', `/v7/application(${id})`, key, transport, {
        app_name: `put-${transport}`,
        is_for__device_type: 3,
      });
      expect(put.statusCode, put.body).toBe(200);
      expect((await call('GET', `/v7/application(${id})?$select=app_name`, key, transport)).json().d).toEqual(
        [{ app_name: `put-${transport}` }],
      );
      expect((await call('DELETE', `/v7/application(${id})`, key, transport)).statusCode).toBe(200);
      expect((await call('GET', '/actor/v1/whoami', key, transport)).json()).toMatchObject({
        actorType: 'user',
        username: 'admin',
      });
    }
    const [row] = (await t.app.inject({ method: 'GET', url: '/v7/api_key', headers: bearer(session) })).json()
      .d;
    expect(row).not.toHaveProperty('key');
    expect(row).not.toHaveProperty('key_hash');
    expect(key.startsWith(row.display_prefix)).toBe(true);
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/v7/api_key(${row.id})`, headers: bearer(session) }))
        .statusCode,
    ).toBe(200);
    expect((await call('GET', '/v7/application', key, 'header')).statusCode).toBe(401);
    expect((await call('GET', '/v7/application', key, 'query')).statusCode).toBe(401);
  });

  it('revocation is published: the cache that answered for the key drops it, here and on another instance', async () => {
    const key = await createKey(t, session, { name: 'published', expiryDate: null });
    // PostgreSQL is the deployment with several instances: B shares the database and the clock.
    const b =
      dialect === 'postgres'
        ? await createTestApp(dialect, {}, { database: t.database, clock: t.clock, logs: t.logs })
        : undefined;
    try {
      const instances = b ? [t, b] : [t];
      for (const i of instances) {
        const whoami = () => i.app.inject({ method: 'GET', url: '/actor/v1/whoami', headers: bearer(key) });
        expect((await whoami()).statusCode).toBe(200);
        const { cache } = i.app.mooring;
        const hits = cache.hits;
        expect((await whoami()).statusCode).toBe(200);
        // Answered from memory: only an invalidation can make this instance refuse it now.
        expect(cache.hits, 'key answered from the cache').toBeGreaterThan(hits);
      }
      const before = instances.map((i) => i.app.mooring.cache.invalidations);
      const [row] = (
        await t.app.inject({ method: 'GET', url: '/v7/api_key', headers: bearer(session) })
      ).json().d;
      const del = await t.app.inject({
        method: 'DELETE',
        url: `/v7/api_key(${row.id})`,
        headers: bearer(session),
      });
      expect(del.statusCode).toBe(200);
      for (const [n, i] of instances.entries()) {
        // B hears of it through LISTEN/NOTIFY: wait for the notice (event), not for a time.
        await vi.waitFor(() => expect(i.app.mooring.cache.invalidations).toBeGreaterThan(before[n] ?? 0), {
          timeout: 5000,
          interval: 5,
        });
        const res = await i.app.inject({ method: 'GET', url: '/actor/v1/whoami', headers: bearer(key) });
        expect(res.statusCode).toBe(401);
      }
    } finally {
      await b?.close();
    }
  });

  it('an expired key, an unknown key and a revoked key get the same 401', async () => {
    const key = await createKey(t, session, {
      name: 'soon',
      expiryDate: new Date(t.clock.now() + 60_000).toISOString(),
    });
    expect((await call('GET', '/actor/v1/whoami', key, 'header')).statusCode).toBe(200);
    t.clock.advance(60_000);
    const expired = await call('GET', '/actor/v1/whoami', key, 'header');
    const unknown = await call('GET', '/actor/v1/whoami', `${key.slice(0, -8)}AAAAAAAA`, 'header');
    expect([expired.statusCode, expired.body]).toEqual([401, '']);
    expect([unknown.statusCode, unknown.body]).toEqual([401, '']);
  });

  it('setting expiry_date in the past revokes on the next request', async () => {
    const key = await createKey(t, session);
    expect((await call('GET', '/v7/application', key, 'header')).statusCode).toBe(200);
    const [row] = (await t.app.inject({ method: 'GET', url: '/v7/api_key', headers: bearer(session) })).json()
      .d;
    const patch = await t.app.inject({
      method: 'PATCH',
      url: `/v7/api_key(${row.id})`,
      headers: bearer(session),
      payload: { expiry_date: new Date(t.clock.now() - 1000).toISOString() },
    });
    expect(patch.statusCode).toBe(200);
    expect((await call('GET', '/v7/application', key, 'header')).statusCode).toBe(401);
  });

  it('requires a password login within 20 minutes to create a named key', async () => {
    t.clock.advance(21 * 60_000);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api-key/user/full',
      headers: bearer(session),
      payload: { name: 'late', expiryDate: null },
    });
    expect(res.statusCode).toBe(401);
    expect(JSON.parse(res.body)).toBe('Fresh authentication token required');
  });

  it('a header-only key refuses the query form; two different credentials are a 400', async () => {
    const key = await createKey(t, session, { name: 'h', expiryDate: null, headerOnly: true });
    expect((await call('GET', '/v7/application', key, 'header')).statusCode).toBe(200);
    expect((await call('GET', '/v7/application', key, 'query')).statusCode).toBe(401);
    const both = await t.app.inject({
      method: 'GET',
      url: `/v7/application?apikey=${key}`,
      headers: bearer(session),
    });
    expect(both.statusCode).toBe(400);
  });

  it('records last_used_at with at most one write per key per minute under load', async () => {
    const key = await createKey(t, session);
    const before = t.app.mooring.usage.writes;
    for (let i = 0; i < 1000; i++) {
      const res = await call('GET', '/actor/v1/whoami', key, 'header');
      if (i % 250 === 0) await t.app.mooring.usage.flush();
      expect(res.statusCode).toBe(200);
    }
    await t.app.mooring.usage.flush();
    expect(t.app.mooring.usage.writes - before).toBe(1);
    const [row] = (
      await t.app.inject({ method: 'GET', url: '/v7/api_key?$select=last_used_at', headers: bearer(session) })
    ).json().d;
    expect(row.last_used_at).toBe(new Date(t.clock.now()).toISOString());
  });

  it('rotation: both keys work during the grace period, only the new one after it', async () => {
    const old = await createKey(t, session, { name: 'rotating', expiryDate: null, scopes: ['read'] });
    const [row] = (await t.app.inject({ method: 'GET', url: '/v7/api_key', headers: bearer(session) })).json()
      .d;
    const rotated = await t.app.inject({
      method: 'POST',
      url: `/mooring/v1/keys/${row.id}/rotate`,
      headers: bearer(session),
      payload: { gracePeriodSeconds: 3600 },
    });
    expect(rotated.statusCode, rotated.body).toBe(200);
    const fresh = rotated.json().key as string;
    expect((await call('GET', '/v7/application', old, 'header')).statusCode).toBe(200);
    expect((await call('GET', '/v7/application', fresh, 'header')).statusCode).toBe(200);
    const keys = (
      await t.app.inject({ method: 'GET', url: '/v7/api_key?$orderby=id', headers: bearer(session) })
    ).json().d;
    expect(keys.map((k: { name: string }) => k.name)).toEqual(['rotating', 'rotating']);
    expect(keys[1].scopes).toEqual(keys[0].scopes);
    t.clock.advance(3601_000);
    expect((await call('GET', '/v7/application', old, 'header')).statusCode).toBe(401);
    expect((await call('GET', '/v7/application', fresh, 'header')).statusCode).toBe(200);
  });

  it('a fleet-limited key cannot create a new fleet (it would lie outside its fleet list)', async () => {
    const app = (
      await t.app.inject({
        method: 'POST',
        url: '/v7/application',
        headers: bearer(session),
        payload: { app_name: 'limited', organization: 1, is_for__device_type: 3 },
      })
    ).json();
    const key = await createKey(t, session, { name: 'one-fleet', expiryDate: null, fleets: [app.id] });
    const res = await call('POST', '/v7/application', key, 'header', {
      app_name: 'escaped',
      organization: 1,
      is_for__device_type: 3,
    });
    expect(res.statusCode).toBe(403);
    const names = (
      await t.app.inject({ method: 'GET', url: '/v7/application', headers: bearer(session) })
    ).json().d;
    expect(names.map((a: { app_name: string }) => a.app_name)).toEqual(['limited']);
  });

  it('records key and session events in the owner audit trail', async () => {
    await createKey(t, session, { name: 'audited', expiryDate: null });
    const [row] = (await t.app.inject({ method: 'GET', url: '/v7/api_key', headers: bearer(session) })).json()
      .d;
    await t.app.inject({
      method: 'PATCH',
      url: `/v7/api_key(${row.id})`,
      headers: bearer(session),
      payload: { expiry_date: '2031-01-01T00:00:00.000Z' },
    });
    await t.app.inject({ method: 'DELETE', url: `/v7/api_key(${row.id})`, headers: bearer(session) });
    await t.app.inject({
      method: 'POST',
      url: '/mooring/v1/sessions/revoke-others',
      headers: bearer(session),
    });
    const res = await t.app.inject({
      method: 'GET',
      url: '/mooring/v1/audit-events',
      headers: bearer(session),
    });
    expect(res.statusCode).toBe(200);
    const types = res.json().events.map((e: { type: string }) => e.type);
    expect(types).toEqual([
      'session.revoked_all',
      'api_key.revoked',
      'api_key.expiry_changed',
      'api_key.created',
      'login.succeeded',
    ]);
  });

  it('creates provisioning and device keys that identify as the fleet and the device', async () => {
    const app = (
      await t.app.inject({
        method: 'POST',
        url: '/v7/application',
        headers: bearer(session),
        payload: { app_name: 'fleet1', organization: 1, is_for__device_type: 3 },
      })
    ).json();
    const device = (
      await t.app.inject({
        method: 'POST',
        url: '/v7/device',
        headers: bearer(session),
        payload: { belongs_to__application: app.id, is_of__device_type: 3 },
      })
    ).json();
    const pk = await t.app.inject({
      method: 'POST',
      url: '/api-key/v2/',
      headers: bearer(session),
      payload: {
        actorType: 'application',
        actorTypeId: app.id,
        roles: ['provisioning-api-key'],
        name: 'pk',
        expiryDate: null,
      },
    });
    expect(JSON.parse(pk.body)).toMatch(/^mk_p_/);
    expect((await call('GET', '/actor/v1/whoami', JSON.parse(pk.body), 'header')).json()).toEqual({
      id: app.actor.__id,
      actorType: 'application',
      actorTypeId: app.id,
      slug: 'admin/fleet1',
    });
    const dk = await t.app.inject({
      method: 'POST',
      url: `/api-key/device/${device.id}/device-key`,
      headers: bearer(session),
      payload: {},
    });
    expect((await call('GET', '/actor/v1/whoami', JSON.parse(dk.body), 'query')).json()).toEqual({
      id: device.actor.__id,
      actorType: 'device',
      actorTypeId: device.id,
      uuid: device.uuid,
    });
    const missing = await t.app.inject({
      method: 'POST',
      url: '/api-key/device/abc/device-key',
      headers: bearer(session),
      payload: {},
    });
    expect(missing.statusCode).toBe(400);
  });
});

describe.each(dialects())('balena-sdk API keys (%s)', (dialect) => {
  let t: TestApp;
  let apiUrl: string;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    t.clock.set(Date.now());
    apiUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => t.close());

  it('create, list, update, revoke, provisioning/device keys and loginWithToken', async () => {
    const sdk = getSdk({ apiUrl, dataDirectory: false, isBrowser: false });
    await sdk.auth.login({ email: 'admin', password: ADMIN_PASSWORD });
    const plain = await sdk.models.apiKey.create({ name: 'plain', expiryDate: null });
    const described = await sdk.models.apiKey.create({
      name: 'described',
      description: 'for CI',
      expiryDate: '2030-01-01T00:00:00.000Z',
    });
    expect(plain).toMatch(/^mk_u_/);
    const all = await sdk.models.apiKey.getAll();
    expect(all.map((k) => k.name)).toEqual(['described', 'plain']);
    expect(all[0]).toMatchObject({ description: 'for CI', expiry_date: '2030-01-01T00:00:00.000Z' });
    expect((await sdk.models.apiKey.getAllNamedUserApiKeys()).map((k) => k.name)).toEqual([
      'described',
      'plain',
    ]);
    await sdk.models.apiKey.update(all[1]?.id as number, { name: 'renamed', description: 'x' });

    const app = await sdk.models.application.create({
      name: 'sdkfleet',
      deviceType: 'raspberrypi3',
      organization: 'admin',
    });
    const pk = await sdk.models.application.generateProvisioningKey({
      slugOrUuidOrId: app.id,
      keyExpiryDate: '2030-01-01T00:00:00.000Z',
      keyName: 'pk',
    });
    expect(pk).toMatch(/^mk_p_/);
    expect((await sdk.models.apiKey.getProvisioningApiKeysByApplication(app.id)).map((k) => k.name)).toEqual([
      'pk',
    ]);
    const created = await t.app.inject({
      method: 'POST',
      url: '/v7/device',
      headers: { authorization: `Bearer ${await sdk.auth.getToken()}` },
      payload: { belongs_to__application: app.id, is_of__device_type: 3 },
    });
    const deviceKey = await sdk.models.device.generateDeviceKey(created.json().uuid, 'dk', 'device key');
    expect(deviceKey).toMatch(/^mk_d_/);
    expect(
      (await sdk.models.apiKey.getDeviceApiKeysByDevice(created.json().uuid)).map((k) => k.name),
    ).toEqual(['dk']);

    const other = getSdk({ apiUrl, dataDirectory: false, isBrowser: false });
    await other.auth.loginWithToken(described);
    expect(await other.auth.whoami()).toMatchObject({ actorType: 'user', username: 'admin' });
    expect((await other.models.application.getAll()).map((a) => a.app_name)).toEqual(['sdkfleet']);

    await sdk.models.apiKey.revoke(all[0]?.id as number);
    await expect(other.models.application.getAll()).rejects.toMatchObject({ statusCode: 401 });
    expect((await sdk.models.apiKey.getAll()).map((k) => k.name)).toEqual(['dk', 'pk', 'renamed']);
  });
});

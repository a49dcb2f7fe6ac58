import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { ADMIN_PASSWORD, bearer, createTestApp, loginAs, type TestApp } from '../support/test-app.js';

/*
 * Issue 18 §5: the audit trail follows the rights over what its events are about. A fleet-limited
 * read-only key used to read every api_key.* and login event (names, IP addresses) of its owner.
 */

interface Event {
  readonly type: string;
  readonly ipAddress: string | null;
  readonly details: { keyId?: number } | null;
}

describe.each(dialects())('audit trail rights (%s)', (dialect) => {
  let t: TestApp;
  let session: string;
  beforeEach(async () => {
    t = await createTestApp(dialect);
    session = await loginAs(t.app, 'admin', ADMIN_PASSWORD);
  });
  afterEach(async () => t.close());

  const post = async (url: string, payload: object): Promise<unknown> => {
    const res = await t.app.inject({ method: 'POST', url, headers: bearer(session), payload });
    expect(res.statusCode, `${url}: ${res.body}`).toBeLessThan(300);
    return res.json();
  };
  const fleet = async (name: string): Promise<number> =>
    (
      (await post('/v7/application', { app_name: name, organization: 1, is_for__device_type: 3 })) as {
        id: number;
      }
    ).id;
  const namedKey = async (name: string, limits: object): Promise<string> =>
    (await post('/api-key/user/full', { name, expiryDate: null, ...limits })) as string;
  const keyId = async (name: string): Promise<number> =>
    (
      await t.ctx.db.kysely
        .selectFrom('api_key')
        .select('id')
        .where('name', '=', name)
        .executeTakeFirstOrThrow()
    ).id;
  const trail = async (token: string): Promise<Event[]> => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/mooring/v1/audit-events',
      headers: bearer(token),
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().events as Event[];
  };

  it('each credential reads only the events about what it may read', async () => {
    await t.app.inject({
      method: 'POST',
      url: '/login_',
      payload: { username: 'admin', password: 'a wrong guess' },
      remoteAddress: '203.0.113.50',
    });
    const x = await fleet('fleet-x');
    const y = await fleet('fleet-y');
    await post(`/api-key/application/${x}/provisioning`, { name: 'prov-x' });
    await post(`/api-key/application/${y}/provisioning`, { name: 'prov-y' });
    const fleetXRead = await namedKey('fleet-x-read', { scopes: ['read'], fleets: [x] });
    const fleetsOnly = await namedKey('fleets-only', { scopes: ['fleets:read'] });
    const keysRead = await namedKey('keys-read', { scopes: ['keys:read'] });
    const unlimited = await namedKey('unlimited', {});
    const provX = await keyId('prov-x');

    const everything = await trail(session);
    const types = new Set(everything.map((e) => e.type));
    expect(types).toEqual(new Set(['login.succeeded', 'login.failed', 'api_key.created']));
    expect(everything.some((e) => e.ipAddress === '203.0.113.50')).toBe(true);
    expect(await trail(unlimited)).toEqual(everything);

    expect(await trail(fleetsOnly)).toEqual([]);

    const keyEvents = await trail(keysRead);
    expect(keyEvents).toEqual(everything.filter((e) => e.type.startsWith('api_key.')));

    const limited = await trail(fleetXRead);
    expect(limited.map((e) => [e.type, e.details?.keyId])).toEqual([['api_key.created', provX]]);
    expect(JSON.stringify(limited)).not.toContain('203.0.113.50');
  });

  it('a fleet-limited key pages through the events it may read, newest first', async () => {
    const x = await fleet('fleet-x');
    const y = await fleet('fleet-y');
    for (let i = 0; i < 3; i++) {
      await post(`/api-key/application/${x}/provisioning`, { name: `prov-x-${i}` });
      await post(`/api-key/application/${y}/provisioning`, { name: `prov-y-${i}` });
    }
    const key = await namedKey('x-keys', { scopes: ['keys:read'], fleets: [x] });
    const res = await t.app.inject({
      method: 'GET',
      url: '/mooring/v1/audit-events?limit=2',
      headers: bearer(key),
    });
    const ids = (res.json().events as Event[]).map((e) => e.details?.keyId);
    expect(ids).toEqual([await keyId('prov-x-2'), await keyId('prov-x-1')]);
  });
});

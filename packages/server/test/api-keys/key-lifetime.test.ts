import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { ADMIN_PASSWORD, bearer, createTestApp, loginAs, type TestApp } from '../support/test-app.js';

/*
 * Issue 18 §3: a key never outlives or outranks what it was given. Revocation (a past expiry_date,
 * DELETE) and rotation are final for everyone; lengthening a key's life needs a recent password
 * login; a key that expires cannot give any key a life beyond its own.
 */

const HOUR = 3_600_000;
const iso = (ms: number): string => new Date(ms).toISOString();

describe.each(dialects())('key lifetime (%s)', (dialect) => {
  let t: TestApp;
  let session: string;
  beforeEach(async () => {
    t = await createTestApp(dialect);
    session = await loginAs(t.app, 'admin', ADMIN_PASSWORD);
  });
  afterEach(async () => t.close());

  const inject = (method: 'GET' | 'POST' | 'PATCH', url: string, token: string, payload?: object) =>
    t.app.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) });

  async function namedKey(name: string, body: Record<string, unknown> = {}): Promise<string> {
    const res = await inject('POST', '/api-key/user/full', session, { name, expiryDate: null, ...body });
    expect(res.statusCode, res.body).toBe(200);
    return JSON.parse(res.body) as string;
  }

  async function keyRow(name: string) {
    return t.ctx.db.kysely
      .selectFrom('api_key')
      .select(['id', 'expiry_date', 'rotated_to'])
      .where('name', '=', name)
      .orderBy('id')
      .executeTakeFirstOrThrow();
  }

  const keyCount = async (): Promise<number> =>
    (await t.ctx.db.kysely.selectFrom('api_key').select('id').execute()).length;

  const works = async (key: string): Promise<number> =>
    (await inject('GET', '/actor/v1/whoami', key)).statusCode;

  const setExpiry = (token: string, id: number, expiry: string | null) =>
    inject('PATCH', `/v7/api_key(${id})`, token, { expiry_date: expiry });

  it('a keys:write key with an expiry cannot lengthen its own life, only shorten it', async () => {
    const expiry = t.clock.now() + HOUR;
    const key = await namedKey('short-lived', { expiryDate: iso(expiry), scopes: ['keys:write'] });
    const { id } = await keyRow('short-lived');

    for (const next of [null, iso(expiry + HOUR)]) {
      const res = await setExpiry(key, id, next);
      expect(res.statusCode, `${next}: ${res.body}`).toBe(403);
      expect(JSON.parse(res.body)).toMatch(/beyond its own expiry_date/);
    }
    expect((await keyRow('short-lived')).expiry_date).toBe(expiry);

    const shorter = expiry - HOUR / 2;
    expect((await setExpiry(key, id, iso(shorter))).statusCode).toBe(200);
    expect((await keyRow('short-lived')).expiry_date).toBe(shorter);
    t.clock.advance(HOUR / 2);
    expect(await works(key)).toBe(401);
  });

  it('a key cannot lengthen another key, even one it may manage; a fresh password login can', async () => {
    const manager = await namedKey('manager', { scopes: ['keys:write'] });
    await namedKey('target', { expiryDate: iso(t.clock.now() + 24 * HOUR) });
    const { id } = await keyRow('target');

    const byKey = await setExpiry(manager, id, null);
    expect(byKey.statusCode, byKey.body).toBe(401);
    expect(JSON.parse(byKey.body)).toBe('Fresh authentication token required');
    expect(byKey.headers['www-authenticate']).toMatch(/insufficient_user_authentication/);
    expect((await keyRow('target')).expiry_date).toBe(t.clock.now() + 24 * HOUR);

    // Shortening is revocation's little sister: anyone who may update the key may do it.
    expect((await setExpiry(manager, id, iso(t.clock.now() + 12 * HOUR))).statusCode).toBe(200);

    const fresh = await setExpiry(session, id, null);
    expect(fresh.statusCode, fresh.body).toBe(200);
    expect((await keyRow('target')).expiry_date).toBeNull();
  });

  it('lengthening needs the same recent password login as creating a key', async () => {
    await namedKey('stale-target', { expiryDate: iso(t.clock.now() + 24 * HOUR) });
    const { id } = await keyRow('stale-target');
    t.clock.advance(21 * 60_000);
    const stale = await setExpiry(session, id, iso(t.clock.now() + 48 * HOUR));
    expect(stale.statusCode, stale.body).toBe(401);
    expect(JSON.parse(stale.body)).toBe('Fresh authentication token required');
    expect((await setExpiry(session, id, iso(t.clock.now() + HOUR))).statusCode).toBe(200);
    const again = await loginAs(t.app, 'admin', ADMIN_PASSWORD);
    expect((await setExpiry(again, id, iso(t.clock.now() + 48 * HOUR))).statusCode).toBe(200);
  });

  it('revocation by a past expiry_date is final, for the administrator too', async () => {
    const key = await namedKey('revoked');
    const { id } = await keyRow('revoked');
    expect((await setExpiry(session, id, iso(t.clock.now() - 1000))).statusCode).toBe(200);
    expect(await works(key)).toBe(401);

    for (const next of [null, iso(t.clock.now() + HOUR)]) {
      const res = await setExpiry(session, id, next);
      expect(res.statusCode, res.body).toBe(409);
      expect(JSON.parse(res.body)).toMatch(/expired or was revoked/);
    }
    expect(await works(key)).toBe(401);
  });

  it('a key retired by rotation stays retired; its grace can only be cut short', async () => {
    const manager = await namedKey('manager', { scopes: ['keys:write'] });
    const old = await namedKey('rotating');
    const { id } = await keyRow('rotating');
    const rotate = (grace: number) =>
      inject('POST', `/mooring/v1/keys/${id}/rotate`, session, { gracePeriodSeconds: grace });
    expect((await rotate(0)).statusCode).toBe(200);
    expect(await works(old)).toBe(401);
    for (const token of [manager, session]) {
      const res = await setExpiry(token, id, null);
      expect(res.statusCode, res.body).toBe(409);
    }
    expect(await works(old)).toBe(401);

    const graced = await namedKey('graced');
    const gracedRow = await keyRow('graced');
    const res = await inject('POST', `/mooring/v1/keys/${gracedRow.id}/rotate`, session, {
      gracePeriodSeconds: 3600,
    });
    expect(res.statusCode).toBe(200);
    const lengthen = await setExpiry(session, gracedRow.id, iso(t.clock.now() + 2 * HOUR));
    expect(lengthen.statusCode, lengthen.body).toBe(409);
    expect(JSON.parse(lengthen.body)).toMatch(/rotated/);
    expect((await setExpiry(session, gracedRow.id, iso(t.clock.now() + 60_000))).statusCode).toBe(200);
    expect(await works(graced)).toBe(200);
  });

  it('a PATCH over several keys that would revive one changes none', async () => {
    await namedKey('batch-live', { expiryDate: iso(t.clock.now() + HOUR) });
    await namedKey('batch-dead');
    const dead = await keyRow('batch-dead');
    expect((await setExpiry(session, dead.id, iso(t.clock.now() - 1))).statusCode).toBe(200);
    const res = await inject('PATCH', `/v7/api_key?$filter=startswith(name,'batch-')`, session, {
      expiry_date: iso(t.clock.now() + 2 * HOUR),
    });
    expect(res.statusCode, res.body).toBe(409);
    expect((await keyRow('batch-live')).expiry_date).toBe(t.clock.now() + HOUR);
    expect((await keyRow('batch-dead')).expiry_date).toBe(t.clock.now() - 1);
  });

  it('an expired or revoked key cannot be rotated into a live successor', async () => {
    const key = await namedKey('gone', { expiryDate: iso(t.clock.now() + 60_000) });
    const { id } = await keyRow('gone');
    t.clock.advance(60_000);
    expect(await works(key)).toBe(401);
    const before = await keyCount();
    const res = await inject('POST', `/mooring/v1/keys/${id}/rotate`, session, { gracePeriodSeconds: 0 });
    expect(res.statusCode, res.body).toBe(409);
    expect(await keyCount()).toBe(before);
  });

  it('a refused rotation (409) leaves no successor behind', async () => {
    await namedKey('once');
    const { id } = await keyRow('once');
    const rotate = () =>
      inject('POST', `/mooring/v1/keys/${id}/rotate`, session, { gracePeriodSeconds: 600 });
    expect((await rotate()).statusCode).toBe(200);
    const before = await keyCount();
    const again = await rotate();
    expect(again.statusCode, again.body).toBe(409);
    expect(await keyCount()).toBe(before);
  });

  it('a key that expires cannot create or rotate a key that would outlive it', async () => {
    const fleet = await inject('POST', '/v7/application', session, {
      app_name: 'lifetimes',
      organization: 1,
      is_for__device_type: 3,
    });
    expect(fleet.statusCode, fleet.body).toBe(201);
    const fleetId = fleet.json().id as number;
    const expiry = t.clock.now() + HOUR;
    const limited = await namedKey('hour', { expiryDate: iso(expiry) });
    const provisioning = (expiryDate: string | null) =>
      inject('POST', '/api-key/v2/', limited, {
        actorType: 'application',
        actorTypeId: fleetId,
        roles: ['provisioning-api-key'],
        expiryDate,
      });
    const forever = await provisioning(null);
    expect(forever.statusCode, forever.body).toBe(403);
    expect((await provisioning(iso(expiry + 1))).statusCode).toBe(403);
    const legacy = await inject('POST', `/api-key/application/${fleetId}/provisioning`, limited, {});
    expect(legacy.statusCode).toBe(403);
    expect((await provisioning(iso(expiry))).statusCode).toBe(200);

    // A provisioning key that never expires, made by the session: the hour key may not rotate it,
    // because its successor would carry a life the hour key does not have.
    expect(
      (await inject('POST', `/api-key/application/${fleetId}/provisioning`, session, {})).statusCode,
    ).toBe(200);
    const eternal = await t.ctx.db.kysely
      .selectFrom('api_key')
      .select('id')
      .where('kind', '=', 'provisioning')
      .where('expiry_date', 'is', null)
      .executeTakeFirstOrThrow();
    const before = await keyCount();
    const rotated = await inject('POST', `/mooring/v1/keys/${eternal.id}/rotate`, limited, {
      gracePeriodSeconds: 0,
    });
    expect(rotated.statusCode, rotated.body).toBe(403);
    expect(await keyCount()).toBe(before);
    expect((await keyRow('hour')).expiry_date).toBe(expiry);
  });
});

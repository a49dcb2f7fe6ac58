import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorKey, namedKey } from '../api-keys/support.js';
import { type FleetWithKey, fleetWithKey, register } from '../devices/support.js';
import { dialects } from '../support/databases.js';
import {
  addMember,
  adminToken,
  createFleet,
  createOrganization,
  createUser,
  fixtureDb,
  request,
} from '../support/fleet-fixtures.js';
import { createTestApp, loginAs, type TestApp } from '../support/test-app.js';
import { allEvents, feed, MANUAL_ENV } from './support.js';

/** The feed: who sees which events (the permission module's rule, at read time), paging, long-poll. */
describe.each(dialects())('event feed (%s)', (dialect) => {
  let t: TestApp;
  let a: FleetWithKey;
  /** A second fleet in organization 1, and a fleet in another organization. */
  let b: FleetWithKey;
  let foreign: FleetWithKey;
  let mia: { session: string; id: number };
  let omar: { session: string; id: number };

  beforeAll(async () => {
    t = await createTestApp(dialect, MANUAL_ENV);
    a = await fleetWithKey(t);
    b = await fleetWithKey(t, a.admin);
    const org = await createOrganization(t, a.admin, 'Elsewhere', `elsewhere${Date.now() % 100000}`);
    const fleet = await createFleet(t, a.admin, {
      app_name: `foreign${Date.now() % 100000}`,
      organization: org.id,
    });
    foreign = {
      admin: a.admin,
      fleet,
      provisioningKey: await actorKey(t, a.admin, 'provisioning', fleet.id),
    };
    const m = await createUser(t, a.admin, `mia${Date.now() % 100000}`);
    await addMember(t, a.admin, 1, m.id);
    mia = { session: await loginAs(t.app, m.username, m.password), id: m.id };
    const o = await createUser(t, a.admin, `omar${Date.now() % 100000}`);
    await addMember(t, a.admin, org.id, o.id);
    omar = { session: await loginAs(t.app, o.username, o.password), id: o.id };
  });
  afterAll(async () => t?.close());

  const uuids = async (token: string, after: number) =>
    (await allEvents(t.app, token, after)).map((e) => e.deviceUuid);

  it('members see their organizations’ events, limited keys only their fleets and areas, admins all', async () => {
    const start = await t.app.events.hub.currentHead();
    const inA = await register(t.app, a.provisioningKey, a.fleet.id);
    const inB = await register(t.app, b.provisioningKey, b.fleet.id);
    const inForeign = await register(t.app, foreign.provisioningKey, foreign.fleet.id);

    expect(await uuids(a.admin, start)).toEqual([inA.uuid, inB.uuid, inForeign.uuid]);
    expect(await uuids(mia.session, start)).toEqual([inA.uuid, inB.uuid]);
    expect(await uuids(omar.session, start)).toEqual([inForeign.uuid]);
    const fleetKey = await namedKey(t, mia.session, { fleets: [a.fleet.id] }, 'feed-fleet');
    expect(await uuids(fleetKey, start)).toEqual([inA.uuid]);
    const readOnly = await namedKey(t, mia.session, { scopes: ['read'] }, 'feed-read');
    expect(await uuids(readOnly, start)).toEqual([inA.uuid, inB.uuid]);
    // A key that may read neither devices nor keys can never receive an event: 403.
    const fleetsOnly = await namedKey(t, mia.session, { scopes: ['fleets:read'] }, 'feed-fleets-only');
    expect((await feed(t.app, fleetsOnly, { after: start })).status).toBe(403);
    // One that may read keys but not devices sees key events only.
    const keysOnly = await namedKey(t, mia.session, { scopes: ['keys:read'] }, 'feed-keys-only');
    expect((await allEvents(t.app, keysOnly, start)).filter((e) => !e.type.startsWith('api_key.'))).toEqual(
      [],
    );
    // `?fleet=` narrows further; another organization's fleet simply yields nothing.
    expect(
      (await feed(t.app, mia.session, { after: start, fleet: b.fleet.id })).events.map((e) => e.deviceUuid),
    ).toEqual([inB.uuid]);
    expect((await feed(t.app, mia.session, { after: start, fleet: foreign.fleet.id })).events).toEqual([]);
  });

  it('device and provisioning keys get 403, no credential 401', async () => {
    const dev = await register(t.app, a.provisioningKey, a.fleet.id);
    expect((await feed(t.app, dev.key)).status).toBe(403);
    expect((await feed(t.app, a.provisioningKey)).status).toBe(403);
    expect((await request(t.app, 'GET', '/mooring/v1/events')).status).toBe(401);
  });

  it('a user key’s events reach its owner and administrators, not other members', async () => {
    const start = await t.app.events.hub.currentHead();
    await namedKey(t, mia.session, {}, 'feed-own-key');
    const keys = (await request(t.app, 'GET', '/v7/api_key?$select=id,name', mia.session)).json as {
      d: { id: number; name: string }[];
    };
    const id = keys.d.find((k) => k.name === 'feed-own-key')?.id;
    expect((await request(t.app, 'DELETE', `/v7/api_key(${id})`, mia.session)).status).toBe(200);
    const mine = await allEvents(t.app, mia.session, start);
    expect(mine.map((e) => `${e.type} ${e.apiKey}`)).toEqual([`api_key.revoked ${id}`]);
    expect((await allEvents(t.app, a.admin, start)).map((e) => e.apiKey)).toContain(id);
    const other = await createUser(t, a.admin, `nina${Date.now() % 100000}`);
    await addMember(t, a.admin, 1, other.id);
    const nina = await loginAs(t.app, other.username, other.password);
    expect(await allEvents(t.app, nina, start)).toEqual([]);
  });

  it('a member removed from the organization stops seeing its events at once, also older ones', async () => {
    const u = await createUser(t, a.admin, `leaver${Date.now() % 100000}`);
    await addMember(t, a.admin, 1, u.id);
    const session = await loginAs(t.app, u.username, u.password);
    const start = await t.app.events.hub.currentHead();
    const dev = await register(t.app, a.provisioningKey, a.fleet.id);
    expect(await uuids(session, start)).toEqual([dev.uuid]);
    await fixtureDb(t).deleteFrom('organization_membership').where('user', '=', u.id).execute();
    await t.ctx.invalidateCredentials();
    expect(await uuids(session, start)).toEqual([]);
  });

  it('pages with limit and next; next moves past events the caller may not see', async () => {
    const start = await t.app.events.hub.currentHead();
    const devices = [];
    for (let i = 0; i < 5; i++) devices.push(await register(t.app, a.provisioningKey, a.fleet.id));
    await register(t.app, foreign.provisioningKey, foreign.fleet.id);
    const first = await feed(t.app, mia.session, { after: start, limit: 2 });
    expect(first.events.map((e) => e.deviceUuid)).toEqual(devices.slice(0, 2).map((d) => d.uuid));
    expect(first.next).toBe(first.events[1]?.id);
    const rest = await feed(t.app, mia.session, { after: first.next, limit: 10 });
    expect(rest.events.map((e) => e.deviceUuid)).toEqual(devices.slice(2).map((d) => d.uuid));
    // The foreign registration is past the last visible event: next skips it, the next call is empty.
    expect(rest.next).toBe(await t.app.events.hub.currentHead());
    expect((await feed(t.app, mia.session, { after: rest.next })).events).toEqual([]);
  });

  it('answers bad input with 400', async () => {
    const queries: Record<string, string | number>[] = [
      { types: 'device.nope' },
      { types: 'bogus.*' },
      { limit: 0 },
      { limit: 1001 },
      { after: -1 },
      { after: 'x' },
      { wait: 31 },
      { fleet: 'abc' },
      { unknown: 1 },
    ];
    for (const query of queries) {
      const page = await feed(t.app, a.admin, query);
      expect(page.status, JSON.stringify(query)).toBe(400);
    }
    expect((await feed(t.app, a.admin, { types: 'device.*,api_key.revoked' })).status).toBe(200);
  });

  it('long-polls: an empty page waits for the next event and returns as soon as it is written', async () => {
    const start = await t.app.events.hub.currentHead();
    const started = performance.now();
    const waiting = feed(t.app, mia.session, { after: start, wait: 20 });
    // The request is parked; the registration wakes it (a local write: no poll interval involved).
    await new Promise((resolve) => setImmediate(resolve));
    const dev = await register(t.app, a.provisioningKey, a.fleet.id);
    const page = await waiting;
    expect(page.events.map((e) => e.deviceUuid)).toEqual([dev.uuid]);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('long-polls: with nothing to see it answers empty after the wait, with the cursor moved on', async () => {
    await register(t.app, foreign.provisioningKey, foreign.fleet.id);
    const head = await t.app.events.hub.currentHead();
    const started = performance.now();
    const page = await feed(t.app, mia.session, { after: head - 1, wait: 1 });
    expect(page.events).toEqual([]);
    expect(page.next).toBe(head);
    expect(performance.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('closing the app answers a parked long-poll at once', async () => {
    const own = await createTestApp(dialect, MANUAL_ENV);
    const token = await adminToken(own);
    const head = await own.app.events.hub.currentHead();
    const parked = feed(own.app, token, { after: head, wait: 30 });
    // Parked once the notifier has a waiter. Authentication and the first read cross the
    // database first (a socket on PostgreSQL), so wait on the clock, bounded, not on ticks.
    const deadline = performance.now() + 10_000;
    while (own.app.events.notifier.waiting === 0 && performance.now() < deadline)
      await new Promise((r) => setTimeout(r, 5));
    expect(own.app.events.notifier.waiting).toBe(1);
    const started = performance.now();
    await own.close();
    const page = await parked;
    expect(page.status).toBe(200);
    expect(page.events).toEqual([]);
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});

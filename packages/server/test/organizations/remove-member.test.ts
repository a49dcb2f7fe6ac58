import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import {
  addMember,
  adminToken,
  createFleet,
  createOrganization,
  createUser,
  request,
  type UserFixture,
} from '../support/fleet-fixtures.js';
import { createTestApp, loginAs, type TestApp } from '../support/test-app.js';

const members = (orgId: number, userId: number): string =>
  `/mooring/v1/organizations/${orgId}/members/${userId}`;

describe.each(dialects())('removing a member from an organization (%s, two instances)', (dialect) => {
  let a: TestApp;
  let b: TestApp;
  let admin: string;
  let alice: UserFixture;
  let bob: UserFixture;
  let carol: UserFixture;
  let org: { id: number };
  let fleet: { id: number };

  beforeEach(async () => {
    a = await createTestApp(dialect);
    b = await createTestApp(dialect, {}, { database: a.database, clock: a.clock, logs: a.logs });
    admin = await adminToken(a);
    alice = await createUser(a, admin, 'alice');
    bob = await createUser(a, admin, 'bob');
    carol = await createUser(a, admin, 'carol');
    org = await createOrganization(a, admin, 'Acme', 'acme');
    await addMember(a, admin, org.id, alice.id, 'administrator');
    await addMember(a, admin, org.id, bob.id, 'member');
    fleet = await createFleet(a, admin, { app_name: 'acme-fleet', organization: org.id });
  });
  afterEach(async () => {
    await b?.close();
    await a?.close();
  });

  const fleetsOf = async (t: TestApp, credential: string): Promise<number[]> => {
    const res = await request(t.app, 'GET', '/v7/application?$select=id', credential);
    expect(res.status).toBe(200);
    return (res.json as { d: { id: number }[] }).d.map((f) => f.id);
  };

  it('an organization administrator removes a member: their session and key lose access at once on the other instance', async () => {
    // Bob works through instance B, with a session and a named key of his own.
    const bobSession = await loginAs(b.app, bob.username, bob.password);
    const created = await request(b.app, 'POST', '/api-key/user/full', bobSession, { name: 'bob-script' });
    expect(created.status).toBe(200);
    const bobKey = created.json as string;
    expect(await fleetsOf(b, bobSession)).toContain(fleet.id);
    expect(await fleetsOf(b, bobKey)).toContain(fleet.id);

    // Alice, an administrator of the organization, removes him through instance A.
    const aliceSession = await loginAs(a.app, alice.username, alice.password);
    expect((await request(a.app, 'DELETE', members(org.id, bob.id), aliceSession)).status).toBe(204);

    expect(await fleetsOf(b, bobSession)).not.toContain(fleet.id);
    expect(await fleetsOf(b, bobKey)).not.toContain(fleet.id);
    expect((await request(b.app, 'GET', `/v7/application(${fleet.id})`, bobKey)).json).toEqual({ d: [] });
    const feed = await request(b.app, 'GET', `/mooring/v1/events?fleet=${fleet.id}`, bobSession);
    expect((feed.json as { events: unknown[] }).events).toEqual([]);
    // Removing him again: he is not a member any more.
    expect((await request(a.app, 'DELETE', members(org.id, bob.id), aliceSession)).status).toBe(404);
    // The audit trail names who removed whom.
    const audit = await a.database.db.kysely
      .selectFrom('audit_event')
      .selectAll()
      .where('type', '=', 'membership.removed')
      .execute();
    expect(audit).toHaveLength(1);
  });

  it('only organization or instance administrators may remove; outsiders learn nothing', async () => {
    const bobSession = await loginAs(a.app, bob.username, bob.password);
    const carolSession = await loginAs(a.app, carol.username, carol.password);
    const refusedMember = await request(a.app, 'DELETE', members(org.id, alice.id), bobSession);
    expect(refusedMember.status).toBe(403);
    expect(refusedMember.json).toMatchObject({ error: { code: 'forbidden' } });
    expect((await request(a.app, 'DELETE', members(org.id, bob.id), carolSession)).status).toBe(404);
    expect((await request(a.app, 'DELETE', members(999_999, bob.id), carolSession)).status).toBe(404);
    expect((await request(a.app, 'DELETE', members(org.id, bob.id))).status).toBe(401);
    // The instance administrator may, without being a member.
    expect((await request(b.app, 'DELETE', members(org.id, bob.id), admin)).status).toBe(204);
  });

  it('refuses to remove the last administrator (409), allows it once another exists', async () => {
    const aliceSession = await loginAs(a.app, alice.username, alice.password);
    const last = await request(a.app, 'DELETE', members(org.id, alice.id), aliceSession);
    expect(last.status).toBe(409);
    expect(last.json).toMatchObject({ error: { code: 'conflict' } });
    expect((await request(b.app, 'DELETE', members(org.id, alice.id), admin)).status).toBe(409);
    await addMember(a, admin, org.id, carol.id, 'administrator');
    // Both administrators removed at once through two instances: exactly one may go.
    const both = await Promise.all([
      request(a.app, 'DELETE', members(org.id, carol.id), admin),
      request(b.app, 'DELETE', members(org.id, alice.id), admin),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual([204, 409]);
    const left = await a.database.db.kysely
      .selectFrom('organization_membership')
      .select('role')
      .where('is_member_of__organization', '=', org.id)
      .where('role', '=', 'administrator')
      .execute();
    expect(left).toHaveLength(1);
  });

  it('answers bad input with 400, never 500', async () => {
    for (const path of [
      '/mooring/v1/organizations/abc/members/1',
      '/mooring/v1/organizations/0/members/1',
      `/mooring/v1/organizations/${org.id}/members/-1`,
      `/mooring/v1/organizations/${org.id}/members/99999999999999999999`,
    ]) {
      expect((await request(a.app, 'DELETE', path, admin)).status, path).toBe(400);
    }
  });
});

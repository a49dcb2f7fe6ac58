import type { LookupAddress } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardedLookup, refusedAddress } from '../../src/webhooks/ssrf.js';
import { actorKey, namedKey } from '../api-keys/support.js';
import { type FleetWithKey, fleetWithKey, register } from '../devices/support.js';
import { dialects } from '../support/databases.js';
import {
  addMember,
  createFleet,
  createOrganization,
  createUser,
  request,
} from '../support/fleet-fixtures.js';
import { createTestApp, loginAs, type TestApp } from '../support/test-app.js';
import { createEndpoint, deliveries, Receiver, SECOND, WEBHOOK_ENV } from './support.js';

/** Who manages endpoints, what an endpoint may receive (also at delivery time), and the SSRF guard. */
describe.each(dialects())('webhook rights and SSRF (%s)', (dialect) => {
  let t: TestApp;
  let a: FleetWithKey;
  let b: FleetWithKey;
  let foreign: FleetWithKey;
  let otherOrg: number;
  let orgAdmin: string;
  let member: string;
  let outsider: string;
  let receiver: Receiver;

  beforeAll(async () => {
    t = await createTestApp(dialect, WEBHOOK_ENV);
    a = await fleetWithKey(t);
    b = await fleetWithKey(t, a.admin);
    const org = await createOrganization(t, a.admin, 'Other', `other${process.pid}`);
    otherOrg = org.id;
    const fleet = await createFleet(t, a.admin, { app_name: `foreign${process.pid}`, organization: org.id });
    foreign = {
      admin: a.admin,
      fleet,
      provisioningKey: await actorKey(t, a.admin, 'provisioning', fleet.id),
    };
    const ada = await createUser(t, a.admin, `ada${process.pid}`);
    await addMember(t, a.admin, 1, ada.id, 'administrator');
    orgAdmin = await loginAs(t.app, ada.username, ada.password);
    const mia = await createUser(t, a.admin, `mia${process.pid}`);
    await addMember(t, a.admin, 1, mia.id, 'member');
    member = await loginAs(t.app, mia.username, mia.password);
    const omar = await createUser(t, a.admin, `omar${process.pid}`);
    await addMember(t, a.admin, org.id, omar.id, 'administrator');
    outsider = await loginAs(t.app, omar.username, omar.password);
    receiver = await new Receiver().start();
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.close();
  });

  it('organization administrators manage endpoints; members, other organizations and limited keys cannot', async () => {
    const body = { organization: 1, url: `${receiver.url}/rights`, enabled: false };
    const made = await request(t.app, 'POST', '/mooring/v1/webhooks', orgAdmin, body);
    expect(made.status).toBe(201);
    const id = (made.json as { id: number }).id;
    // A member of the organization: 403 on create, the endpoint does not exist for them.
    expect((await request(t.app, 'POST', '/mooring/v1/webhooks', member, body)).status).toBe(403);
    expect((await request(t.app, 'GET', `/mooring/v1/webhooks/${id}`, member)).status).toBe(404);
    expect((await request(t.app, 'GET', '/mooring/v1/webhooks', member)).json).toEqual({ endpoints: [] });
    // Another organization's administrator: not even the organization exists for them.
    expect((await request(t.app, 'POST', '/mooring/v1/webhooks', outsider, body)).status).toBe(404);
    expect(
      (await request(t.app, 'POST', '/mooring/v1/webhooks', outsider, { ...body, organization: 'admin' }))
        .status,
    ).toBe(404);
    for (const method of ['GET', 'DELETE'] as const)
      expect((await request(t.app, method, `/mooring/v1/webhooks/${id}`, outsider)).status).toBe(404);
    expect(
      (await request(t.app, 'PATCH', `/mooring/v1/webhooks/${id}`, outsider, { enabled: true })).status,
    ).toBe(404);
    // A limited key of the organization's administrator: 403 everywhere.
    const limited = await namedKey(t, orgAdmin, { scopes: ['read'] }, 'wh-limited');
    expect((await request(t.app, 'GET', '/mooring/v1/webhooks', limited)).status).toBe(403);
    expect((await request(t.app, 'POST', '/mooring/v1/webhooks', limited, body)).status).toBe(403);
    // The organization's administrator and the instance administrator see and change it.
    expect((await request(t.app, 'GET', `/mooring/v1/webhooks/${id}`, orgAdmin)).status).toBe(200);
    const changed = await request(t.app, 'PATCH', `/mooring/v1/webhooks/${id}`, a.admin, {
      description: 'mine',
    });
    expect(changed.json).toMatchObject({ id, description: 'mine', enabled: false });
    expect((await request(t.app, 'DELETE', `/mooring/v1/webhooks/${id}`, orgAdmin)).status).toBe(204);
    expect((await request(t.app, 'GET', `/mooring/v1/webhooks/${id}`, orgAdmin)).status).toBe(404);
  });

  it('bad input is a 400, never a 500', async () => {
    const cases: Record<string, unknown>[] = [
      { organization: 1, url: 'not a url' },
      { organization: 1, url: `${receiver.url}/x`, types: ['device.bogus'] },
      { organization: 1, url: `${receiver.url}/x`, types: [] },
      { organization: 1, url: `${receiver.url}/x`, fleets: [foreign.fleet.id] },
      { organization: 1, url: `${receiver.url}/x`, fleets: ['x'] },
      { organization: 1, url: 'x'.repeat(3000) },
      { organization: 1, url: `${receiver.url}/x`, unknown: 1 },
      { url: `${receiver.url}/x` },
    ];
    for (const body of cases) {
      const res = await request(t.app, 'POST', '/mooring/v1/webhooks', a.admin, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await request(t.app, 'GET', '/mooring/v1/webhooks/abc', a.admin)).status).toBe(400);
    expect((await request(t.app, 'GET', '/mooring/v1/webhooks/99999', a.admin)).status).toBe(404);
  });

  it('delivers only the organization’s events, within the endpoint’s fleets and types', async () => {
    const all = await createEndpoint(t.app, orgAdmin, { url: `${receiver.url}/all` });
    const onlyB = await createEndpoint(t.app, orgAdmin, { url: `${receiver.url}/b`, fleets: [b.fleet.id] });
    const onlyDeleted = await createEndpoint(t.app, orgAdmin, {
      url: `${receiver.url}/deleted`,
      types: ['device.deleted'],
    });
    const theirs = await createEndpoint(t.app, outsider, {
      organization: otherOrg,
      url: `${receiver.url}/theirs`,
    });
    const start = receiver.received.length;
    const inA = await register(t.app, a.provisioningKey, a.fleet.id);
    const inB = await register(t.app, b.provisioningKey, b.fleet.id);
    const inForeign = await register(t.app, foreign.provisioningKey, foreign.fleet.id);
    await t.app.webhooks.dispatcher.settle();
    const got = receiver.received.slice(start).map((r) => {
      const body = JSON.parse(r.body) as { type: string; data: { deviceUuid: string | null } };
      return `${r.path} ${body.type} ${body.data.deviceUuid}`;
    });
    expect(got.sort()).toEqual(
      [
        `/all device.registered ${inA.uuid}`,
        `/all device.registered ${inB.uuid}`,
        `/b device.registered ${inB.uuid}`,
        `/theirs device.registered ${inForeign.uuid}`,
      ].sort(),
    );
    for (const ep of [all, onlyB, onlyDeleted, theirs])
      await request(t.app, 'DELETE', `/mooring/v1/webhooks/${ep.id}`, a.admin);
  });

  it('checks the rights again at delivery time: a narrowed filter cancels what is still queued', async () => {
    const ep = await createEndpoint(t.app, orgAdmin, { url: `${receiver.url}/narrowed` });
    receiver.answer = () => ({ status: 500 });
    const start = receiver.received.length;
    await register(t.app, a.provisioningKey, a.fleet.id);
    await t.app.webhooks.dispatcher.settle();
    expect(receiver.received.length - start).toBe(1);
    // While the retry waits, the endpoint is narrowed to fleet B: the queued fleet-A event is not sent.
    await request(t.app, 'PATCH', `/mooring/v1/webhooks/${ep.id}`, orgAdmin, { fleets: [b.fleet.id] });
    receiver.answer = () => ({ status: 200 });
    t.clock.advance(5 * SECOND);
    await t.app.webhooks.dispatcher.settle();
    expect(receiver.received.length - start).toBe(1);
    const [d] = (await deliveries(t.app, orgAdmin, ep.id)).deliveries;
    expect(d).toMatchObject({ status: 'cancelled', attempts: 1 });
    await request(t.app, 'DELETE', `/mooring/v1/webhooks/${ep.id}`, orgAdmin);
  });

  it('refuses non-public targets when saved: loopback, private, link-local, metadata, odd spellings', async () => {
    const strict = await createTestApp(dialect, { MOORING_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false' });
    try {
      const admin = await loginAs(strict.app, 'admin', 'correct horse battery staple');
      const refused = [
        'http://127.0.0.1/hook',
        'http://localhost:8080/hook',
        'http://api.localhost/hook',
        'http://[::1]/hook',
        'http://[::ffff:127.0.0.1]/hook',
        'http://2130706433/hook', // 127.0.0.1 in decimal
        'http://0177.0.0.1/hook', // 127.0.0.1 in octal
        'http://0x7f.1/hook',
        'http://10.1.2.3/hook',
        'http://172.16.0.1/hook',
        'http://192.168.1.1/hook',
        'http://100.64.0.1/hook', // carrier-grade NAT
        'http://169.254.169.254/latest/meta-data/', // cloud metadata
        'http://[fd00:ec2::254]/hook', // EC2 metadata over IPv6
        'http://[fe80::1]/hook',
        'http://0.0.0.0/hook',
        'ftp://example.com/hook',
        'file:///etc/passwd',
        'https://user:pass@example.com/hook',
      ];
      for (const url of refused) {
        const res = await request(strict.app, 'POST', '/mooring/v1/webhooks', admin, {
          organization: 1,
          url,
        });
        expect(res.status, url).toBe(400);
      }
      const ok = await request(strict.app, 'POST', '/mooring/v1/webhooks', admin, {
        organization: 1,
        url: 'https://93.184.215.14/hook',
        enabled: false,
      });
      expect(ok.status).toBe(201);
    } finally {
      await strict.close();
    }
  });

  it('checks the address actually connected to: a name resolving to loopback is refused at delivery', async () => {
    // Saved by an instance that allows private networks, delivered by one that does not (as after
    // DNS rebinding: the name was public when saved, private when connected to).
    const port = new URL(receiver.url).port;
    const ep = await createEndpoint(t.app, a.admin, {
      url: `http://localhost:${port}/rebound`,
      enabled: false,
    });
    const strict = await createTestApp(
      dialect,
      { ...WEBHOOK_ENV, MOORING_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false' },
      { database: t.database, clock: t.clock, logs: t.logs },
    );
    try {
      // Only the strict instance delivers.
      await t.app.webhooks.dispatcher.close();
      await request(strict.app, 'PATCH', `/mooring/v1/webhooks/${ep.id}`, a.admin, { enabled: true });
      const start = receiver.received.length;
      await register(strict.app, a.provisioningKey, a.fleet.id);
      await strict.app.webhooks.dispatcher.settle();
      expect(receiver.received.length).toBe(start);
      const [d] = (await deliveries(strict.app, a.admin, ep.id)).deliveries;
      expect(d?.attemptLog[0]?.error).toMatch(
        /^refused: localhost resolves to (127\.0\.0\.1|::1) is a loopback/,
      );
      expect(d?.attemptLog[0]?.statusCode).toBeNull();
    } finally {
      await strict.close();
    }
  });

  it('the guarded lookup refuses every non-public answer and passes public ones', async () => {
    const resolve = (host: string, all: boolean) =>
      new Promise<{ err: Error | null; address: string | LookupAddress[] }>((done) =>
        guardedLookup(host, { all }, (err, address) => done({ err, address })),
      );
    for (const all of [true, false]) {
      const local = await resolve('localhost', all);
      expect(local.err?.message).toMatch(/^refused: localhost resolves to/);
    }
    for (const address of [
      '127.0.0.1',
      '::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '10.0.0.1',
      '169.254.169.254',
      'fd00:ec2::254',
      'fe80::1',
      '100.64.1.1',
      '64:ff9b::a00:1',
    ])
      expect(refusedAddress(address), address).not.toBeNull();
    for (const address of ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c', '::ffff:93.184.215.14'])
      expect(refusedAddress(address), address).toBeNull();
  });
});

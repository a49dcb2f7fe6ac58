import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MooringClient } from '../src/index.js';
import { dialects, rejection, type SdkServer, startServer } from './support.js';

describe.each(dialects())('SDK administration and audit events (%s)', (dialect) => {
  let s: SdkServer;
  let admin: MooringClient;
  beforeAll(async () => {
    s = await startServer(dialect);
    admin = await s.admin();
  });
  afterAll(async () => s.close());

  it('creates and lists users and organizations, adds members; non-administrators are Forbidden', async () => {
    const user = await admin.admin.users.create({
      username: 'operator',
      email: 'op@example.com',
      password: 'a long passphrase 1',
    });
    expect(user).toMatchObject({
      username: 'operator',
      email: 'op@example.com',
      isAdmin: false,
      id: expect.any(Number),
    });
    expect((await admin.admin.users.list()).map((u) => u.username)).toEqual(
      expect.arrayContaining(['admin', 'operator']),
    );
    const dup = await rejection(
      admin.admin.users.create({ username: 'operator', password: 'a long passphrase 1' }),
    );
    expect(dup).toMatchObject({ code: 'Conflict', status: 409 });

    const org = await admin.admin.organizations.create({ name: 'Acme Corp', handle: 'acme' });
    expect(org).toEqual({ id: expect.any(Number), name: 'Acme Corp', handle: 'acme' });
    expect((await admin.admin.organizations.list()).map((o) => o.handle)).toEqual(
      expect.arrayContaining(['admin', 'acme']),
    );
    await admin.admin.organizations.addMember(org.id, user.id, 'member');
    expect(await rejection(admin.admin.organizations.addMember(org.id, 9999, 'member'))).toMatchObject({
      code: 'NotFound',
    });

    const op = s.client();
    await op.auth.login('operator', 'a long passphrase 1');
    const fleet = await op.fleets.create({
      name: 'acme-fleet',
      deviceType: 'generic-amd64',
      organization: 'acme',
    });
    expect(fleet.organizationId).toBe(org.id);
    expect(await rejection(op.admin.users.list())).toMatchObject({ code: 'Forbidden', status: 403 });
    expect(await rejection(op.admin.organizations.create({ name: 'nope' }))).toMatchObject({
      code: 'Forbidden',
    });
    const weak = await rejection(admin.admin.users.create({ username: 'weak', password: 'x' }));
    expect(weak).toMatchObject({ code: 'Validation', status: 400 });
  });

  it('lists the caller’s audit events, newest first, with a limit', async () => {
    const client = await s.admin();
    await client.keys.create({ name: 'audited', expiryDate: null });
    const events = await client.audit.list({ limit: 5 });
    expect(events.length).toBeLessThanOrEqual(5);
    expect(events[0]).toMatchObject({ type: 'api_key.created', at: expect.any(String) });
    expect(events.map((e) => e.type)).toContain('login.succeeded');
    expect((await client.audit.list()).length).toBeGreaterThan(events.length - 1);
    expect(await rejection(client.audit.list({ limit: 0 }))).toMatchObject({
      code: 'Validation',
      status: 400,
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MooringClient } from '../src/index.js';
import { dialects, rejection, type SdkServer, startServer } from './support.js';

const DAY = 86_400_000;

describe.each(dialects())('SDK API keys and typed errors (%s)', (dialect) => {
  let s: SdkServer;
  let admin: MooringClient;
  beforeAll(async () => {
    s = await startServer(dialect);
    admin = await s.admin();
  });
  afterAll(async () => s.close());

  it('creates a key (secret once, id and keyId), lists it with status, updates it', async () => {
    const created = await admin.keys.create({
      name: 'monitoring',
      description: 'grafana',
      expiryDate: null,
      scopes: ['read'],
      headerOnly: true,
    });
    expect(created.key).toMatch(/^mk_u_/);
    expect(created.id).toEqual(expect.any(Number));
    expect(created.key).toContain(created.keyId);
    const info = (await admin.keys.list()).find((k) => k.id === created.id);
    expect(info).toMatchObject({
      name: 'monitoring',
      description: 'grafana',
      kind: 'user',
      scopes: ['read'],
      fleets: null,
      expiryDate: null,
      status: 'active',
      headerOnly: true,
      requiresSignature: false,
      lastUsedAt: null,
    });
    expect(created.key.startsWith(info?.displayPrefix ?? '?')).toBe(true);
    expect(JSON.stringify(await admin.keys.list())).not.toContain(created.key);

    const soon = new Date(s.t.clock.now() + 2 * DAY).toISOString();
    await admin.keys.update(created.id ?? 0, { name: 'grafana', expiryDate: soon });
    expect((await admin.keys.list()).find((k) => k.id === created.id)).toMatchObject({
      name: 'grafana',
      status: 'expiring-soon',
      expiryDate: soon,
    });
    await admin.keys.update(created.id ?? 0, { expiryDate: new Date(s.t.clock.now() - 1000).toISOString() });
    expect((await admin.keys.list()).find((k) => k.id === created.id)?.status).toBe('expired');
    await expect(admin.keys.update(1, {})).rejects.toBeInstanceOf(TypeError);
    const areas = await admin.keys.create({
      name: 'areas',
      expiryDate: null,
      scopes: ['env:write', 'fleets:read'],
    });
    expect((await admin.keys.list()).find((k) => k.id === areas.id)?.scopes).toEqual([
      'fleets:read',
      'env:write',
    ]);
  });

  it('rotates a key (old one works during the grace, then not); a second rotation is a Conflict', async () => {
    const { key, id } = await admin.keys.create({ name: 'rotating', expiryDate: null });
    const rotated = await admin.keys.rotate(id ?? 0, { gracePeriodSeconds: 60 });
    expect(rotated.key).toMatch(/^mk_u_/);
    expect(rotated.key).not.toBe(key);
    expect(rotated.previousExpiresAt).toBe(new Date(s.t.clock.now() + 60_000).toISOString());
    expect(await s.client({ apiKey: key }).auth.isLoggedIn()).toBe(true);
    expect(await s.client({ apiKey: rotated.key }).auth.isLoggedIn()).toBe(true);
    const again = await rejection(admin.keys.rotate(id ?? 0, { gracePeriodSeconds: 0 }));
    expect(again).toMatchObject({
      code: 'Conflict',
      status: 409,
      serverCode: 'conflict',
      requestId: expect.any(String),
    });
    s.t.clock.advance(61_000);
    expect(await s.client({ apiKey: key }).auth.isLoggedIn()).toBe(false);
    const bad = await rejection(admin.keys.rotate(id ?? 0, { gracePeriodSeconds: -1 }));
    expect(bad).toMatchObject({ code: 'Validation', status: 400 });
  });

  it("reads a key's usage per UTC day; another user's key is NotFound, a bad window Validation", async () => {
    const { key, id } = await admin.keys.create({ name: 'used', expiryDate: null });
    const user = s.client({ apiKey: key });
    for (let i = 0; i < 3; i++) await user.auth.whoami();
    await s.t.app.mooring.usage.flush();
    const usage = await admin.keys.usage(id ?? 0, { days: 7 });
    expect(usage.days).toHaveLength(7);
    expect(usage.days.at(-1)).toEqual({
      day: new Date(s.t.clock.now()).toISOString().slice(0, 10),
      requests: 3,
    });
    expect(usage).toMatchObject({ keyId: id, total: 3, lastUsedAt: new Date(s.t.clock.now()).toISOString() });
    expect((await admin.keys.usage(id ?? 0)).days).toHaveLength(30);
    expect(await rejection(admin.keys.usage(id ?? 0, { days: 91 }))).toMatchObject({
      code: 'Validation',
      status: 400,
    });

    const username = `usage-${Date.now()}`;
    const password = 'another-long-enough-password';
    await admin.admin.users.create({ username, password });
    const other = s.client();
    await other.auth.login(username, password);
    expect(await rejection(other.keys.usage(id ?? 0))).toMatchObject({ code: 'NotFound', status: 404 });
  });

  it('revokes a key: it is refused at once with Unauthorized', async () => {
    const { key, id } = await admin.keys.create({ name: 'short-lived', expiryDate: null });
    const user = s.client({ apiKey: key });
    expect(await user.devices.list()).toEqual(expect.any(Array));
    await admin.keys.revoke(id ?? 0);
    const error = await rejection(user.auth.whoami());
    expect(error).toMatchObject({ code: 'Unauthorized', status: 401 });
    expect((await admin.keys.list()).map((k) => k.id)).not.toContain(id);
    expect(await rejection(admin.keys.revoke(id ?? 0))).toMatchObject({ code: 'NotFound', status: 404 });
  });

  it('a read-only key is Forbidden to write; key creation needs a session (Unauthorized otherwise)', async () => {
    const fleet = await admin.fleets.create({
      name: 'readonly',
      deviceType: 'generic-amd64',
      organization: 'admin',
    });
    const { key } = await admin.keys.create({ name: 'ro', expiryDate: null, scopes: ['read'] });
    const ro = s.client({ apiKey: key });
    expect((await ro.fleets.list()).map((f) => f.id)).toContain(fleet.id);
    const write = await rejection(ro.env.set({ fleet: fleet.id, name: 'X', value: '1' }));
    expect(write).toMatchObject({ code: 'Forbidden', status: 403 });
    const nested = await rejection(ro.keys.create({ name: 'nested', expiryDate: null }));
    expect(nested).toMatchObject({
      code: 'Unauthorized',
      status: 401,
      message: 'Fresh authentication token required',
    });
  });

  it('a session older than 20 minutes is refused for key creation, without ending the session', async () => {
    const fresh = await s.admin();
    s.t.clock.advance(21 * 60_000);
    let expired = 0;
    const store = await fresh.auth.getToken();
    const sameSession = s.client({ onSessionExpired: () => expired++ });
    await sameSession.auth.loginWithToken(store ?? '');
    expect(await rejection(sameSession.keys.create({ name: 'late', expiryDate: null }))).toMatchObject({
      code: 'Unauthorized',
    });
    expect(expired).toBe(0);
    expect(await sameSession.auth.isLoggedIn()).toBe(true);
  });
});

import { type BalenaSDK, getSdk } from 'balena-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { newUuid } from '../support/fleet-fixtures.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../support/test-app.js';
import { DEFAULT_GRACE_MS, DEFAULT_TIMEOUT_MS, MANUAL_HEARTBEAT_ENV } from './support.js';

/**
 * The unmodified balena-sdk's device calls against a listening Mooring (COMPAT.md A7, A9), and a
 * supervisor-like client polling its state over real HTTP with `?apikey=` and with Bearer.
 */
describe.each(dialects())('balena-sdk devices (%s)', (dialect) => {
  let t: TestApp;
  let apiUrl: string;
  let sdk: BalenaSDK;
  let fleetId: number;

  beforeAll(async () => {
    t = await createTestApp(dialect, MANUAL_HEARTBEAT_ENV);
    apiUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });
    // The SDK checks token expiry against the real clock; start the server's clock there.
    t.clock.set(Date.now());
    sdk = getSdk({ apiUrl, dataDirectory: false, isBrowser: false });
    await sdk.auth.login({ email: 'admin', password: ADMIN_PASSWORD });
    const app = await sdk.models.application.create({
      name: 'sdkdevices',
      deviceType: 'raspberrypi3',
      organization: 'admin',
    });
    fleetId = app.id;
  });
  afterAll(async () => t?.close());

  /** What a supervisor does: GET its state with its key, remembering the ETag. */
  const supervisorPoll = async (
    uuid: string,
    key: string,
    transport: 'query' | 'bearer',
    etag?: string,
  ): Promise<{ status: number; etag: string | null; body: string }> => {
    const url = new URL(`/device/v3/${uuid}/state`, apiUrl);
    if (transport === 'query') url.searchParams.set('apikey', key);
    const res = await fetch(url, {
      headers: {
        ...(transport === 'bearer' ? { authorization: `Bearer ${key}` } : {}),
        ...(etag ? { 'if-none-match': etag } : {}),
      },
    });
    return { status: res.status, etag: res.headers.get('etag'), body: await res.text() };
  };

  it('device.register returns the 201 body and the device appears', async () => {
    const uuid = newUuid();
    const registered = await sdk.models.device.register(fleetId, uuid);
    expect(registered).toEqual({ id: expect.any(Number), uuid, api_key: expect.stringMatching(/^mk_d_/) });
    expect(await sdk.models.device.has(uuid)).toBe(true);
    const device = await sdk.models.device.get(uuid);
    expect(device).toMatchObject({
      id: registered.id,
      uuid,
      belongs_to__application: { __id: fleetId },
      api_heartbeat_state: 'unknown',
      is_online: false,
    });
    expect(device.device_name).toMatch(/^[a-z]+-[a-z]+$/);
    const names = (await sdk.models.device.getAllByApplication(fleetId, { $select: ['uuid'] })).map(
      (d) => d.uuid,
    );
    expect(names).toContain(uuid);
  });

  it('device.isOnline: false → true after a poll → false after the timeout; getStatus follows', async () => {
    const uuid = newUuid();
    const { api_key: key } = await sdk.models.device.register(fleetId, uuid);
    expect(await sdk.models.device.isOnline(uuid)).toBe(false);
    expect(await sdk.models.device.getStatus(uuid)).toBe('configuring');

    const t0 = t.clock.now();
    expect((await supervisorPoll(uuid, key, 'bearer')).status).toBe(200);
    await t.app.devices.heartbeats.flush();
    expect(await sdk.models.device.isOnline(uuid)).toBe(true);
    expect(await sdk.models.device.getStatus(uuid)).toBe('operational');

    t.clock.set(t0 + DEFAULT_TIMEOUT_MS);
    await t.app.devices.heartbeats.sweep();
    expect(await sdk.models.device.isOnline(uuid)).toBe(false);
    expect(await sdk.models.device.getStatus(uuid)).toBe('reduced-functionality');

    t.clock.set(t0 + DEFAULT_TIMEOUT_MS + DEFAULT_GRACE_MS);
    await t.app.devices.heartbeats.sweep();
    expect(await sdk.models.device.isOnline(uuid)).toBe(false);
    expect(await sdk.models.device.getStatus(uuid)).toBe('disconnected');
    t.clock.set(Date.now());
  });

  it('a supervisor-like client polls with ?apikey= and with Bearer, using If-None-Match', async () => {
    const uuid = newUuid();
    const { api_key: key } = await sdk.models.device.register(fleetId, uuid);
    for (const transport of ['query', 'bearer'] as const) {
      const first = await supervisorPoll(uuid, key, transport);
      expect(first.status).toBe(200);
      expect(JSON.parse(first.body)).toHaveProperty([uuid, 'apps']);
      expect(first.etag).toBeTruthy();
      const again = await supervisorPoll(uuid, key, transport, first.etag ?? undefined);
      expect(again.status).toBe(304);
      expect(again.body).toBe('');
    }
    // A change made through the SDK reaches the next poll.
    const before = await supervisorPoll(uuid, key, 'bearer');
    await sdk.models.device.envVar.set(uuid, 'GREETING', 'hello');
    const after = await supervisorPoll(uuid, key, 'bearer', before.etag ?? undefined);
    expect(after.status).toBe(200);
    const doc = JSON.parse(after.body) as Record<
      string,
      { apps: Record<string, { environment: Record<string, string> }> }
    >;
    expect(Object.values(doc[uuid]?.apps ?? {})[0]?.environment).toEqual({ GREETING: 'hello' });
  });

  it('device.generateDeviceKey makes a key the device can poll with', async () => {
    const uuid = newUuid();
    await sdk.models.device.register(fleetId, uuid);
    const key = await sdk.models.device.generateDeviceKey(uuid, 'second key');
    expect(typeof key).toBe('string');
    expect((await supervisorPoll(uuid, key, 'bearer')).status).toBe(200);
  });

  it('device.remove: gone for has/get, and its key stops working', async () => {
    const uuid = newUuid();
    const { api_key: key } = await sdk.models.device.register(fleetId, uuid);
    await supervisorPoll(uuid, key, 'bearer');
    await t.app.devices.heartbeats.flush();
    await sdk.models.device.remove(uuid);
    expect(await sdk.models.device.has(uuid)).toBe(false);
    await expect(sdk.models.device.get(uuid)).rejects.toMatchObject({ code: 'BalenaDeviceNotFound' });
    // Deleting the device deletes its actor and keys and drops cached credentials: refused at once.
    const res = await supervisorPoll(uuid, key, 'bearer');
    expect(res.status).toBe(401);
    expect(res.body).toBe('');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetWithKey, poll, register } from '../../server/test/devices/support.js';
import type { MooringClient, MooringEvent } from '../src/index.js';
import { dialects, rejection, type SdkServer, startServer } from './support.js';

const MANUAL = {
  MOORING_HEARTBEAT_FLUSH_INTERVAL_MS: '86400000',
  MOORING_HEARTBEAT_SWEEP_INTERVAL_MS: '86400000',
  MOORING_EVENT_MAINTENANCE_INTERVAL_MS: '86400000',
};

/** `client.events`: feed pages and the self-resuming stream, against a real server. */
describe.each(dialects())('SDK events (%s)', (dialect) => {
  let s: SdkServer;
  let admin: MooringClient;

  beforeAll(async () => {
    s = await startServer(dialect, MANUAL);
    admin = await s.admin();
  });
  afterAll(async () => s?.close());

  /** Takes events from the iterator until `n` arrived (bounded by the test timeout). */
  async function take(it: AsyncGenerator<MooringEvent>, n: number): Promise<MooringEvent[]> {
    const out: MooringEvent[] = [];
    while (out.length < n) {
      const next = await it.next();
      if (next.done) break;
      out.push(next.value);
    }
    return out;
  }

  it('lists pages after a cursor, filtered by type', async () => {
    const start = (await admin.events.list({ after: 0, limit: 1000 })).next;
    const a = await fleetWithKey(s.t);
    const dev = await register(s.t.app, a.provisioningKey, a.fleet.id);
    await poll(s.t.app, dev);
    await s.t.app.devices.heartbeats.flush();
    const page = await admin.events.list({ after: start });
    expect(page.events.map((e) => e.type)).toEqual(['device.registered', 'device.online']);
    const online = await admin.events.list({ after: start, types: ['device.online'] });
    expect(online.events.map((e) => [e.type, e.deviceUuid, e.previousStatus, e.status])).toEqual([
      ['device.online', dev.uuid, 'unknown', 'online'],
    ]);
    expect(online.next).toBeGreaterThanOrEqual(page.events[1]?.id ?? 0);
    const device = await admin.devices.get(dev.uuid);
    expect(device.lastHeartbeatAt).toBe(new Date(s.t.clock.now()).toISOString());
  });

  it('streams live and resumes after a dropped connection without losing or repeating an event', async () => {
    const a = await fleetWithKey(s.t);
    const stop = new AbortController();
    const reconnects: number[] = [];
    const it = admin.events.stream({
      types: ['device.registered'],
      fleet: a.fleet.id,
      signal: stop.signal,
      retryDelayMs: 20,
      onReconnect: (_error, attempt) => reconnects.push(attempt),
    });
    const first = take(it, 2);
    // The stream is open once the hub counts it.
    for (let i = 0; i < 500 && s.t.app.events.hub.subscribers === 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    const d1 = await register(s.t.app, a.provisioningKey, a.fleet.id);
    const d2 = await register(s.t.app, a.provisioningKey, a.fleet.id);
    expect((await first).map((e) => e.deviceUuid)).toEqual([d1.uuid, d2.uuid]);

    // Drop every connection; write while the client is away.
    s.t.app.server.closeAllConnections();
    const d3 = await register(s.t.app, a.provisioningKey, a.fleet.id);
    const d4 = await register(s.t.app, a.provisioningKey, a.fleet.id);
    expect((await take(it, 2)).map((e) => e.deviceUuid)).toEqual([d3.uuid, d4.uuid]);
    expect(reconnects.length).toBeGreaterThanOrEqual(1);
    stop.abort();
    expect((await it.next()).done).toBe(true);
  });

  it('ends with an Unauthorized error when its key is revoked, and refuses a device key at once', async () => {
    const { key } = await admin.keys.create({ name: 'sdk-events-revoked', expiryDate: null });
    const client = s.client({ apiKey: key });
    const it = client.events.stream({ retryDelayMs: 20 });
    const ended = rejection(take(it, 1));
    for (let i = 0; i < 500 && s.t.app.events.hub.subscribers === 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    const keys = await admin.keys.list();
    const id = keys.find((k) => k.name === 'sdk-events-revoked')?.id;
    if (id === undefined) throw new Error('key not listed');
    await admin.keys.revoke(id);
    expect(await ended).toMatchObject({ code: 'Unauthorized' });

    const a = await fleetWithKey(s.t);
    const dev = await register(s.t.app, a.provisioningKey, a.fleet.id);
    const device = s.client({ apiKey: dev.key });
    expect(await rejection(device.events.list())).toMatchObject({ code: 'Forbidden' });
    expect(await rejection(take(device.events.stream(), 1))).toMatchObject({ code: 'Forbidden' });
  });
});

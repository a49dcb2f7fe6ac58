import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FleetWithKey, fleetWithKey, register } from '../devices/support.js';
import { allEvents } from '../events/support.js';
import { dialects } from '../support/databases.js';
import { request } from '../support/fleet-fixtures.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import {
  createEndpoint,
  DAY,
  deliveries,
  HOUR,
  Receiver,
  SECOND,
  verifyEd25519,
  WEBHOOK_ENV,
} from './support.js';

/**
 * Delivery end to end: a real app, a real receiver on 127.0.0.1, signatures checked by the reference
 * `standardwebhooks` package (v1) and by node:crypto with the published key (v1a); retries on the
 * schedule with a manual clock; 410; redirects; timeouts; rotation.
 */
describe.each(dialects())('webhook delivery (%s)', (dialect) => {
  let t: TestApp;
  let a: FleetWithKey;
  let receiver: Receiver;

  beforeAll(async () => {
    t = await createTestApp(dialect, { ...WEBHOOK_ENV, MOORING_WEBHOOK_TIMEOUT_MS: '500' });
    // The reference library checks webhook-timestamp against the real clock (±5 min): tests start
    // at the real time (credentials are made then, so they are valid whenever a test starts).
    t.clock.set(Date.now());
    a = await fleetWithKey(t);
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    t.clock.set(Date.now());
    receiver = await new Receiver().start();
  });
  afterEach(async () => receiver.close());

  it('signs each delivery for the reference library (v1) and the public key (v1a)', async () => {
    const ep = await createEndpoint(t.app, a.admin, {
      url: `${receiver.url}/hook?token=abc`,
      types: ['device.*'],
    });
    expect(ep.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(ep.publicKey).toMatch(/^whpk_[A-Za-z0-9+/]{43}=$/);
    const device = await register(t.app, a.provisioningKey, a.fleet.id);
    const [got] = await receiver.waitFor(1);
    if (!got) throw new Error('nothing received');
    expect(got.path).toBe('/hook?token=abc');
    expect(got.headers['content-type']).toBe('application/json');
    const payload = new Webhook(ep.secret).verify(got.body, got.headers as Record<string, string>) as {
      type: string;
      timestamp: string;
      data: { id: number; deviceUuid: string; deviceSeq: number; fleet: number };
    };
    expect(payload.type).toBe('device.registered');
    expect(payload.data).toMatchObject({ deviceUuid: device.uuid, deviceSeq: 1, fleet: a.fleet.id });
    expect(got.headers['webhook-id']).toBe(`msg_${payload.data.id}`);
    expect(Number(got.headers['webhook-timestamp'])).toBe(Math.floor(t.clock.now() / 1000));
    expect(verifyEd25519(ep.publicKey, got)).toBe(true);
    // Another key or a changed body verifies with neither.
    expect(() =>
      new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(
        got.body,
        got.headers as Record<string, string>,
      ),
    ).toThrow();
    expect(verifyEd25519(ep.publicKey, { ...got, body: got.body.replace('registered', 'deleted') })).toBe(
      false,
    );
    await t.app.webhooks.dispatcher.settle();
    const log = await deliveries(t.app, a.admin, ep.id);
    expect(log.deliveries[0]).toMatchObject({ status: 'delivered', attempts: 1, type: 'device.registered' });
    expect(log.deliveries[0]?.attemptLog[0]).toMatchObject({
      statusCode: 200,
      response: 'ok',
      succeeded: true,
    });
    await request(t.app, 'DELETE', `/mooring/v1/webhooks/${ep.id}`, a.admin);
  });

  it('retries a failing receiver on the schedule with the same webhook-id until it recovers', async () => {
    const ep = await createEndpoint(t.app, a.admin, { url: `${receiver.url}/flaky` });
    const big = 'x'.repeat(5000);
    receiver.answer = (_r, i) => (i < 2 ? { status: 503, body: big } : { status: 204 });
    await register(t.app, a.provisioningKey, a.fleet.id);
    await receiver.waitFor(1);
    await t.app.webhooks.dispatcher.settle();
    let log = await deliveries(t.app, a.admin, ep.id);
    expect(log.deliveries[0]).toMatchObject({ status: 'pending', attempts: 1 });
    expect(Date.parse(log.deliveries[0]?.nextAttemptAt ?? '')).toBe(t.clock.now() + 5 * SECOND);
    // Not before it is due.
    t.clock.advance(4 * SECOND);
    await t.app.webhooks.dispatcher.settle();
    expect(receiver.received).toHaveLength(1);
    t.clock.advance(1 * SECOND);
    await t.app.webhooks.dispatcher.settle();
    expect(receiver.received).toHaveLength(2);
    t.clock.advance(5 * 60 * SECOND);
    await t.app.webhooks.dispatcher.settle();
    expect(receiver.received).toHaveLength(3);
    const ids = new Set(receiver.received.map((r) => r.headers['webhook-id']));
    expect(ids.size).toBe(1);
    // Each attempt is signed afresh (its own timestamp) and verifies.
    for (const r of receiver.received) {
      const ts = Number(r.headers['webhook-timestamp']);
      const expected = new Webhook(ep.secret).sign(
        String(r.headers['webhook-id']),
        new Date(ts * 1000),
        r.body,
      );
      expect(String(r.headers['webhook-signature']).split(' ')).toContain(expected);
    }
    log = await deliveries(t.app, a.admin, ep.id);
    const d = log.deliveries[0];
    expect(d).toMatchObject({ status: 'delivered', attempts: 3 });
    expect(d?.attemptLog.map((x) => x.statusCode)).toEqual([503, 503, 204]);
    // The first 1 KiB of the answer is kept, no more.
    expect(d?.attemptLog[0]?.response).toBe('x'.repeat(1024));
    expect(d?.attemptLog[0]?.durationMs).toBeGreaterThanOrEqual(0);
    const endpoint = (await request(t.app, 'GET', `/mooring/v1/webhooks/${ep.id}`, a.admin)).json as {
      failingSince: string | null;
    };
    expect(endpoint.failingSince).toBeNull();
    await request(t.app, 'DELETE', `/mooring/v1/webhooks/${ep.id}`, a.admin);
  });

  it('gives up after the last retry, more than three days later', async () => {
    const ep = await createEndpoint(t.app, a.admin, { url: `${receiver.url}/down` });
    receiver.answer = () => ({ status: 500 });
    const start = t.clock.now();
    await register(t.app, a.provisioningKey, a.fleet.id);
    await receiver.waitFor(1);
    for (let i = 0; i < 20; i++) {
      await t.app.webhooks.dispatcher.settle();
      const [d] = (await deliveries(t.app, a.admin, ep.id)).deliveries;
      if (d?.status !== 'pending') break;
      t.clock.set(Date.parse(d.nextAttemptAt ?? ''));
    }
    const [d] = (await deliveries(t.app, a.admin, ep.id)).deliveries;
    expect(d).toMatchObject({ status: 'failed', attempts: 13 });
    expect(t.clock.now() - start).toBeGreaterThan(3 * DAY);
    expect(receiver.received).toHaveLength(13);
    await request(t.app, 'DELETE', `/mooring/v1/webhooks/${ep.id}`, a.admin);
  });

  it('410 Gone disables the endpoint and writes webhook.disabled', async () => {
    const ep = await createEndpoint(t.app, a.admin, { url: `${receiver.url}/gone` });
    receiver.answer = () => ({ status: 410 });
    const head = await t.app.events.hub.currentHead();
    await register(t.app, a.provisioningKey, a.fleet.id);
    await receiver.waitFor(1);
    await t.app.webhooks.dispatcher.settle();
    const endpoint = (await request(t.app, 'GET', `/mooring/v1/webhooks/${ep.id}`, a.admin)).json as {
      enabled: boolean;
      disabledReason: string;
    };
    expect(endpoint).toMatchObject({ enabled: false, disabledReason: 'gone' });
    const events = (await allEvents(t.app, a.admin, head)).filter((e) => e.type === 'webhook.disabled');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ organization: 1, data: { endpoint: ep.id, reason: 'gone' } });
    // Disabled: nothing more is sent.
    await register(t.app, a.provisioningKey, a.fleet.id);
    await t.app.webhooks.dispatcher.settle();
    expect(receiver.received).toHaveLength(1);
    await request(t.app, 'DELETE', `/mooring/v1/webhooks/${ep.id}`, a.admin);
  });

  it('an endpoint failing for five days is disabled, with an event', async () => {
    const ep = await createEndpoint(t.app, a.admin, { url: `${receiver.url}/broken` });
    receiver.answer = () => ({ status: 502 });
    const head = await t.app.events.hub.currentHead();
    // A new event every 10 hours keeps attempts coming: five days of nothing but failures.
    for (let hour = 0; hour <= 5 * 24 + 10; hour += 10) {
      await register(t.app, a.provisioningKey, a.fleet.id);
      await t.app.webhooks.dispatcher.settle();
      const state = (await request(t.app, 'GET', `/mooring/v1/webhooks/${ep.id}`, a.admin)).json as {
        enabled: boolean;
      };
      if (!state.enabled) break;
      t.clock.advance(10 * HOUR);
    }
    const endpoint = (await request(t.app, 'GET', `/mooring/v1/webhooks/${ep.id}`, a.admin)).json as {
      enabled: boolean;
      disabledReason: string;
    };
    expect(endpoint).toMatchObject({ enabled: false, disabledReason: 'failing' });
    const events = (await allEvents(t.app, a.admin, head)).filter((e) => e.type === 'webhook.disabled');
    expect(events.map((e) => e.data)).toEqual([{ endpoint: ep.id, reason: 'failing' }]);
    await request(t.app, 'DELETE', `/mooring/v1/webhooks/${ep.id}`, a.admin);
  });

  it('does not follow redirects (3xx is a failure) and gives up on a silent receiver', async () => {
    const ep = await createEndpoint(t.app, a.admin, { url: `${receiver.url}/moved` });
    receiver.answer = (r) =>
      r.path === '/moved' ? { status: 307, headers: { location: `${receiver.url}/elsewhere` } } : 'hang';
    await register(t.app, a.provisioningKey, a.fleet.id);
    await receiver.waitFor(1);
    await t.app.webhooks.dispatcher.settle();
    expect(receiver.received.map((r) => r.path)).toEqual(['/moved']);
    let [d] = (await deliveries(t.app, a.admin, ep.id)).deliveries;
    expect(d).toMatchObject({ status: 'pending', attempts: 1, lastError: 'redirect not followed' });
    expect(d?.attemptLog[0]?.statusCode).toBe(307);

    // The timeout (500 ms here, 15 s by default) ends an attempt the receiver never answers.
    await request(t.app, 'PATCH', `/mooring/v1/webhooks/${ep.id}`, a.admin, {
      url: `${receiver.url}/silent`,
    });
    t.clock.advance(5 * SECOND);
    const started = performance.now();
    await t.app.webhooks.dispatcher.settle();
    expect(performance.now() - started).toBeLessThan(5000);
    [d] = (await deliveries(t.app, a.admin, ep.id)).deliveries;
    expect(d).toMatchObject({ status: 'pending', attempts: 2, lastError: 'timeout' });
    expect(d?.attemptLog[1]?.durationMs).toBeGreaterThanOrEqual(450);
    await request(t.app, 'DELETE', `/mooring/v1/webhooks/${ep.id}`, a.admin);
  });

  it('rotation: old and new secret both sign during the grace period, then only the new one', async () => {
    const ep = await createEndpoint(t.app, a.admin, { url: `${receiver.url}/rotating` });
    const res = await request(t.app, 'POST', `/mooring/v1/webhooks/${ep.id}/rotate-secret`, a.admin, {
      gracePeriodSeconds: 3600,
    });
    expect(res.status).toBe(200);
    const rotated = res.json as { secret: string; previousSecretExpiresAt: string };
    expect(rotated.secret).not.toBe(ep.secret);
    expect(Date.parse(rotated.previousSecretExpiresAt)).toBe(t.clock.now() + 3600 * SECOND);
    await register(t.app, a.provisioningKey, a.fleet.id);
    const [first] = await receiver.waitFor(1);
    if (!first) throw new Error('nothing received');
    const signatures = String(first.headers['webhook-signature']).split(' ');
    expect(signatures.map((s) => s.split(',')[0])).toEqual(['v1', 'v1', 'v1a']);
    const headers = first.headers as Record<string, string>;
    expect(() => new Webhook(rotated.secret).verify(first.body, headers)).not.toThrow();
    expect(() => new Webhook(ep.secret).verify(first.body, headers)).not.toThrow();
    expect(verifyEd25519(ep.publicKey, first)).toBe(true);

    // After the grace period only the new secret signs.
    await t.app.webhooks.dispatcher.settle();
    t.clock.advance(3601 * SECOND);
    await register(t.app, a.provisioningKey, a.fleet.id);
    const second = (await receiver.waitFor(2))[1];
    if (!second) throw new Error('nothing received');
    const ts = Number(second.headers['webhook-timestamp']);
    const id = String(second.headers['webhook-id']);
    const sigs = String(second.headers['webhook-signature']).split(' ');
    expect(sigs).toHaveLength(2);
    expect(sigs).toContain(new Webhook(rotated.secret).sign(id, new Date(ts * 1000), second.body));
    expect(sigs).not.toContain(new Webhook(ep.secret).sign(id, new Date(ts * 1000), second.body));
    await t.app.webhooks.dispatcher.settle();
    await request(t.app, 'DELETE', `/mooring/v1/webhooks/${ep.id}`, a.admin);
  });

  it('redelivers one event or everything since a time, with the original webhook-id; sends test events', async () => {
    const ep = await createEndpoint(t.app, a.admin, { url: `${receiver.url}/again` });
    // Later than anything the other tests of this file wrote (their clocks ran up to 5½ days ahead).
    t.clock.advance(6 * DAY);
    const since = new Date(t.clock.now()).toISOString();
    await register(t.app, a.provisioningKey, a.fleet.id);
    await register(t.app, a.provisioningKey, a.fleet.id);
    await receiver.waitFor(2);
    await t.app.webhooks.dispatcher.settle();
    const ids = receiver.received.map((r) => String(r.headers['webhook-id']));
    const firstEvent = Number(ids[0]?.replace('msg_', ''));

    let res = await request(t.app, 'POST', `/mooring/v1/webhooks/${ep.id}/redeliver`, a.admin, {
      eventId: firstEvent,
    });
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ queued: 1, truncated: false });
    await receiver.waitFor(3);
    res = await request(t.app, 'POST', `/mooring/v1/webhooks/${ep.id}/redeliver`, a.admin, { since });
    expect(res.json).toEqual({ queued: 2, truncated: false });
    await receiver.waitFor(5);
    await t.app.webhooks.dispatcher.settle();
    const got = receiver.received.map((r) => String(r.headers['webhook-id']));
    // Two devices' events: no order between them (per-device order only).
    expect(got.slice(2, 3)).toEqual([ids[0]]);
    expect(got.slice(3).sort()).toEqual([...ids].sort());
    // An event the endpoint may not receive (here: one that does not exist) is a 404; bad input a 400.
    res = await request(t.app, 'POST', `/mooring/v1/webhooks/${ep.id}/redeliver`, a.admin, {
      eventId: 99_999_999,
    });
    expect(res.status).toBe(404);
    res = await request(t.app, 'POST', `/mooring/v1/webhooks/${ep.id}/redeliver`, a.admin, {
      eventId: 1,
      since,
    });
    expect(res.status).toBe(400);
    res = await request(t.app, 'POST', `/mooring/v1/webhooks/${ep.id}/redeliver`, a.admin, {
      since: 'yesterday',
    });
    expect(res.status).toBe(400);

    res = await request(t.app, 'POST', `/mooring/v1/webhooks/${ep.id}/test`, a.admin);
    expect(res.status).toBe(202);
    const { webhookId } = res.json as { webhookId: string };
    const test = (await receiver.waitFor(6))[5];
    expect(test?.headers['webhook-id']).toBe(webhookId);
    const ts = Number(test?.headers['webhook-timestamp']);
    expect(String(test?.headers['webhook-signature']).split(' ')).toContain(
      new Webhook(ep.secret).sign(webhookId, new Date(ts * 1000), test?.body ?? ''),
    );
    expect((JSON.parse(test?.body ?? '{}') as { type: string }).type).toBe('webhook.test');
    await t.app.webhooks.dispatcher.settle();
    const log = await deliveries(t.app, a.admin, ep.id, '?limit=2');
    expect(log.deliveries[0]).toMatchObject({ webhookId, status: 'delivered', eventId: null });
    expect(log.deliveries).toHaveLength(2);
    expect(log.next).toBe(log.deliveries[1]?.id);
    const older = await deliveries(t.app, a.admin, ep.id, `?before=${log.next}`);
    expect(older.deliveries).toHaveLength(4);
    expect(older.deliveries.every((d) => d.id < (log.next ?? 0))).toBe(true);
    await request(t.app, 'DELETE', `/mooring/v1/webhooks/${ep.id}`, a.admin);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetWithKey, register } from '../../server/test/devices/support.js';
import { recordSecret } from '../../server/test/support/secret-ledger.js';
import { Receiver, WEBHOOK_ENV } from '../../server/test/webhooks/support.js';
import { type MooringClient, verifyWebhook, WebhookVerificationError } from '../src/index.js';
import { dialects, rejection, type SdkServer, startServer } from './support.js';

/** `client.webhooks` and `verifyWebhook`, against a real server and a real receiver. */
describe.each(dialects())('SDK webhooks (%s)', (dialect) => {
  let s: SdkServer;
  let admin: MooringClient;
  let receiver: Receiver;

  beforeAll(async () => {
    s = await startServer(dialect, WEBHOOK_ENV);
    // verifyWebhook checks webhook-timestamp against now: run the server's clock at the real time.
    s.t.clock.set(Date.now());
    admin = await s.admin();
    receiver = await new Receiver().start();
  });
  afterAll(async () => {
    await receiver?.close();
    await s?.close();
  });

  it('manages an endpoint and verifies its deliveries with the secret or the public key', async () => {
    const hook = await admin.webhooks.create({
      organization: 'admin',
      url: `${receiver.url}/sdk`,
      types: ['device.*'],
    });
    recordSecret('signing-secret', hook.secret);
    expect(hook.secret).toMatch(/^whsec_/);
    expect((await admin.webhooks.list()).map((e) => e.id)).toContain(hook.id);
    const a = await fleetWithKey(s.t);
    const device = await register(s.t.app, a.provisioningKey, a.fleet.id);
    const [got] = await receiver.waitFor(1);
    if (!got) throw new Error('nothing received');
    const headers = got.headers as Record<string, string>;
    const bySecret = await verifyWebhook<{ deviceUuid: string }>(headers, got.body, hook.secret);
    expect(bySecret).toMatchObject({ type: 'device.registered', data: { deviceUuid: device.uuid } });
    expect(bySecret.webhookId).toBe(headers['webhook-id']);
    const byKey = await verifyWebhook(
      new Headers(headers),
      new TextEncoder().encode(got.body),
      hook.publicKey,
    );
    expect(byKey.type).toBe('device.registered');

    // Tampered body, wrong key, stale timestamp, missing headers: refused with a reason.
    const tampered = await rejection(
      verifyWebhook(headers, got.body.replace('registered', 'deleted'), hook.secret),
    );
    expect(tampered).toMatchObject({ reason: 'signature' });
    expect(tampered).toBeInstanceOf(WebhookVerificationError);
    expect(
      await rejection(verifyWebhook(headers, got.body.replace('registered', 'deleted'), hook.publicKey)),
    ).toMatchObject({ reason: 'signature' });
    expect(
      await rejection(verifyWebhook(headers, got.body, `whsec_${btoa('another secret')}`)),
    ).toMatchObject({ reason: 'signature' });
    expect(
      await rejection(verifyWebhook(headers, got.body, hook.secret, { now: Date.now() + 600_000 })),
    ).toMatchObject({ reason: 'timestamp' });
    expect(await rejection(verifyWebhook({}, got.body, hook.secret))).toMatchObject({
      reason: 'missing_headers',
    });
    expect(await rejection(verifyWebhook(headers, got.body, 'plain'))).toMatchObject({ reason: 'bad_key' });

    // Rotation: both secrets verify during the grace period.
    const rotated = await admin.webhooks.rotateSecret(hook.id, { gracePeriodSeconds: 600 });
    recordSecret('signing-secret', rotated.secret);
    await register(s.t.app, a.provisioningKey, a.fleet.id);
    const second = (await receiver.waitFor(2))[1];
    if (!second) throw new Error('nothing received');
    for (const key of [hook.secret, rotated.secret, hook.publicKey])
      await verifyWebhook(second.headers as Record<string, string>, second.body, key);

    await s.t.app.webhooks.dispatcher.settle();
    const log = await admin.webhooks.deliveries(hook.id);
    expect(log.deliveries.map((d) => d.status)).toEqual(['delivered', 'delivered']);
    const eventId = log.deliveries[1]?.eventId ?? 0;
    expect(await admin.webhooks.redeliver(hook.id, { eventId })).toEqual({ queued: 1, truncated: false });
    const { webhookId } = await admin.webhooks.sendTest(hook.id);
    expect(webhookId).toMatch(/^msg_test_/);
    await receiver.waitFor(4);
    const updated = await admin.webhooks.update(hook.id, { enabled: false, description: 'paused' });
    expect(updated).toMatchObject({ enabled: false, disabledReason: 'manual', description: 'paused' });
    await admin.webhooks.delete(hook.id);
    expect(await rejection(admin.webhooks.get(hook.id))).toMatchObject({ code: 'NotFound' });
  });
});

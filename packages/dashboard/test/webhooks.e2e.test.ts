import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook, type WebhookDelivery, type WebhookEndpoint } from '@mooring/sdk';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { recordSecret } from '../../server/test/support/secret-ledger.js';
import {
  chromiumAvailable,
  launchChromium,
  openPage,
  screenshot,
  type WatchedPage,
} from './support/browser.js';
import { buildDashboard } from './support/build.js';
import { ADMIN_PASSWORD, type RunningServer, startServer } from './support/server.js';

function eventually<T>(read: () => T | Promise<T>, options: { timeout?: number; interval?: number } = {}) {
  return expect.poll(read, { timeout: 10_000, interval: 100, ...options });
}
const refused = (status: number): RegExp =>
  new RegExp(`Failed to load resource: the server responded with a status of ${status}`);

/**
 * Real time plus an offset the test moves forward: a failing delivery is retried for more than
 * three days before it has failed for good.
 */
const clock = {
  offset: 0,
  now(): number {
    return Date.now() + this.offset;
  },
};

interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** The webhook target: a real HTTP server on 127.0.0.1 answering `status` to every request. */
class Receiver {
  readonly received: Received[] = [];
  status = 200;
  url = '';
  private server: Server | undefined;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        this.received.push({
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        res.writeHead(this.status, { 'content-type': 'text/plain' }).end(`answer ${this.status}`);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  withId(webhookId: string): Received[] {
    return this.received.filter((r) => r.headers['webhook-id'] === webhookId);
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

describe.skipIf(!chromiumAvailable())('dashboard webhooks', { timeout: 120_000 }, () => {
  let dist: string;
  let server: RunningServer;
  let browser: Browser;
  const receiver = new Receiver();
  let watched: WatchedPage | undefined;
  let token: string;
  let expectedErrors: RegExp[] = [];
  let fleet: { id: number; name: string };
  let adminOrg: number;
  let uuid: string;
  let deviceKey: string;
  // Carried from one test to the next: the endpoint made through the page and its secret.
  let endpointId = 0;
  let secret = '';
  let publicKey = '';

  const api = (path: string, credential: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${server.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json', ...init.headers },
    });
  const json = async <T>(res: Response | Promise<Response>): Promise<T> => (await (await res).json()) as T;
  const heartbeatState = async (): Promise<string | undefined> =>
    (
      await json<{ d: { api_heartbeat_state: string }[] }>(
        api(`/v7/device?$select=api_heartbeat_state&$filter=uuid eq '${uuid}'`, token),
      )
    ).d[0]?.api_heartbeat_state;
  /** One poll of the device's target state: its heartbeat. */
  const heartbeat = async (): Promise<void> => {
    const res = await api(`/device/v3/${uuid}/state`, deviceKey);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  };
  const deliveriesOf = async (webhookId: string): Promise<WebhookDelivery[]> =>
    (
      await json<{ deliveries: WebhookDelivery[] }>(
        api(`/mooring/v1/webhooks/${endpointId}/deliveries?limit=100`, token),
      )
    ).deliveries.filter((d) => d.webhookId === webhookId);
  const endpointsNow = (): Promise<{ endpoints: WebhookEndpoint[] }> =>
    json<{ endpoints: WebhookEndpoint[] }>(api('/mooring/v1/webhooks', token));

  beforeAll(async () => {
    dist = await buildDashboard();
    await receiver.start();
    // Like the server's webhook tests: the receiver is on 127.0.0.1, refused by default (SSRF).
    server = await startServer(dist, { MOORING_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' }, clock);
    browser = await launchChromium();
    const login = await fetch(`${server.url}/login_`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    token = await login.text();

    // A fleet of the "admin" organization with one registered device.
    const orgs = await json<{ d: { id: number }[] }>(
      api("/v7/organization?$select=id&$filter=handle eq 'admin'", token),
    );
    adminOrg = orgs.d[0]?.id ?? 0;
    const type = await json<{ d: { id: number }[] }>(
      api("/v7/device_type?$select=id&$filter=slug eq 'raspberrypi4-64'", token),
    );
    const created = await json<{ id: number }>(
      api('/v7/application', token, {
        method: 'POST',
        body: JSON.stringify({
          app_name: 'hooks-fleet',
          organization: adminOrg,
          is_for__device_type: type.d[0]?.id,
        }),
      }),
    );
    fleet = { id: created.id, name: 'hooks-fleet' };
    const prov = await api('/api-key/v2/', token, {
      method: 'POST',
      body: JSON.stringify({
        actorType: 'application',
        actorTypeId: fleet.id,
        roles: ['provisioning-api-key'],
        expiryDate: null,
      }),
    });
    const provisioningKey = (await prov.text()).replace(/"/g, '');
    const me = await json<{ id: number }>(api('/actor/v1/whoami', token));
    uuid = randomBytes(16).toString('hex');
    const registered = await api('/device/register', provisioningKey, {
      method: 'POST',
      body: JSON.stringify({ user: me.id, application: fleet.id, uuid, device_type: 'raspberrypi4-64' }),
    });
    expect(registered.status).toBe(201);
    deviceKey = (await json<{ api_key: string }>(registered)).api_key;
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await receiver.close();
    if (dist) rmSync(dist, { recursive: true, force: true });
  });
  afterEach(async () => {
    const errors = (watched?.errors ?? []).filter((e) => !expectedErrors.some((p) => p.test(e)));
    expectedErrors = [];
    await watched?.context.close();
    watched = undefined;
    expect(errors, 'browser console errors').toEqual([]);
  });

  const signIn = async (username = 'admin', password = ADMIN_PASSWORD): Promise<Page> => {
    watched = await openPage(browser, server.url);
    const page = watched.page;
    await page.goto('/');
    await page.getByLabel('Username or e-mail').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Fleets' }).waitFor();
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
    return page;
  };

  it('adds an endpoint, shows its secret once, and delivers a signed device event that the log lists', async () => {
    const page = await signIn();
    await page.getByRole('button', { name: 'Add your first endpoint' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add webhook endpoint' });
    const url = `${receiver.url}/hooks/mooring`;
    expect(await dialog.getByLabel('Organization', { exact: true }).inputValue()).toBe(String(adminOrg));
    await dialog.getByLabel('URL').fill(url);
    await dialog.getByLabel('Description (optional)').fill('ops alerts');
    await dialog.getByLabel('Only these events').check();
    // No type chosen: said before anything is sent.
    await dialog.getByRole('button', { name: 'Add endpoint' }).click();
    await eventually(() => dialog.getByRole('alert').textContent()).toContain('at least one event type');
    expect((await endpointsNow()).endpoints).toEqual([]);
    await dialog.getByLabel('device.online').check();
    await dialog.getByLabel('Only some fleets').check();
    await dialog.getByLabel('hooks-fleet').check();
    await dialog.getByRole('button', { name: 'Add endpoint' }).click();

    const reveal = page.getByRole('dialog', { name: 'Webhook endpoint created' });
    secret = await reveal.getByLabel('Signing secret').inputValue();
    publicKey = await reveal.getByLabel('Public key').inputValue();
    recordSecret('signing-secret', secret);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    expect(publicKey).toMatch(/^whpk_/);
    expect(await reveal.textContent()).toContain('only time it is shown');
    await screenshot(page, 'webhooks-01-created');
    await reveal.getByRole('button', { name: 'Done' }).click();

    const row = page.locator(`tr[data-webhook="${url}"]`);
    await row.waitFor();
    expect(await row.locator('[data-status]').getAttribute('data-status')).toBe('enabled');
    expect(await row.textContent()).toContain('Device online');
    expect(await row.textContent()).toContain('hooks-fleet');
    const [endpoint, ...others] = (await endpointsNow()).endpoints;
    expect(others).toEqual([]);
    expect(endpoint).toMatchObject({
      url,
      organization: adminOrg,
      description: 'ops alerts',
      types: ['device.online'],
      fleets: [fleet.id],
      enabled: true,
      publicKey,
    });
    endpointId = endpoint?.id ?? 0;
    // The secret is never listed again, nor logged.
    expect(JSON.stringify(endpoint)).not.toContain(secret);
    expect(await page.locator('main').textContent()).not.toContain(secret);

    // The device polls: online → device.online, POSTed to the receiver and signed with that secret.
    expect(await heartbeatState()).toBe('unknown');
    await heartbeat();
    await eventually(() => receiver.received.length).toBe(1);
    const got = receiver.received[0];
    if (!got) throw new Error('no delivery');
    expect(got.path).toBe('/hooks/mooring');
    const event = await verifyWebhook<{ type: string; deviceUuid: string; status: string }>(
      got.headers,
      got.body,
      secret,
      { now: clock.now() },
    );
    expect(event.type).toBe('device.online');
    expect(event.data).toMatchObject({ type: 'device.online', deviceUuid: uuid, status: 'online' });
    await expect(
      verifyWebhook(got.headers, got.body, publicKey, { now: clock.now() }),
    ).resolves.toMatchObject({ webhookId: event.webhookId });
    await expect(
      verifyWebhook(got.headers, got.body.replace('online', 'offline'), secret, { now: clock.now() }),
    ).rejects.toMatchObject({ reason: 'signature' });
    expect(server.logs.text()).not.toContain(secret);

    // The delivery log lists it as delivered, with the receiver's answer.
    await row.getByRole('button', { name: 'Deliveries to ops alerts' }).click();
    const log = page.getByRole('dialog', { name: 'Deliveries' });
    const delivered = log.locator(`tr[data-webhook-id="${event.webhookId}"]`);
    await eventually(() => delivered.getAttribute('data-state')).toBe('delivered');
    expect(await delivered.getAttribute('data-event-type')).toBe('device.online');
    expect(await delivered.locator('[data-last-answer]').textContent()).toBe('HTTP 200');
    expect(await delivered.locator('td[data-label="Attempts"] summary').textContent()).toBe('1');
    expect(await delivered.getByRole('button', { name: /^Redeliver/ }).count()).toBe(0);
    await screenshot(page, 'webhooks-02-delivered');
  });

  it('lists a delivery that failed for good, and redelivers it once the receiver recovers', async () => {
    expect(endpointId).toBeGreaterThan(0);
    // Offline first (the sweep, once the clock is past the device's due time), then online again.
    clock.offset += 10_000;
    await eventually(heartbeatState).toBe('offline');
    receiver.status = 500;
    const before = receiver.received.length;
    await heartbeat();
    await eventually(() => receiver.received.length).toBe(before + 1);
    const webhookId = String(receiver.received[before]?.headers['webhook-id']);
    expect(webhookId).toMatch(/^msg_\d+$/);

    const page = await signIn();
    const row = page.locator(`tr[data-webhook="${receiver.url}/hooks/mooring"]`);
    await row.getByRole('button', { name: 'Deliveries to ops alerts' }).click();
    const log = page.getByRole('dialog', { name: 'Deliveries' });
    const failing = log.locator(`tr[data-webhook-id="${webhookId}"]`);
    await eventually(() => failing.getAttribute('data-state')).toBe('retrying');
    expect(await failing.locator('[data-last-answer]').textContent()).toBe('HTTP 500');
    expect(await failing.getByRole('button', { name: /^Redeliver/ }).count()).toBe(0);

    // Every retry of the schedule (5 s … 10 h) answered 500: after 13 attempts it has failed.
    for (let i = 0; i < 20; i++) {
      await server.app.webhooks.dispatcher.settle();
      const [d] = await deliveriesOf(webhookId);
      if (d?.status !== 'pending' || d.nextAttemptAt === null) break;
      clock.offset = Math.max(clock.offset, Date.parse(d.nextAttemptAt) - Date.now() + 100);
    }
    const [given] = await deliveriesOf(webhookId);
    expect(given).toMatchObject({ status: 'failed', attempts: 13, lastStatus: 500 });
    expect(receiver.withId(webhookId)).toHaveLength(13);
    await eventually(() => failing.getAttribute('data-state')).toBe('failed');
    expect(await failing.locator('[data-status]').textContent()).toBe('Failed');
    expect(await failing.locator('td[data-label="Attempts"] summary').textContent()).toBe('13');
    await failing.locator('td[data-label="Attempts"] summary').click();
    expect(await failing.locator('li[data-attempt]').count()).toBe(13);
    expect(await failing.locator('li[data-attempt="13"]').textContent()).toContain('HTTP 500');
    expect(await failing.locator('li[data-attempt="13"] pre').textContent()).toBe('answer 500');
    await screenshot(page, 'webhooks-03-failed');

    // The endpoint is failing; the receiver recovers; Redeliver sends the event again, same webhook-id.
    await log.getByRole('button', { name: 'Close', exact: true }).click();
    await eventually(() => row.locator('[data-health]').textContent()).toContain('Failing since');
    receiver.status = 200;
    await row.getByRole('button', { name: 'Deliveries to ops alerts' }).click();
    await failing.getByRole('button', { name: `Redeliver device.online ${webhookId}` }).click();
    await eventually(() => receiver.withId(webhookId).length).toBe(14);
    const again = receiver.withId(webhookId)[13];
    if (!again) throw new Error('no redelivery');
    const redelivered = await verifyWebhook(again.headers, again.body, secret, { now: clock.now() });
    expect(redelivered).toMatchObject({ webhookId, type: 'device.online' });
    expect(await log.locator('[data-delivery-message]').textContent()).toContain('queued again');
    const rows = log.locator(`tr[data-webhook-id="${webhookId}"]`);
    await eventually(() => rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-state')))).toEqual(
      ['delivered', 'failed'],
    );
    expect((await deliveriesOf(webhookId)).map((d) => [d.status, d.attempts, d.lastStatus])).toEqual([
      ['delivered', 1, 200],
      ['failed', 13, 500],
    ]);
    await screenshot(page, 'webhooks-04-redelivered');
    await log.getByRole('button', { name: 'Close', exact: true }).click();
    await eventually(() => row.locator('[data-health]').count()).toBe(0);
  });

  it('sends a test event, rotates the secret, edits, disables and enables, then deletes the endpoint', async () => {
    expect(endpointId).toBeGreaterThan(0);
    const page = await signIn();
    let row = page.locator(`tr[data-webhook="${receiver.url}/hooks/mooring"]`);

    // A test event, signed with the secret shown at creation.
    const sendTest = async (): Promise<Received> => {
      const before = receiver.received.length;
      await row.getByRole('button', { name: /^Deliveries to / }).click();
      const log = page.getByRole('dialog', { name: 'Deliveries' });
      await log.getByRole('button', { name: 'Send test event' }).click();
      await eventually(() => receiver.received.length).toBe(before + 1);
      const test = receiver.received[before];
      if (!test) throw new Error('no test event');
      const id = String(test.headers['webhook-id']);
      expect(id).toMatch(/^msg_test_/);
      expect(await log.locator('[data-delivery-message]').textContent()).toContain(id);
      await eventually(() => log.locator(`tr[data-webhook-id="${id}"]`).getAttribute('data-state')).toBe(
        'delivered',
      );
      await log.getByRole('button', { name: 'Close', exact: true }).click();
      return test;
    };
    const first = await sendTest();
    await expect(
      verifyWebhook(first.headers, first.body, secret, { now: clock.now() }),
    ).resolves.toMatchObject({
      type: 'webhook.test',
    });

    // Rotation without a grace period: the new secret verifies, the old one no longer does.
    await row.getByRole('button', { name: 'Rotate the secret of ops alerts' }).click();
    const rotate = page.getByRole('dialog', { name: 'Rotate signing secret' });
    await rotate.getByLabel('Grace period for the old secret').selectOption('0');
    await rotate.getByRole('button', { name: 'Rotate secret' }).click();
    const rotated = page.getByRole('dialog', { name: 'Signing secret rotated' });
    const fresh = await rotated.getByLabel('New signing secret').inputValue();
    recordSecret('signing-secret', fresh);
    expect(fresh).toMatch(/^whsec_/);
    expect(fresh).not.toBe(secret);
    await rotated.getByRole('button', { name: 'Done' }).click();
    const second = await sendTest();
    await expect(
      verifyWebhook(second.headers, second.body, fresh, { now: clock.now() }),
    ).resolves.toMatchObject({
      type: 'webhook.test',
    });
    await expect(
      verifyWebhook(second.headers, second.body, secret, { now: clock.now() }),
    ).rejects.toMatchObject({
      reason: 'signature',
    });

    // Edit: a new URL and description; the next test event goes there.
    await row.getByRole('button', { name: 'Edit ops alerts' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit webhook endpoint' });
    expect(await edit.getByLabel('device.online').isChecked()).toBe(true);
    expect(await edit.getByLabel('hooks-fleet').isChecked()).toBe(true);
    expect(await edit.getByLabel('Public key').inputValue()).toBe(publicKey);
    const url = `${receiver.url}/hooks/v2`;
    await edit.getByLabel('URL').fill(url);
    await edit.getByLabel('Description (optional)').fill('ops pager');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    row = page.locator(`tr[data-webhook="${url}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('ops pager');
    expect((await endpointsNow()).endpoints).toEqual([
      expect.objectContaining({ id: endpointId, url, description: 'ops pager', types: ['device.online'] }),
    ]);
    expect((await sendTest()).path).toBe('/hooks/v2');

    // Disable (said what it means), then enable.
    await row.getByRole('button', { name: 'Disable ops pager' }).click();
    const disable = page.getByRole('dialog', { name: 'Disable endpoint?' });
    expect(await disable.textContent()).toContain('not sent unless you redeliver them');
    await disable.getByRole('button', { name: 'Disable endpoint' }).click();
    await eventually(() => row.locator('[data-status]').getAttribute('data-status')).toBe('disabled');
    expect((await endpointsNow()).endpoints[0]).toMatchObject({ enabled: false, disabledReason: 'manual' });
    await row.getByRole('button', { name: 'Deliveries to ops pager' }).click();
    const log = page.getByRole('dialog', { name: 'Deliveries' });
    expect(await log.getByRole('button', { name: 'Send test event' }).isDisabled()).toBe(true);
    await log.getByRole('button', { name: 'Close', exact: true }).click();
    await screenshot(page, 'webhooks-05-disabled');
    await row.getByRole('button', { name: 'Enable ops pager' }).click();
    await eventually(() => row.locator('[data-status]').getAttribute('data-status')).toBe('enabled');
    expect((await endpointsNow()).endpoints[0]).toMatchObject({ enabled: true });

    // Delete: gone from the page and the API; the empty state offers the next step again.
    await row.getByRole('button', { name: 'Delete ops pager' }).click();
    await page
      .getByRole('dialog', { name: 'Delete endpoint?' })
      .getByRole('button', { name: 'Delete endpoint' })
      .click();
    await eventually(() => row.count()).toBe(0);
    await page.getByRole('button', { name: 'Add your first endpoint' }).waitFor();
    expect((await endpointsNow()).endpoints).toEqual([]);
    expect((await api(`/mooring/v1/webhooks/${endpointId}`, token)).status).toBe(404);
  });

  it('fits a 390 px phone: one row of six navigation items, endpoints and deliveries as cards', async () => {
    for (const body of [
      { url: `${receiver.url}/phone/a`, description: 'alerts' },
      {
        url: `${receiver.url}/phone/a-much-longer-path/that/still/has/to/wrap/on/a/phone`,
        types: ['device.offline', 'device.online', 'api_key.expiring'],
        enabled: false,
      },
    ]) {
      const res = await api('/mooring/v1/webhooks', token, {
        method: 'POST',
        body: JSON.stringify({ organization: adminOrg, ...body }),
      });
      expect(res.status).toBe(201);
      recordSecret('signing-secret', (await json<{ secret: string }>(res)).secret);
    }
    const page = await signIn();
    await page.locator('tr[data-webhook]').nth(1).waitFor();
    await screenshot(page, 'webhooks-06-list');

    await page.setViewportSize({ width: 390, height: 844 });
    const tops = await page
      .locator('.topbar nav li')
      .evaluateAll((items) => items.map((li) => Math.round(li.getBoundingClientRect().top)));
    expect(tops).toHaveLength(6);
    expect(new Set(tops).size).toBe(1);
    const nav = await page.locator('.topbar nav').boundingBox();
    const item = await page.locator('.topbar nav li').first().boundingBox();
    expect(nav && item && Math.round(nav.height)).toBe(item && Math.round(item.height));
    expect(await page.getByRole('link', { name: 'Webhooks' }).getAttribute('aria-current')).toBe('page');
    expect(await page.locator('table.cards thead').isVisible()).toBe(false);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    for (const button of await page.locator('tr[data-webhook] button').all()) {
      const box = await button.boundingBox();
      expect(box && box.x + box.width).toBeLessThanOrEqual(390);
    }
    await screenshot(page, 'webhooks-07-phone');

    await page.getByRole('button', { name: 'Deliveries to alerts' }).click();
    const log = page.getByRole('dialog', { name: 'Deliveries' });
    await log.getByRole('button', { name: 'Send test event' }).click();
    await eventually(() => log.locator('tr[data-state="delivered"]').count()).toBe(1);
    expect(await log.locator('table.cards thead').isVisible()).toBe(false);
    const box = await log.boundingBox();
    expect(box && box.x + box.width).toBeLessThanOrEqual(390);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, 'webhooks-08-phone-deliveries');
  });

  it('tells a member who administers no organization why there is nothing to manage; an organization administrator gets only their organization', async () => {
    const org = await json<{ id: number }>(
      api('/mooring/v1/organizations', token, {
        method: 'POST',
        body: JSON.stringify({ name: 'Harbour', handle: 'harbour' }),
      }),
    );
    const password = 'member password long enough';
    for (const [username, role] of [
      ['max', 'member'],
      ['olga', 'administrator'],
    ] as const) {
      const user = await json<{ id: number }>(
        api('/mooring/v1/users', token, { method: 'POST', body: JSON.stringify({ username, password }) }),
      );
      const res = await api(`/mooring/v1/organizations/${org.id}/members/${user.id}`, token, {
        method: 'PUT',
        body: JSON.stringify({ role }),
      });
      expect(res.status).toBe(204);
    }

    // Neither is an instance administrator: the page asks for the instance's organizations first.
    expectedErrors = [refused(403)];
    const page = await signIn('max', password);
    const explanation = page.locator('[data-no-organizations]');
    await explanation.waitFor();
    expect(await explanation.textContent()).toContain('you are not an administrator of any organization');
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(await page.getByRole('button', { name: /endpoint/ }).count()).toBe(0);
    expect(await page.locator('main').textContent()).not.toMatch(/403|Forbidden|Not allowed/);
    await screenshot(page, 'webhooks-09-not-an-administrator');
    await watched?.context.close();
    expect((watched?.errors ?? []).filter((e) => !expectedErrors.some((p) => p.test(e)))).toEqual([]);

    const olga = await signIn('olga', password);
    // The admin organization's endpoints are not hers; Harbour is the one she can choose.
    await olga.getByRole('button', { name: 'Add your first endpoint' }).click();
    const dialog = olga.getByRole('dialog', { name: 'Add webhook endpoint' });
    expect(
      await dialog
        .getByLabel('Organization')
        .locator('option')
        .evaluateAll((options) => options.map((o) => o.textContent)),
    ).toEqual(['Harbour']);
    await dialog.getByLabel('URL').fill(`${receiver.url}/harbour`);
    await dialog.getByRole('button', { name: 'Add endpoint' }).click();
    const reveal = olga.getByRole('dialog', { name: 'Webhook endpoint created' });
    recordSecret('signing-secret', await reveal.getByLabel('Signing secret').inputValue());
    await reveal.getByRole('button', { name: 'Done' }).click();
    await olga.locator(`tr[data-webhook="${receiver.url}/harbour"]`).waitFor();
    expect(await olga.locator('tr[data-webhook]').count()).toBe(1);
    expect(
      (await endpointsNow()).endpoints.find((e) => e.url === `${receiver.url}/harbour`)?.organization,
    ).toBe(org.id);
  });
});

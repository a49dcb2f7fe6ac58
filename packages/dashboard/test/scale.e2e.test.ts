import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  chromiumAvailable,
  launchChromium,
  openPage,
  SCREENSHOTS,
  screenshot,
  type WatchedPage,
} from './support/browser.js';
import { buildDashboard } from './support/build.js';
import { type SeededFleet, seedDevices } from './support/seed.js';
import { ADMIN_PASSWORD, type RunningServer, startServer } from './support/server.js';

// Issue 23's goals for a fleet of 10,000 devices: opens in < 1 s, < 5 KB/s while nothing changes.
const DEVICES = 10_000;
const OPEN_BUDGET_MS = 1_000;
const IDLE_BUDGET_BYTES_PER_S = 5 * 1024;
const IDLE_WINDOW_MS = 10_000;
/** The list re-reads its page and counts once a minute (DeviceList REFRESH_MS). */
const REFRESH_S = 60;

function eventually<T>(read: () => T | Promise<T>, options: { timeout?: number; interval?: number } = {}) {
  return expect.poll(read, { timeout: 10_000, interval: 100, ...options });
}

/** Bytes the page receives (bodies as sent, plus headers), counted by Chromium (CDP Network events). */
class TrafficMeter {
  bytes = 0;
  requests: string[] = [];
  largest = 0;

  static async attach(page: Page): Promise<TrafficMeter> {
    const cdp = await page.context().newCDPSession(page);
    const meter = new TrafficMeter();
    await cdp.send('Network.enable');
    cdp.on('Network.requestWillBeSent', (e) => meter.requests.push(e.request.url));
    cdp.on('Network.dataReceived', (e) => {
      meter.bytes += Math.max(e.encodedDataLength, 0) || e.dataLength;
    });
    cdp.on('Network.loadingFinished', (e) => {
      meter.largest = Math.max(meter.largest, e.encodedDataLength);
    });
    return meter;
  }

  reset(): void {
    this.bytes = 0;
    this.requests = [];
    this.largest = 0;
  }
}

const hasBrowser = chromiumAvailable();

describe.skipIf(!hasBrowser)('dashboard with 10,000 devices', { timeout: 180_000 }, () => {
  let dist: string;
  let server: RunningServer;
  let browser: Browser;
  let seeded: SeededFleet;
  let token: string;
  let watched: WatchedPage | undefined;

  const api = (path: string, credential: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${server.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json', ...init.headers },
    });

  beforeAll(async () => {
    dist = await buildDashboard();
    server = await startServer(dist);
    browser = await launchChromium();
    const login = await fetch(`${server.url}/login_`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    token = await login.text();
    const org = (await (await api('/v7/organization?$select=id', token)).json()) as { d: { id: number }[] };
    const type = (await (
      await api("/v7/device_type?$select=id&$filter=slug eq 'raspberrypi4-64'", token)
    ).json()) as { d: { id: number }[] };
    const created = await api('/v7/application', token, {
      method: 'POST',
      body: JSON.stringify({
        app_name: 'big-fleet',
        organization: org.d[0]?.id,
        is_for__device_type: type.d[0]?.id,
      }),
    });
    expect(created.status).toBe(201);
    const fleetId = ((await created.json()) as { id: number }).id;
    seeded = await seedDevices(server.database, fleetId, DEVICES);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dist) rmSync(dist, { recursive: true, force: true });
  });
  afterEach(async () => {
    const errors = watched?.errors ?? [];
    await watched?.context.close();
    watched = undefined;
    expect(errors, 'browser console errors').toEqual([]);
  });

  const signedIn = async (): Promise<Page> => {
    watched = await openPage(browser, server.url);
    const page = watched.page;
    await page.goto('/');
    await page.getByLabel('Username or e-mail').fill('admin');
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Fleets' }).waitFor();
    return page;
  };

  const count = (page: Page, state: string) =>
    page.locator(`[data-health="${state}"] .health-count`).textContent();

  it('opens the fleet in under a second, worst first, and costs under 5 KB/s while idle', async () => {
    const page = await signedIn();
    const meter = await TrafficMeter.attach(page);

    // Opening the fleet page (the app, the fleet, its first page and health counts, the stream): the
    // best of three, so that another test hogging the two cores does not decide the figure.
    const opens: number[] = [];
    for (let i = 0; i < 3; i++) {
      if (i > 0) await page.goto('/fleets');
      meter.reset();
      const started = performance.now();
      await page.goto(`/fleets/${seeded.fleetId}`);
      await page.locator('tr[data-device]').first().waitFor();
      await eventually(() => count(page, 'offline')).toBe('500');
      opens.push(performance.now() - started);
    }
    const openMs = Math.min(...opens);
    const openBytes = meter.bytes;
    // Worst first: the first page is all offline devices, in red, never the grey of "never seen".
    const firstStatuses = await page
      .locator('tr[data-device] [data-status]')
      .evaluateAll((els) => els.map((el) => el.getAttribute('data-status')));
    expect(firstStatuses).toHaveLength(50);
    expect(new Set(firstStatuses)).toEqual(new Set(['offline']));
    const colours = await page.evaluate(() => {
      const style = (selector: string) => {
        const el = document.createElement('span');
        el.className = `badge badge-${selector}`;
        document.body.append(el);
        const colour = getComputedStyle(el).backgroundColor;
        el.remove();
        return colour;
      };
      return { offline: style('offline'), unknown: style('unknown') };
    });
    expect(colours.offline).not.toBe(colours.unknown);
    expect(await count(page, 'online')).toBe('8,500');
    expect(await page.locator('.pager').textContent()).toContain('1–50 of 10,000');
    await screenshot(page, 'scale-01-fleet-10000');

    // Idle: nothing changes for 10 s; only the event stream's keep-alives may arrive.
    meter.reset();
    await page.waitForTimeout(IDLE_WINDOW_MS);
    const idleBytesPerS = meter.bytes / (IDLE_WINDOW_MS / 1000);
    // The once-a-minute refresh of the page and counts, spread over its minute.
    meter.reset();
    await page.getByLabel('Sort').selectOption('name');
    await eventually(() => page.locator('tr[data-device] a').first().textContent()).toBe('dev-00000');
    await page.waitForTimeout(500);
    const refreshBytes = meter.bytes;
    const amortised = idleBytesPerS + refreshBytes / REFRESH_S;
    process.stdout.write(
      `scale: open ${opens.map(Math.round).join('/')} ms (${openBytes} B incl. app), idle ${idleBytesPerS.toFixed(1)} B/s, ` +
        `page refresh ${refreshBytes} B per ${REFRESH_S} s → ${amortised.toFixed(0)} B/s, largest response ${meter.largest} B\n`,
    );
    expect(openMs).toBeLessThan(OPEN_BUDGET_MS);
    expect(amortised).toBeLessThan(IDLE_BUDGET_BYTES_PER_S);
    // Never the whole fleet: every device read is one page.
    expect(
      meter.requests
        .filter((u) => /\/v7\/device\?/.test(u))
        .every((u) => u.includes('%24top=50') || u.includes('$top=50')),
    ).toBe(true);

    // Paging and search by name and by uuid prefix, on the server.
    await page.getByRole('button', { name: 'Next' }).click();
    await eventually(() => page.locator('.pager').textContent()).toContain('51–100 of 10,000');
    await eventually(() => page.locator('tr[data-device] a').first().textContent()).toBe('dev-00050');
    await page.getByLabel('Search').fill('dev-0999');
    await eventually(() => page.locator('tr[data-device]').count()).toBe(10);
    await page.getByLabel('Search').fill(seeded.offlineUuid.slice(0, 10));
    await eventually(() => page.locator('tr[data-device]').count()).toBe(1);
    expect(await page.locator(`tr[data-device="${seeded.offlineUuid}"] a`).first().textContent()).toBe(
      'dev-00007',
    );
    await page.getByLabel('Search').fill('no-such-device');
    await page.getByText('No device matches').waitFor();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await eventually(() => page.locator('tr[data-device]').count()).toBe(50);
  });

  it('applies live events: a device registers and comes online without a reload', async () => {
    const page = await signedIn();
    await page.goto(`/fleets/${seeded.fleetId}`);
    await eventually(() => count(page, 'unknown')).toBe('500');
    await page.evaluate(() => {
      (window as unknown as { e2eMarker: number }).e2eMarker = 1;
    });

    const prov = await api('/api-key/v2/', token, {
      method: 'POST',
      body: JSON.stringify({
        actorType: 'application',
        actorTypeId: seeded.fleetId,
        roles: ['provisioning-api-key'],
        name: 'scale-test',
        expiryDate: null,
      }),
    });
    expect(prov.status).toBe(200);
    const provisioningKey = (await prov.text()).replace(/"/g, '');
    const whoami = (await (await api('/actor/v1/whoami', token)).json()) as { id: number };
    const uuid = randomBytes(16).toString('hex');
    const registered = await api('/device/register', provisioningKey, {
      method: 'POST',
      body: JSON.stringify({
        user: whoami.id,
        application: seeded.fleetId,
        uuid,
        device_type: 'raspberrypi4-64',
      }),
    });
    expect(registered.status).toBe(201);
    const deviceKey = ((await registered.json()) as { api_key: string }).api_key;
    await eventually(() => count(page, 'unknown')).toBe('501');

    await page.getByLabel('Search').fill(uuid.slice(0, 12));
    const badge = page.locator(`tr[data-device="${uuid}"] [data-status]`);
    await eventually(() => badge.getAttribute('data-status')).toBe('unknown');
    const state = await api(`/device/v3/${uuid}/state`, deviceKey);
    expect(state.status).toBe(200);
    await eventually(() => badge.getAttribute('data-status')).toBe('online');
    await eventually(() => count(page, 'online')).toBe('8,501');
    // Without further polls it times out, then goes offline: the counts follow the stream.
    await eventually(() => badge.getAttribute('data-status'), { timeout: 20_000 }).toBe('offline');
    await eventually(() => count(page, 'offline')).toBe('501');
    expect(await page.evaluate(() => (window as unknown as { e2eMarker?: number }).e2eMarker)).toBe(1);
    await screenshot(page, 'scale-02-live');
  });

  it("draws a device's last 24 hours as a strip, on desktop and phone", async () => {
    // dev-00007 is offline now; give it a day of history straight in the database.
    const kysely = server.database.db.kysely;
    const device = await kysely
      .selectFrom('device')
      .select('id')
      .where('uuid', '=', seeded.offlineUuid)
      .executeTakeFirstOrThrow();
    const H = 3_600_000;
    const now = Date.now();
    const changes: [string, string, number][] = [
      ['unknown', 'online', now - 30 * H],
      ['online', 'timeout', now - 10 * H],
      ['timeout', 'offline', now - 10 * H + 15_000],
      ['offline', 'online', now - 8 * H],
      ['online', 'timeout', now - 1 * H],
      ['timeout', 'offline', now - 1 * H + 15_000],
    ];
    await kysely
      .insertInto('device_status_event')
      .values(changes.map(([from, to, at]) => ({ device: device.id, from_state: from, to_state: to, at })))
      .execute();

    const page = await signedIn();
    await page.goto(`/devices/${seeded.offlineUuid}`);
    const strip = page.locator('svg[data-uptime] rect');
    await eventually(() =>
      strip.evaluateAll((rects) => rects.map((r) => r.getAttribute('data-state'))),
    ).toEqual(['online', 'timeout', 'offline', 'online', 'timeout', 'offline']);
    // 21 of the 24 hours online (the window moves on while the page is open: 87.4 % or 87.5 %).
    expect(await page.locator('[data-uptime-summary]').textContent()).toMatch(
      /^Online 87\.[45]% of the last 24 hours, offline 2 h 5\d min, timed out 30 s\.$/,
    );
    const widths = await strip.evaluateAll((rects) => rects.map((r) => Number(r.getAttribute('width'))));
    expect(widths[0]).toBeCloseTo((14 / 24) * 1000, 0);
    await screenshot(page, 'scale-06-uptime');
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const box = await page.locator('svg[data-uptime]').boundingBox();
    expect(box && box.x + box.width).toBeLessThanOrEqual(390);
    expect(box?.width).toBeGreaterThan(300);
    await page.screenshot({ path: `${SCREENSHOTS}scale-07-uptime-phone.png` });
  });

  it('fits a 390 px phone: one row of navigation, cards instead of a table, nothing off-screen', async () => {
    const page = await signedIn();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`/fleets/${seeded.fleetId}`);
    await page.locator('tr[data-device]').first().waitFor();
    const tops = await page
      .locator('.topbar nav li')
      .evaluateAll((items) => items.map((li) => Math.round(li.getBoundingClientRect().top)));
    expect(tops.length).toBeGreaterThanOrEqual(5);
    expect(new Set(tops).size).toBe(1);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await page.locator('table.cards thead').isVisible()).toBe(false);
    // Each card names its fields; the accessible names of the links are the full labels.
    expect(await page.getByRole('link', { name: 'API keys' }).isVisible()).toBe(true);
    const signOut = await page.getByRole('button', { name: 'Sign out' }).boundingBox();
    expect(signOut && signOut.x + signOut.width).toBeLessThanOrEqual(390);
    const next = await page.getByRole('button', { name: 'Next' }).boundingBox();
    expect(next && next.x + next.width).toBeLessThanOrEqual(390);
    await screenshot(page, 'scale-03-phone');
    await page.goto('/devices');
    await page.locator('tr[data-device]').first().waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, 'scale-04-phone-devices');
    await page.goto('/fleets');
    await page.locator('tr[data-fleet="big-fleet"]').waitFor();
    expect(await page.locator('table.cards thead').isVisible()).toBe(false);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: `${SCREENSHOTS}scale-05-phone-fleets-viewport.png` });
  });
});

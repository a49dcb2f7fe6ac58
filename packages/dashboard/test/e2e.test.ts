import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  chromiumAvailable,
  launchChromium,
  openPage,
  screenshot,
  type WatchedPage,
} from './support/browser.js';
import { buildDashboard, gzippedSizes } from './support/build.js';
import { ADMIN_PASSWORD, type RunningServer, startServer } from './support/server.js';

const BUNDLE_BUDGET_BYTES = 300 * 1024;

/**
 * `expect.poll` with room for a loaded CI machine (the default gives up after 1 s): the UI is
 * allowed a few seconds to show what the API did, never a reload.
 */
function eventually<T>(read: () => T | Promise<T>, options: { timeout?: number; interval?: number } = {}) {
  return expect.poll(read, { timeout: 10_000, interval: 100, ...options });
}

/** A date input's value `days` from today, in this machine's time zone (the browser's too). */
function localDate(days: number): string {
  const date = new Date(Date.now() + days * 86_400_000);
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
}
const hasBrowser = chromiumAvailable();

let dist: string;
beforeAll(async () => {
  dist = await buildDashboard();
}, 120_000);
afterAll(() => {
  if (dist) rmSync(dist, { recursive: true, force: true });
});

describe('dashboard production build', () => {
  it('stays under 300 kB gzipped in total', () => {
    const sizes = gzippedSizes(dist);
    const total = [...sizes.values()].reduce((a, b) => a + b, 0);
    expect(sizes.has('index.html')).toBe(true);
    expect([...sizes.keys()].some((name) => /^assets\/index-[\w-]+\.js$/.test(name))).toBe(true);
    expect(total).toBeLessThan(BUNDLE_BUDGET_BYTES);
  });

  it('has no inline script or style, so the strict CSP holds', () => {
    const html = readFileSync(join(dist, 'index.html'), 'utf8');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style/);
    expect(html).not.toMatch(/\sstyle=/);
  });
});

// Each journey takes 10–25 s alone; the whole suite shares two CPUs with it.
describe.skipIf(!hasBrowser)('dashboard in headless Chromium', { timeout: 120_000 }, () => {
  let server: RunningServer;
  let browser: Browser;
  let watched: WatchedPage | undefined;

  beforeAll(async () => {
    server = await startServer(dist);
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  // Console errors a test provokes on purpose (Chromium logs every refused request), by pattern.
  let expectedErrors: RegExp[] = [];
  afterEach(async () => {
    const errors = (watched?.errors ?? []).filter((e) => !expectedErrors.some((pattern) => pattern.test(e)));
    expectedErrors = [];
    await watched?.context.close();
    watched = undefined;
    expect(errors, 'browser console errors').toEqual([]);
  });

  const open = async (): Promise<Page> => {
    watched = await openPage(browser, server.url);
    return watched.page;
  };

  const signIn = async (page: Page): Promise<void> => {
    await page.goto('/');
    await page.getByLabel('Username or e-mail').fill('admin');
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Fleets' }).waitFor();
  };

  const api = (path: string, token: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${server.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
    });

  it('signs in; creates, rotates and revokes keys whose revealed secrets work until the API refuses them', async () => {
    const page = await open();
    await page.goto('/');
    await page.getByRole('heading', { name: 'Sign in to Mooring' }).waitFor();
    await screenshot(page, '01-sign-in');
    await signIn(page);

    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('heading', { level: 1, name: 'API keys' }).waitFor();
    // Keyboard: the dialog opens from the button, Escape closes it and gives the focus back.
    const opener = page.getByRole('button', { name: 'Create API key' });
    await opener.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'Create API key' }).waitFor();
    await page.keyboard.press('Escape');
    await eventually(() => page.getByRole('dialog').count()).toBe(0);
    expect(await opener.evaluate((button) => button === document.activeElement)).toBe(true);

    await opener.click();
    const dialog = page.getByRole('dialog', { name: 'Create API key' });
    // Focus moves into the dialog, on its first field.
    await eventually(() => page.evaluate(() => document.activeElement?.id)).toBe('key-name');
    await dialog.getByLabel('Name').fill('e2e integration');
    await dialog.getByLabel('Description (optional)').fill('created by the browser test');
    await dialog.getByLabel('Read-only').check();
    await dialog.getByRole('button', { name: 'Create key' }).click();

    const reveal = page.getByRole('dialog', { name: 'API key created' });
    const secret = await reveal.getByLabel('Your new API key').inputValue();
    expect(secret).toMatch(/^mk_u_/);
    await eventually(() => reveal.textContent()).toContain('only time it is shown');
    await reveal.getByRole('button', { name: 'Copy' }).click();
    await eventually(() => reveal.textContent()).toContain('Copied to the clipboard.');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await screenshot(page, '02-key-created');
    await reveal.getByRole('button', { name: 'Done' }).click();

    // The key works against the API, with the limits chosen in the form.
    const whoami = await api('/actor/v1/whoami', secret);
    expect(whoami.status).toBe(200);
    expect(await whoami.json()).toMatchObject({ actorType: 'user', username: 'admin' });
    const write = await api('/v7/application', secret, {
      method: 'POST',
      body: JSON.stringify({ app_name: 'refused-fleet', organization: 1, is_for__device_type: 1 }),
    });
    expect(write.status).toBe(403);

    const row = page.locator('tr[data-key-name="e2e integration"]');
    await eventually(() => row.textContent()).toContain('read');
    expect(await row.textContent()).toContain('Never');
    await screenshot(page, '03-keys');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, '03-keys-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, '03-keys-phone');
    await page.setViewportSize({ width: 1280, height: 860 });

    // A key that expires tomorrow is marked; rotating it (1 hour grace) gives a working successor
    // while the old secret keeps working.
    await page.getByRole('button', { name: 'Create API key' }).click();
    const second = page.getByRole('dialog', { name: 'Create API key' });
    await second.getByLabel('Name').fill('e2e expiring');
    await second.getByLabel('Expires at the end of').check();
    await second.getByLabel('Expiry date').fill(localDate(1));
    await second.getByRole('button', { name: 'Create key' }).click();
    const expiringSecret = await page
      .getByRole('dialog', { name: 'API key created' })
      .getByLabel('Your new API key')
      .inputValue();
    await page.getByRole('button', { name: 'Done' }).click();
    const expiring = page.locator('tr[data-key-name="e2e expiring"]');
    await eventually(() => expiring.locator('[data-status]').getAttribute('data-status')).toBe(
      'expiring-soon',
    );
    await expiring.getByRole('button', { name: 'Rotate e2e expiring' }).click();
    const rotate = page.getByRole('dialog', { name: 'Rotate e2e expiring' });
    await rotate.getByLabel('Grace period for the old key').selectOption('3600');
    await rotate.getByRole('button', { name: 'Rotate key' }).click();
    const successor = await page
      .getByRole('dialog', { name: 'Key rotated' })
      .getByLabel('Your new API key')
      .inputValue();
    await page.getByRole('button', { name: 'Done' }).click();
    expect(successor).not.toBe(expiringSecret);
    expect((await api('/actor/v1/whoami', successor)).status).toBe(200);
    expect((await api('/actor/v1/whoami', expiringSecret)).status).toBe(200);

    await row.getByRole('button', { name: 'Revoke e2e integration' }).click();
    const confirm = page.getByRole('dialog', { name: 'Revoke API key?' });
    await confirm.getByRole('button', { name: 'Revoke key' }).click();
    await eventually(() => row.count()).toBe(0);
    // Focus went back to the page when the dialog closed, not to a detached button.
    expect(await page.evaluate(() => document.activeElement !== document.body)).toBe(true);
    expect((await api('/actor/v1/whoami', secret)).status).toBe(401);

    // Sign out: back to the sign-in page, and the session is gone after a reload.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Mooring' }).waitFor();
    expect(await page.getByRole('status').textContent()).toContain('You are signed out.');
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in to Mooring' }).waitFor();
  });

  it('creates a fleet and a provisioning key, shows a device go online then offline live, manages variables and keys, logs out everywhere', async () => {
    const page = await open();
    await signIn(page);
    await page.getByRole('button', { name: 'Create fleet' }).click();
    const create = page.getByRole('dialog', { name: 'Create fleet' });
    await create.getByLabel('Name').fill('e2e-fleet');
    await create.getByLabel('Default device type').selectOption('raspberrypi4-64');
    await create.getByRole('button', { name: 'Create fleet' }).click();
    await page.getByRole('heading', { level: 1, name: 'e2e-fleet' }).waitFor();
    const fleetId = Number(new URL(page.url()).pathname.split('/').pop());
    expect(fleetId).toBeGreaterThan(0);

    await page.getByRole('button', { name: 'Create provisioning key' }).click();
    const prov = page.getByRole('dialog', { name: 'Create provisioning key' });
    await prov.getByRole('button', { name: 'Create provisioning key' }).click();
    const shown = page.getByRole('dialog', { name: 'Provisioning key created' });
    const provisioningKey = await shown.getByLabel('Provisioning key').inputValue();
    expect(provisioningKey).toMatch(/^mk_p_/);
    const example = (await shown.locator('pre').textContent()) ?? '';
    expect(example).toContain(`${server.url}/device/register`);
    expect(example).toContain(provisioningKey);
    expect(example).toContain(`"application": ${fleetId}`);
    await screenshot(page, '04-provisioning-key');
    await shown.getByRole('button', { name: 'Done' }).click();

    // A device registers as the example says, with the user id the example names.
    const userId = Number(/"user": (\d+)/.exec(example)?.[1]);
    const uuid = randomBytes(16).toString('hex');
    const registered = await api('/device/register', provisioningKey, {
      method: 'POST',
      body: JSON.stringify({ user: userId, application: fleetId, uuid, device_type: 'raspberrypi4-64' }),
    });
    expect(registered.status).toBe(201);
    const deviceKey = ((await registered.json()) as { api_key: string }).api_key;

    // Marks this document: a reload would lose it, so the table must update in place.
    await page.evaluate(() => {
      (window as unknown as { e2eMarker: number }).e2eMarker = 1;
    });
    const badge = page.locator(`tr[data-device="${uuid}"] [data-status]`);
    await eventually(() => badge.getAttribute('data-status'), { timeout: 10_000 }).toBe('unknown');

    let polling = true;
    const heartbeats = (async () => {
      while (polling) {
        const res = await api(`/device/v3/${uuid}/state`, deviceKey);
        expect(res.status).toBe(200);
        await res.arrayBuffer();
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    })();
    try {
      await eventually(() => badge.getAttribute('data-status'), { timeout: 10_000, interval: 250 }).toBe(
        'online',
      );
    } finally {
      polling = false;
      await heartbeats;
    }
    await screenshot(page, '05-fleet-device-online');
    await eventually(() => badge.getAttribute('data-status'), { timeout: 20_000, interval: 250 }).toBe(
      'offline',
    );
    expect(await page.evaluate(() => (window as unknown as { e2eMarker?: number }).e2eMarker)).toBe(1);

    // The filter narrows the table to the chosen status.
    await page.getByLabel('Status').selectOption('online');
    await eventually(() => badge.count()).toBe(0);
    await page.getByLabel('Status').selectOption('offline');
    await eventually(() => badge.count()).toBe(1);

    // All devices, across fleets: the same device, its fleet linked.
    await page.getByRole('link', { name: 'Devices', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Devices' }).waitFor();
    const everywhere = page.locator(`tr[data-device="${uuid}"]`);
    await eventually(() => everywhere.locator('[data-status]').getAttribute('data-status')).toBe('offline');
    await everywhere.getByRole('link', { name: 'e2e-fleet' }).click();
    await page.getByRole('heading', { level: 1, name: 'e2e-fleet' }).waitFor();

    // A fleet environment variable, set in the UI, is what the API holds.
    await page.getByLabel('Name', { exact: true }).fill('E2E_MODE');
    await page.getByLabel('Value', { exact: true }).fill('browser');
    await page.getByRole('button', { name: 'Add variable' }).click();
    await eventually(() => page.locator('tr[data-env="E2E_MODE"]').textContent()).toContain('browser');
    const login = await fetch(`${server.url}/login_`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    const token = await login.text();
    const vars = await api(`/v7/application_environment_variable?$filter=application eq ${fleetId}`, token);
    expect(((await vars.json()) as { d: { name: string; value: string }[] }).d).toEqual([
      expect.objectContaining({ name: 'E2E_MODE', value: 'browser' }),
    ]);
    await screenshot(page, '06-fleet');

    // The device page: status history of what just happened.
    await page.locator(`tr[data-device="${uuid}"] a`).click();
    await page.getByRole('heading', { name: 'Status history' }).waitFor();
    await eventually(() => page.locator('.timeline li').count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(
      2,
    );
    // The last 24 hours as one strip: never seen until registered, then online, timed out, offline.
    const strip = page.locator('svg[data-uptime] rect');
    await eventually(() =>
      strip.evaluateAll((rects) => rects.map((r) => r.getAttribute('data-state'))),
    ).toEqual(['unknown', 'online', 'timeout', 'offline']);
    expect(await page.locator('[data-uptime-summary]').textContent()).toMatch(
      /^Online \d+(\.\d)?% of the time seen in the last 24 hours, offline \d+ (s|min( \d+ s)?), timed out \d+ s\.$/,
    );
    const widths = await strip.evaluateAll((rects) => rects.map((r) => Number(r.getAttribute('width'))));
    expect(widths[0]).toBeGreaterThan(990); // a day of "never seen" against seconds of history
    await screenshot(page, '07-device');

    // Device variables: override the fleet's, edit, delete (the fleet's value shows again).
    const own = page.locator('tr[data-env="E2E_MODE"]');
    const inherited = page.locator('tr.inherited');
    await eventually(() => inherited.textContent()).toContain('browser');
    await page.getByLabel('Name', { exact: true }).fill('E2E_MODE');
    await page.getByLabel('Value', { exact: true }).fill('device');
    await page.getByRole('button', { name: 'Add variable' }).click();
    await eventually(() => own.textContent()).toContain('device');
    expect(await inherited.count()).toBe(0);
    await page.getByRole('button', { name: 'Edit E2E_MODE' }).click();
    await page.getByLabel('New value of E2E_MODE').fill('edited');
    await page.getByRole('button', { name: 'Save' }).click();
    await eventually(() => own.textContent()).toContain('edited');
    const deviceVars = await api(`/v7/device_environment_variable?$filter=device/uuid eq '${uuid}'`, token);
    expect(((await deviceVars.json()) as { d: { name: string; value: string }[] }).d).toEqual([
      expect.objectContaining({ name: 'E2E_MODE', value: 'edited' }),
    ]);
    await page.getByRole('button', { name: 'Delete E2E_MODE' }).click();
    await eventually(() => own.count()).toBe(0);
    await eventually(() => inherited.textContent()).toContain('browser');

    // A new device key, shown once, authenticates as the device.
    await page.getByRole('button', { name: 'Generate device key' }).click();
    const keyDialog = page.getByRole('dialog', { name: 'Generate device key' });
    await keyDialog.getByRole('button', { name: 'Generate key' }).click();
    const newDeviceKey = await keyDialog.getByLabel('Device key').inputValue();
    expect(newDeviceKey).toMatch(/^mk_d_/);
    await keyDialog.getByRole('button', { name: 'Done' }).click();
    const asDevice = await api('/actor/v1/whoami', newDeviceKey);
    expect(await asDevice.json()).toMatchObject({ actorType: 'device', uuid });

    // Limits chosen in the form hold at the API: a key restricted to e2e-fleet does not see another
    // fleet, and a key that requires signatures is refused as a plain bearer token.
    const orgs = (await (await api('/v7/organization?$select=id', token)).json()) as { d: { id: number }[] };
    const types = (await (
      await api("/v7/device_type?$select=id&$filter=slug eq 'raspberrypi4-64'", token)
    ).json()) as { d: { id: number }[] };
    const otherFleet = await api('/v7/application', token, {
      method: 'POST',
      body: JSON.stringify({
        app_name: 'other-fleet',
        organization: orgs.d[0]?.id,
        is_for__device_type: types.d[0]?.id,
      }),
    });
    expect(otherFleet.status).toBe(201);
    await page.getByRole('link', { name: 'API keys' }).click();
    const createKey = async (
      name: string,
      configure: (dialog: ReturnType<Page['getByRole']>) => Promise<void>,
    ) => {
      await page.getByRole('button', { name: 'Create API key' }).click();
      const dialog = page.getByRole('dialog', { name: 'Create API key' });
      await dialog.getByLabel('Name').fill(name);
      await configure(dialog);
      await dialog.getByRole('button', { name: 'Create key' }).click();
      const created = page.getByRole('dialog', { name: 'API key created' });
      // A key that requires signatures is not shown: it cannot be used alone (flows.e2e.test.ts).
      await created.locator('input[data-secret]').first().waitFor();
      const plain = created.getByLabel('Your new API key');
      const key = (await plain.count()) > 0 ? await plain.inputValue() : undefined;
      const signing = created.getByLabel('Signing secret (HMAC-SHA256)');
      const signingSecret = (await signing.count()) > 0 ? await signing.inputValue() : undefined;
      await created.getByRole('button', { name: 'Done' }).click();
      return { key, signingSecret };
    };
    const fleetOnly = await createKey('fleet-only', async (dialog) => {
      await dialog.getByLabel('Only some fleets').check();
      await dialog.getByLabel('e2e-fleet').check();
    });
    const seen = (await (await api('/v7/application?$select=app_name', fleetOnly.key ?? '')).json()) as {
      d: { app_name: string }[];
    };
    expect(seen.d.map((f) => f.app_name)).toEqual(['e2e-fleet']);
    const signed = await createKey('signed-only', async (dialog) => {
      await dialog.getByLabel('Signing key: requests signed with a secret (HMAC-SHA256, RFC 9421)').check();
      expect(await dialog.getByLabel('Refuse unsigned use of the key').isChecked()).toBe(true);
    });
    expect(signed.signingSecret).toMatch(/^\S{20,}$/);
    expect(signed.key).toBeUndefined();
    await eventually(() => page.locator('tr[data-key-name="signed-only"]').textContent()).toContain('signed');

    // Log out everywhere: this browser returns to sign-in, and the other session is dead too.
    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByRole('heading', { name: 'Active sessions' }).waitFor();
    await eventually(() => page.locator('tr[data-session]').count()).toBeGreaterThanOrEqual(2);
    await screenshot(page, '08-account');
    await page.getByRole('button', { name: 'Log out everywhere' }).click();
    await page
      .getByRole('dialog', { name: 'Log out everywhere?' })
      .getByRole('button', { name: 'Log out everywhere' })
      .click();
    await page.getByRole('heading', { name: 'Sign in to Mooring' }).waitFor();
    expect(await page.getByRole('status').textContent()).toContain('signed out on every device');
    expect((await api('/actor/v1/whoami', token)).status).toBe(401);
  });

  it('shows clear error states: the API refusal message, the organizations of a non-administrator, network down, revoked session', async () => {
    const refused = (status: number): RegExp =>
      new RegExp(`Failed to load resource: the server responded with a status of ${status}`);
    expectedErrors = [refused(401), refused(403), refused(409), /net::ERR_INTERNET_DISCONNECTED/];
    const page = await open();
    await signIn(page);

    // Administration: create a user; the API's message is shown when it refuses one (a duplicate).
    await page.getByRole('link', { name: 'Administration' }).click();
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    const addUser = page.getByRole('form', { name: 'Add a user' });
    await addUser.getByLabel('Username').fill('operator');
    await addUser.getByLabel('Initial password').fill('operator password 1');
    await addUser.getByRole('button', { name: 'Add user' }).click();
    await eventually(() => page.getByRole('status').textContent()).toContain('User operator created.');
    await addUser.getByLabel('Username').fill('operator');
    await addUser.getByLabel('Initial password').fill('operator password 1');
    await addUser.getByRole('button', { name: 'Add user' }).click();
    const alert = page.getByRole('alert');
    await eventually(() => alert.first().textContent()).toMatch(/Please check the form/);
    await screenshot(page, '09-admin');

    // A user without instance administrator rights is offered their organizations, not the
    // instance's users, and no error.
    const other = await openPage(browser, server.url);
    try {
      const p2 = other.page;
      await p2.goto('/admin');
      await p2.getByLabel('Username or e-mail').fill('operator');
      await p2.getByLabel('Password').fill('operator password 1');
      await p2.getByRole('button', { name: 'Sign in' }).click();
      await p2.getByRole('heading', { level: 1, name: 'Administration' }).waitFor();
      await p2.getByRole('heading', { level: 2, name: 'Your organizations' }).waitFor();
      expect(await p2.getByRole('heading', { level: 2, name: 'Users' }).count()).toBe(0);
      expect(await p2.getByRole('alert').count()).toBe(0);
      await screenshot(p2, '10-forbidden');

      // The user changes their password; the new one works at the API, the old one no longer.
      await p2.getByRole('link', { name: 'Account' }).click();
      await p2.getByLabel('Current password').fill('operator password 1');
      await p2.getByLabel('New password', { exact: true }).fill('operator password 2');
      await p2.getByLabel('New password again').fill('operator password 2');
      await p2.getByRole('button', { name: 'Change password' }).click();
      await eventually(() => p2.getByRole('status').textContent()).toContain('Password changed');
      const loginWith = (password: string) =>
        fetch(`${server.url}/login_`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'operator', password }),
        });
      expect((await loginWith('operator password 2')).status).toBe(200);
      expect((await loginWith('operator password 1')).status).toBe(401);
      expect(other.errors.filter((e) => !refused(403).test(e))).toEqual([]);
    } finally {
      await other.context.close();
    }

    // The network goes away: the polling fleets page says so, and recovers by itself.
    await page.getByRole('link', { name: 'Fleets' }).click();
    await page.getByRole('heading', { level: 1, name: 'Fleets' }).waitFor();
    await watched?.context.setOffline(true);
    await eventually(() => page.getByRole('alert').first().textContent(), { timeout: 15_000 }).toContain(
      'Cannot reach the server',
    );
    await screenshot(page, '11-network-down');
    await watched?.context.setOffline(false);
    await eventually(() => page.getByRole('alert').count(), { timeout: 15_000 }).toBe(0);

    // The session is revoked elsewhere: the page returns to sign-in and says why.
    const login = await fetch(`${server.url}/login_`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    const revoked = await api('/mooring/v1/sessions/revoke-others', await login.text(), {
      method: 'POST',
      body: '{}',
    });
    expect(revoked.status).toBe(200);
    await page.getByRole('heading', { name: 'Sign in to Mooring' }).waitFor({ timeout: 15_000 });
    expect(await page.getByRole('status').textContent()).toContain('expired or was revoked');
  });
});

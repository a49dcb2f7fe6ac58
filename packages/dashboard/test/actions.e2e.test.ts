import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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

describe.skipIf(!chromiumAvailable())('dashboard actions', { timeout: 120_000 }, () => {
  let dist: string;
  let server: RunningServer;
  let browser: Browser;
  let watched: WatchedPage | undefined;
  let token: string;
  let expectedErrors: RegExp[] = [];

  const api = (path: string, credential: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${server.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json', ...init.headers },
    });
  const json = async <T>(res: Response | Promise<Response>): Promise<T> => (await (await res).json()) as T;

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
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
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
    return page;
  };

  it('offers the next step in empty states', async () => {
    const page = await signIn();
    await page.getByRole('button', { name: 'Create your first fleet' }).waitFor();
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('button', { name: 'Create your first API key' }).click();
    await page.getByRole('dialog', { name: 'Create API key' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('link', { name: 'Devices', exact: true }).click();
    await page.getByRole('link', { name: 'Choose a fleet to register a device' }).waitFor();
    await screenshot(page, 'actions-01-empty-devices');
  });

  it('removes a member from an organization; the last administrator is refused', async () => {
    expectedErrors = [refused(409)];
    const user = await json<{ id: number }>(
      api('/mooring/v1/users', token, {
        method: 'POST',
        body: JSON.stringify({ username: 'mia', password: 'mia password long enough' }),
      }),
    );
    const org = await json<{ id: number }>(
      api('/mooring/v1/organizations', token, {
        method: 'POST',
        body: JSON.stringify({ name: 'Harbour', handle: 'harbour' }),
      }),
    );
    for (const [userId, role] of [[user.id, 'member']] as const) {
      const res = await api(`/mooring/v1/organizations/${org.id}/members/${userId}`, token, {
        method: 'PUT',
        body: JSON.stringify({ role }),
      });
      expect(res.status).toBe(204);
    }
    const page = await signIn();
    await page.getByRole('link', { name: 'Administration' }).click();
    const row = page.locator('tr[data-member="harbour/mia"]');
    await row.waitFor();
    await row.getByRole('button', { name: 'Remove mia from Harbour' }).click();
    await page
      .getByRole('dialog', { name: 'Remove member?' })
      .getByRole('button', { name: 'Remove member' })
      .click();
    await eventually(() => row.count()).toBe(0);
    const left = await json<{ d: unknown[] }>(
      api(`/v7/organization_membership?$filter=is_member_of__organization eq ${org.id}`, token),
    );
    expect(left.d).toEqual([]);

    // The admin is the only administrator of the organization "admin": refused, said plainly.
    const own = page.locator('tr[data-member="admin/admin"]');
    await own.getByRole('button', { name: /^Remove admin from/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove member?' });
    await dialog.getByRole('button', { name: 'Remove member' }).click();
    await eventually(() => dialog.getByRole('alert').textContent()).toContain('last administrator');
    await screenshot(page, 'actions-02-last-admin');
  });

  it('lets an organization administrator who is not an instance admin remove members', async () => {
    // The page asks the instance-admin API first; for this user it answers 403.
    expectedErrors = [refused(403)];
    const password = 'a long enough password';
    const createUser = (username: string) =>
      json<{ id: number }>(
        api('/mooring/v1/users', token, { method: 'POST', body: JSON.stringify({ username, password }) }),
      );
    const createOrg = (name: string, handle: string) =>
      json<{ id: number }>(
        api('/mooring/v1/organizations', token, { method: 'POST', body: JSON.stringify({ name, handle }) }),
      );
    const addMember = async (orgId: number, userId: number, role: string) => {
      const res = await api(`/mooring/v1/organizations/${orgId}/members/${userId}`, token, {
        method: 'PUT',
        body: JSON.stringify({ role }),
      });
      expect(res.status).toBe(204);
    };
    const [olga, piet, rik] = [await createUser('olga'), await createUser('piet'), await createUser('rik')];
    const quay = await createOrg('Quay', 'quay');
    const dock = await createOrg('Dock', 'dock');
    await addMember(quay.id, olga.id, 'administrator');
    await addMember(quay.id, piet.id, 'member');
    await addMember(dock.id, olga.id, 'member');
    await addMember(dock.id, rik.id, 'member');
    const pietToken = await (
      await fetch(`${server.url}/login_`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'piet', password }),
      })
    ).text();
    const pietOrgs = async () =>
      (await json<{ d: { handle: string }[] }>(api('/v7/organization?$select=handle', pietToken))).d.map(
        (o) => o.handle,
      );
    expect(await pietOrgs()).toEqual(['quay']);

    const page = await signIn('olga', password);
    await page.getByRole('link', { name: 'Administration' }).click();
    await page.getByRole('heading', { level: 2, name: 'Your organizations' }).waitFor();
    // Nothing of the instance administration is offered to her.
    expect(await page.getByRole('heading', { level: 2, name: 'Users' }).count()).toBe(0);
    expect(await page.getByRole('form', { name: 'Add an organization' }).count()).toBe(0);
    // She administers Quay: removal offered. She is only a member of Dock: its rows are listed, no removal.
    const pietRow = page.locator('tr[data-member="quay/piet"]');
    await pietRow.waitFor();
    await page.locator('tr[data-member="dock/rik"]').waitFor();
    expect(await page.locator('tr[data-member="dock/rik"] button').count()).toBe(0);
    expect(await page.locator('tr[data-member="dock/olga"] button').count()).toBe(0);
    await screenshot(page, 'actions-03-org-admin-members');

    await pietRow.getByRole('button', { name: 'Remove piet from Quay' }).click();
    await page
      .getByRole('dialog', { name: 'Remove member?' })
      .getByRole('button', { name: 'Remove member' })
      .click();
    await eventually(() => pietRow.count()).toBe(0);
    // Piet's session lost Quay at once.
    expect(await pietOrgs()).toEqual([]);
    expect(await page.locator('tr[data-member="dock/rik"]').count()).toBe(1);
  });

  it("shows a key's requests per day and last use in the Usage dialog, on desktop and phone", async () => {
    const created = await api('/api-key/user/full', token, {
      method: 'POST',
      body: JSON.stringify({ name: 'grafana', expiryDate: null }),
    });
    const key = (await created.text()).replace(/"/g, '');
    for (let i = 0; i < 3; i++) expect((await api('/actor/v1/whoami', key)).status).toBe(200);
    await server.app.mooring.usage.flush();
    const today = new Date().toISOString().slice(0, 10);

    const page = await signIn();
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('button', { name: 'Usage of grafana' }).click();
    const dialog = page.getByRole('dialog', { name: 'Usage of grafana' });
    await eventually(() => dialog.locator('[data-usage-summary]').textContent()).toMatch(
      /^3 requests in the last 30 days \(UTC\)\. Last used (now|\d+ seconds? ago)\.$/,
    );
    const bars = dialog.locator('rect.usage-bar');
    expect(await bars.count()).toBe(30);
    const last = bars.last();
    expect(await last.getAttribute('data-day')).toBe(today);
    expect(await last.getAttribute('data-requests')).toBe('3');
    expect(Number(await last.getAttribute('height'))).toBeGreaterThan(100); // the busiest day: full height
    expect(Number(await bars.first().getAttribute('height'))).toBe(0);
    await expect(dialog.getByRole('row', { name: `${today} 3` }).count()).resolves.toBe(1);
    await screenshot(page, 'actions-06-key-usage');

    await dialog.getByLabel('7 days').check();
    await eventually(() => bars.count()).toBe(7);
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const box = await dialog.locator('svg').boundingBox();
    expect(box && box.x + box.width).toBeLessThanOrEqual(390);
    await screenshot(page, 'actions-07-key-usage-phone');
  });

  it('renames and deletes fleets and devices, sets the poll interval, lists and revokes device keys, shows the audit trail', async () => {
    const orgs = await json<{ d: { id: number }[] }>(
      api("/v7/organization?$select=id&$filter=handle eq 'admin'", token),
    );
    const type = await json<{ d: { id: number }[] }>(
      api("/v7/device_type?$select=id&$filter=slug eq 'raspberrypi4-64'", token),
    );
    const fleet = await json<{ id: number }>(
      api('/v7/application', token, {
        method: 'POST',
        body: JSON.stringify({
          app_name: 'ops-fleet',
          organization: orgs.d[0]?.id,
          is_for__device_type: type.d[0]?.id,
        }),
      }),
    );
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
    const uuid = randomBytes(16).toString('hex');
    const registered = await api('/device/register', provisioningKey, {
      method: 'POST',
      body: JSON.stringify({ user: me.id, application: fleet.id, uuid, device_type: 'raspberrypi4-64' }),
    });
    const deviceKey = (await json<{ api_key: string }>(registered)).api_key;

    const page = await signIn();
    await page.goto(`/fleets/${fleet.id}`);
    await page.getByRole('heading', { level: 1, name: 'ops-fleet' }).waitFor();
    await page.getByRole('button', { name: 'Rename', exact: true }).click();
    await page.getByRole('dialog', { name: 'Rename fleet' }).getByLabel('New name').fill('ops-fleet-2');
    await page.getByRole('dialog', { name: 'Rename fleet' }).getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('heading', { level: 1, name: 'ops-fleet-2' }).waitFor();

    // The poll interval, set on the fleet, with what it means for detection.
    await page.getByLabel('Poll interval (seconds; empty for the default)').fill('30');
    await page.getByRole('button', { name: 'Set interval' }).click();
    await eventually(() => page.locator('#poll-title + p').textContent()).toContain('timed out after 45 s');
    // The server's figures for the fleet, grace included; the variable is listed with the others.
    expect(await page.locator('[data-detection]').textContent()).toContain('offline after 46 s');
    expect(await page.locator('[data-detection]').textContent()).toContain('set on the fleet');
    await eventually(() =>
      page.locator('tr[data-config="BALENA_SUPERVISOR_POLL_INTERVAL"]').textContent(),
    ).toContain('30000');
    await page.getByLabel('Setting', { exact: true }).fill('BALENA_SUPERVISOR_LOCAL_MODE');
    await page.getByLabel('Setting value', { exact: true }).fill('0');
    await page.getByRole('button', { name: 'Add setting' }).click();
    await page.locator('tr[data-config="BALENA_SUPERVISOR_LOCAL_MODE"]').waitFor();
    const configVars = await json<{ d: { name: string; value: string }[] }>(
      api(
        `/v7/application_config_variable?$select=name,value&$filter=application eq ${fleet.id}&$orderby=name asc`,
        token,
      ),
    );
    expect(configVars.d).toEqual([
      { name: 'BALENA_SUPERVISOR_LOCAL_MODE', value: '0' },
      { name: 'BALENA_SUPERVISOR_POLL_INTERVAL', value: '30000' },
    ]);
    await screenshot(page, 'actions-03-fleet');

    await page.locator(`tr[data-device="${uuid}"] a`).first().click();
    await page.getByRole('heading', { name: 'Status history' }).waitFor();
    await eventually(() => page.locator('[data-detection]').textContent()).toContain('set on the fleet');
    expect(await page.locator('[data-detection]').textContent()).toContain('offline after 46 s');

    // The device's keys: the one it registered with, revoked here, refused at the API.
    const keyRow = page.locator('tr[data-device-key]');
    await eventually(() => keyRow.count()).toBe(1);
    // Its use per day, in the same dialog as a named key's.
    for (let i = 0; i < 2; i++) expect((await api('/actor/v1/whoami', deviceKey)).status).toBe(200);
    await server.app.mooring.usage.flush();
    await keyRow.getByRole('button', { name: /^Usage of device key/ }).click();
    const usage = page.getByRole('dialog', { name: /^Usage of / });
    await eventually(() => usage.locator('[data-usage-summary]').textContent()).toMatch(
      /^2 requests in the last 30 days/,
    );
    await usage.getByRole('button', { name: 'Close', exact: true }).click();
    await keyRow.getByRole('button', { name: /^Revoke device key/ }).click();
    await page
      .getByRole('dialog', { name: 'Revoke device key?' })
      .getByRole('button', { name: 'Revoke key' })
      .click();
    await eventually(() => keyRow.count()).toBe(0);
    expect((await api('/actor/v1/whoami', deviceKey)).status).toBe(401);

    await page.getByRole('button', { name: 'Rename', exact: true }).click();
    await page.getByRole('dialog', { name: 'Rename device' }).getByLabel('New name').fill('hall-sensor');
    await page.getByRole('dialog', { name: 'Rename device' }).getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('heading', { level: 1, name: 'hall-sensor' }).waitFor();
    await screenshot(page, 'actions-04-device');
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page
      .getByRole('dialog', { name: 'Delete device?' })
      .getByRole('button', { name: 'Delete device' })
      .click();
    await page.getByRole('heading', { level: 1, name: 'ops-fleet-2' }).waitFor();
    expect((await json<{ d: unknown[] }>(api(`/v7/device?$filter=uuid eq '${uuid}'`, token))).d).toEqual([]);

    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page
      .getByRole('dialog', { name: 'Delete fleet?' })
      .getByRole('button', { name: 'Delete fleet' })
      .click();
    await page.getByRole('heading', { level: 1, name: 'Fleets' }).waitFor();
    expect((await json<{ d: unknown[] }>(api(`/v7/application(${fleet.id})`, token))).d).toEqual([]);

    // The audit trail of the account: sign-ins and key changes, to the second.
    await page.getByRole('link', { name: 'Account' }).click();
    await eventually(() => page.locator('tr[data-audit="login.succeeded"]').count()).toBeGreaterThan(0);
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, 'actions-05-account-phone');
  });
});

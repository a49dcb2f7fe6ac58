import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
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

const run = promisify(execFile);

function eventually<T>(read: () => T | Promise<T>, options: { timeout?: number; interval?: number } = {}) {
  return expect.poll(read, { timeout: 10_000, interval: 100, ...options });
}

/** Real time plus an offset the test can move forward (the fresh-login window is at least 60 s). */
const clock = {
  offset: 0,
  now(): number {
    return Date.now() + this.offset;
  },
};

const refused = (status: number): RegExp =>
  new RegExp(`Failed to load resource: the server responded with a status of ${status}`);

describe.skipIf(!chromiumAvailable())('dashboard flows that used to fail', { timeout: 120_000 }, () => {
  let dist: string;
  let server: RunningServer;
  let browser: Browser;
  let watched: WatchedPage | undefined;
  let expectedErrors: RegExp[] = [];

  beforeAll(async () => {
    dist = await buildDashboard();
    server = await startServer(dist, { MOORING_FRESH_AUTH_SECONDS: '60' }, clock);
    browser = await launchChromium();
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

  const signIn = async (password = ADMIN_PASSWORD): Promise<Page> => {
    watched ??= await openPage(browser, server.url);
    const page = watched.page;
    await page.goto('/');
    await page.getByLabel('Username or e-mail').fill('admin');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    return page;
  };

  it('says "wrong username or password" for a wrong password at sign-in', async () => {
    expectedErrors = [refused(401)];
    const page = await signIn('not the password');
    await eventually(() => page.getByRole('alert').first().textContent()).toContain(
      'Wrong username or password',
    );
    expect(await page.getByRole('alert').first().textContent()).not.toContain('Signed out');
    await screenshot(page, 'flows-01-wrong-password');
  });

  it('asks for the password inline after the fresh-login window, then creates the key', async () => {
    expectedErrors = [refused(401)];
    const page = await signIn();
    await page.getByRole('heading', { level: 1, name: 'Fleets' }).waitFor();
    clock.offset += 61_000; // past the 60 s fresh-login window
    try {
      await page.getByRole('link', { name: 'API keys' }).click();
      await page.getByRole('button', { name: 'Create API key' }).click();
      const dialog = page.getByRole('dialog', { name: 'Create API key' });
      await dialog.getByLabel('Name').fill('after-window');
      await dialog.getByRole('button', { name: 'Create key' }).click();
      const prompt = dialog.getByRole('group', { name: /Confirm it is you/ });
      await prompt.waitFor();
      expect(await dialog.textContent()).not.toContain('Signed out');
      expect(await page.locator('.topbar').textContent()).toContain('Signed in as admin');
      await screenshot(page, 'flows-02-reauth');
      // A wrong password is said so, and the session survives it.
      await prompt.getByLabel('Your password').fill('wrong');
      await prompt.getByRole('button', { name: 'Confirm and continue' }).click();
      await eventually(() => prompt.getByRole('alert').textContent()).toContain('Wrong password');
      await prompt.getByLabel('Your password').fill(ADMIN_PASSWORD);
      await prompt.getByRole('button', { name: 'Confirm and continue' }).click();
      const reveal = page.getByRole('dialog', { name: 'API key created' });
      expect(await reveal.getByLabel('Your new API key').inputValue()).toMatch(/^mk_u_/);
    } finally {
      clock.offset = 0;
    }
  });

  it('reveals a signing key with its keyid, without the unusable API key, one warning, "encrypted"', async () => {
    const page = await signIn();
    await page.getByRole('heading', { level: 1, name: 'Fleets' }).waitFor();
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('button', { name: 'Create API key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create API key' });
    await dialog.getByLabel('Name').fill('signer');
    await dialog.getByLabel('Signing key: requests signed with a secret (HMAC-SHA256, RFC 9421)').check();
    expect(await dialog.getByLabel('Refuse unsigned use of the key').isChecked()).toBe(true);
    await dialog.getByRole('button', { name: 'Create key' }).click();
    const reveal = page.getByRole('dialog', { name: 'API key created' });
    const keyId = await reveal.getByLabel('Key id (keyid)').inputValue();
    expect(keyId.length).toBeGreaterThan(4);
    expect(await reveal.getByLabel('Signing secret (HMAC-SHA256)').inputValue()).toMatch(/^[\w-]{20,}$/);
    expect(await reveal.getByLabel('Your new API key').count()).toBe(0);
    const text = (await reveal.textContent()) ?? '';
    expect(text.match(/only time/g)).toHaveLength(1);
    expect(text).toContain('signing secret encrypted');
    expect(text).not.toMatch(/secret[^.]*as a hash/);
    await screenshot(page, 'flows-03-signing-key');
  });

  it('gives a provisioning snippet that, pasted as-is into a shell, brings a device online; nothing clipped', async () => {
    const page = await signIn();
    await page.getByRole('button', { name: 'Create fleet' }).first().click();
    const create = page.getByRole('dialog', { name: 'Create fleet' });
    await create.getByLabel('Name').fill('snippet-fleet');
    await create.getByLabel('Default device type').selectOption('raspberrypi4-64');
    await create.getByRole('button', { name: 'Create fleet' }).click();
    await page.getByRole('heading', { level: 1, name: 'snippet-fleet' }).waitFor();
    // The empty fleet offers the next step inside its empty state.
    await page.getByRole('button', { name: 'Register a device: create a provisioning key' }).click();
    await page
      .getByRole('dialog', { name: 'Create provisioning key' })
      .getByRole('button', { name: 'Create provisioning key' })
      .click();
    const shown = page.getByRole('dialog', { name: 'Provisioning key created' });
    const pre = shown.locator('pre');
    const snippet = (await pre.textContent()) ?? '';
    const fits = await pre.evaluate((el) => el.scrollWidth <= el.clientWidth);
    expect(fits).toBe(true);
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await pre.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    await screenshot(page, 'flows-04-provisioning-phone');
    await page.setViewportSize({ width: 1280, height: 860 });
    await shown.getByRole('button', { name: 'Done' }).click();

    const { stdout } = await run('bash', ['-c', snippet], { timeout: 20_000 });
    expect(stdout).toMatch(/registered [0-9a-f]{32}/);
    const uuid = /registered ([0-9a-f]{32})/.exec(stdout)?.[1] ?? '';
    const badge = page.locator(`tr[data-device="${uuid}"] [data-status]`);
    await eventually(() => badge.getAttribute('data-status')).toBe('online');
  });
});

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chromiumAvailable,
  launchChromium,
  openPage,
  screenshot,
} from '../../../dashboard/test/support/browser.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const hasBrowser = chromiumAvailable();

describe.skipIf(!hasBrowser)('/docs in headless Chromium', { timeout: 60_000 }, () => {
  let t: TestApp;
  let url: string;
  let browser: Browser;
  beforeAll(async () => {
    t = await createTestApp('sqlite');
    url = await t.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('renders the reference offline, under its CSP, with no console errors', async () => {
    const { page, errors } = await openPage(browser, url);
    const elsewhere: string[] = [];
    // Offline: any request that leaves the server is refused (and recorded).
    await page.route('**/*', (route) => {
      if (route.request().url().startsWith(url)) return route.continue();
      elsewhere.push(route.request().url());
      return route.abort();
    });
    await page.goto('/docs');
    await expect
      .poll(() => page.locator('.swagger-ui .info .title').textContent(), { timeout: 20_000 })
      .toContain('Mooring API');
    await expect
      .poll(() => page.locator('.opblock-summary-path').count(), { timeout: 20_000 })
      .toBeGreaterThan(50);
    expect(await page.getByText('/mooring/v1/sessions', { exact: true }).count()).toBeGreaterThan(0);
    await screenshot(page, 'openapi-docs');
    expect(elsewhere).toEqual([]);
    expect(errors).toEqual([]);
  });
});

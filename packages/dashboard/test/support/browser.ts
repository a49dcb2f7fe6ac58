import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = fileURLToPath(new URL('../../../../test-output/screenshots/', import.meta.url));

/**
 * Whether the browser tests can run. Without Chromium they are skipped loudly on a workstation, but
 * under CI a missing browser is a failure (`.ci/run` installs it), never a silent pass.
 */
export function chromiumAvailable(
  executable: string = CHROMIUM,
  env: Readonly<Record<string, string | undefined>> = process.env,
  warn: (message: string) => void = (message) => process.stderr.write(message),
): boolean {
  if (existsSync(executable)) return true;
  const ci = env.CI;
  if (ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false') {
    throw new Error(
      `${executable} is missing but CI is set: the browser tests must run in CI (.ci/run installs it)`,
    );
  }
  warn(
    `\n*** SKIPPING the dashboard browser tests: ${executable} is not installed. ` +
      'Install it with `apt-get install -y chromium` to run them. ***\n\n',
  );
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface WatchedPage {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console errors and uncaught exceptions of the page so far. */
  readonly errors: string[];
}

/** A fresh context (own storage) and page, with every console error and page exception recorded. */
export async function openPage(browser: Browser, baseURL: string): Promise<WatchedPage> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 860 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => errors.push(`exception: ${error.message}`));
  return { context, page, errors };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
}

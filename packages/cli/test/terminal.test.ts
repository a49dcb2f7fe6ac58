import { spawn } from 'node:child_process';
import { MooringClient } from '@mooring/sdk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CLI_ENTRY, ROOT, tempConfigDir } from './support/cli.js';
import { provisioningKeyFor, registerDevice } from './support/devices.js';
import { ADMIN_PASSWORD, type ListeningServer, startListeningServer } from './support/server.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

interface Exchange {
  readonly waitFor: string;
  readonly type: string;
}

/**
 * Runs the CLI on a real pseudo-terminal (util-linux `script`), typing each answer only once its
 * prompt has appeared, as a person would; returns everything the terminal showed.
 */
function runInTerminal(
  args: readonly string[],
  env: Record<string, string>,
  exchanges: readonly Exchange[] = [],
): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, '--import', 'tsx', CLI_ENTRY, ...args].map((a) => `'${a}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        TERM: 'xterm',
        TSX_TSCONFIG_PATH: `${ROOT}tsconfig.json`,
        ...env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    let next = 0;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      screen += chunk;
      const exchange = exchanges[next];
      if (exchange && screen.includes(exchange.waitFor)) {
        next++;
        child.stdin.write(`${exchange.type}\r`);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, screen }));
  });
}

describe('on a terminal', () => {
  let server: ListeningServer;

  beforeAll(async () => {
    server = await startListeningServer('sqlite');
  });
  afterAll(async () => {
    await server.close();
  });

  it('login asks for the user name, then the password without echoing it', async () => {
    const env = { MOORING_CONFIG_DIR: tempConfigDir(), MOORING_API_URL: server.url };
    const { code, screen } = await runInTerminal(['login'], env, [
      { waitFor: 'Username: ', type: 'admin' },
      { waitFor: `Password for admin on ${server.url}: `, type: ADMIN_PASSWORD },
    ]);
    expect(screen).toContain(`Logged in to ${server.url} as admin.`);
    expect(code).toBe(0);
    // The user name is echoed as typed; the password never appears on the screen.
    expect(screen).toContain('Username: admin');
    expect(screen).not.toContain(ADMIN_PASSWORD);
  });

  it('device wait-online shows a spinner with the time left, then clears it', async () => {
    const env = { MOORING_CONFIG_DIR: tempConfigDir(), MOORING_API_URL: server.url };
    const login = await runInTerminal(['login'], env, [
      { waitFor: 'Username: ', type: 'admin' },
      { waitFor: 'Password for', type: ADMIN_PASSWORD },
    ]);
    expect(login.code).toBe(0);
    // A device that exists but never polls: the wait runs into its timeout.
    const fleetCreated = await runInTerminal(
      ['fleet', 'create', 'spinner-fleet', '-t', 'raspberrypi3', '--json'],
      env,
    );
    expect(fleetCreated.code).toBe(0);
    const { fleetId, uuid } = await registerSilentDevice(server);
    expect(fleetId).toBeGreaterThan(0);

    const { code, screen } = await runInTerminal(
      ['device', 'wait-online', uuid, '--timeout', '3s', '--interval', '1s'],
      env,
    );
    expect(code).toBe(1);
    expect(screen).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] waiting for [0-9a-f]{32} to come online/);
    expect(screen).toMatch(/\(\d+s left\)/);
    expect(screen).toContain('\u001b[2K');
    expect(screen).toContain('still offline after 3s');
  });

  it('a destructive command asks, and "no" cancels with exit status 1', async () => {
    const env = { MOORING_CONFIG_DIR: tempConfigDir(), MOORING_API_URL: server.url };
    expect(
      (
        await runInTerminal(['login', '-u', 'admin'], env, [
          { waitFor: 'Password for', type: ADMIN_PASSWORD },
        ])
      ).code,
    ).toBe(0);
    expect((await runInTerminal(['fleet', 'create', 'keep-me', '-t', 'raspberrypi3'], env)).code).toBe(0);
    const { code, screen } = await runInTerminal(['fleet', 'rm', 'admin/keep-me'], env, [
      { waitFor: '[y/N] ', type: 'n' },
    ]);
    expect(screen).toContain('Delete fleet admin/keep-me and its 0 device(s)? [y/N]');
    expect(screen).toContain('mooring: cancelled');
    expect(code).toBe(1);
  });
});

/** Registers one device through the real endpoint with a provisioning key; it never polls. */
async function registerSilentDevice(server: ListeningServer): Promise<{ fleetId: number; uuid: string }> {
  const sdk = new MooringClient({ apiUrl: server.url });
  await sdk.auth.login('admin', ADMIN_PASSWORD);
  const fleet = await sdk.fleets.get('admin/spinner-fleet');
  const device = await registerDevice(server, await provisioningKeyFor(server, fleet.id), fleet.id);
  return { fleetId: fleet.id, uuid: device.uuid };
}

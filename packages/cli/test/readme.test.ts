import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MooringClient } from '@mooring/sdk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CLI_ENTRY, ROOT, tempConfigDir } from './support/cli.js';
import { heartbeat, provisioningKeyFor, registerDevice } from './support/devices.js';
import { ADMIN_PASSWORD, type ListeningServer, startListeningServer } from './support/server.js';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

/**
 * The README's CLI examples, run as written: every ```sh block preceded by a `<!-- cli-example … -->`
 * comment, in order, as one bash script (later blocks use the variables of earlier ones), with
 * `mooring` on the PATH, `set -euo pipefail`, against a real listening server.
 */
function cliExamples(readme: string): string[] {
  return [...readme.matchAll(/<!-- cli-example[^>]*-->\s*```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}

function bash(
  script: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `set -euo pipefail\n${script}`], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('README: the CLI examples', () => {
  let server: ListeningServer;
  let deviceUuid: string;

  beforeAll(async () => {
    server = await startListeningServer('sqlite');
    // The monitoring example needs a device that is online: one in its own fleet, registered with a
    // provisioning key and polling, as a supervisor would.
    const sdk = new MooringClient({ apiUrl: server.url });
    await sdk.auth.login('admin', ADMIN_PASSWORD);
    const lab = await sdk.fleets.create({
      name: 'lab-bench',
      deviceType: 'raspberrypi3',
      organization: 'admin',
    });
    const device = await registerDevice(server, await provisioningKeyFor(server, lab.id), lab.id);
    await heartbeat(server, device);
    deviceUuid = device.uuid;
  });
  afterAll(async () => {
    await server.close();
  });

  it('run as written and do what the text says', async () => {
    const blocks = cliExamples(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    expect(blocks.length).toBe(3);

    const bin = mkdtempSync(join(tmpdir(), 'mooring-bin-'));
    writeFileSync(
      join(bin, 'mooring'),
      `#!/bin/sh\nexec "${process.execPath}" --import tsx "${CLI_ENTRY}" "$@"\n`,
    );
    chmodSync(join(bin, 'mooring'), 0o755);
    const result = await bash(blocks.join('\n'), {
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      HOME: process.env.HOME ?? tmpdir(),
      TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.json'),
      MOORING_CONFIG_DIR: tempConfigDir(),
      MOORING_API_URL: server.url,
      ADMIN_PASSWORD,
      DEVICE_UUID: deviceUuid,
    });
    expect(result.stderr).toContain('Store it now: it is shown only once');
    expect(result.code).toBe(0);
    const out = result.stdout;
    expect(out).toContain(`Logged in to ${server.url} as admin.`);
    expect(out).toMatch(/^User: +admin$/m);
    expect(out).toMatch(/^ +\d+ {2}monitoring .* read .* never +active$/m);
    expect(out).toMatch(/^Created fleet admin\/thermostats \(id \d+\)\.$/m);
    expect(out).toContain('Set LOG_LEVEL.');
    expect(out).toContain('No devices.');
    // The device is online: `--quiet` prints nothing and the `||` branch does not run.
    expect(out).not.toContain('is offline');
    expect(out).toMatch(/^online$/m);
    expect(out).toMatch(/^Revoked API key \d+\.$/m);
    expect(out).toContain('refused with exit status 3');
    expect(result.stderr).toContain('mooring: the API key in MOORING_API_KEY was refused');
  });
});

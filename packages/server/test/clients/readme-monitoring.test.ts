import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MooringClient } from '@mooring/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ENTRY, ROOT } from '../../../cli/test/support/cli.js';
import { heartbeat, provisioningKeyFor, registerDevice } from '../../../cli/test/support/devices.js';
import {
  ADMIN_PASSWORD,
  type ListeningServer,
  startListeningServer,
} from '../../../cli/test/support/server.js';

/** Each `<!-- monitor-example: <file> -->` block of the README, with the file it quotes. */
function monitorExamples(): { file: string; block: string }[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/<!-- monitor-example: (\S+) -->\n```\w+\n([\s\S]*?)```/g)].map((m) => ({
    file: m[1] ?? '',
    block: m[2] ?? '',
  }));
}

interface Run {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the exit status. */
  readonly exited: Promise<number | null>;
}

function start(command: string, args: string[], env: Record<string, string>): Run {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function until(check: () => boolean, what: () => string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Issue 23: the README's quick start shows three ways to monitor devices (CLI, SDK, Python). Each
 * block is the literal content of a file in docs/examples/, and each file runs here, as written,
 * against a real listening server with an online device in `admin/thermostats`.
 */
describe('README: monitoring with the CLI, the SDK and Python', () => {
  let server: ListeningServer;
  let env: Record<string, string>;
  let bin: string;
  let provisioningKey: string;
  let fleetId: number;
  let deviceUuid: string;

  beforeAll(async () => {
    server = await startListeningServer('sqlite');
    const admin = new MooringClient({ apiUrl: server.url });
    await admin.auth.login('admin', ADMIN_PASSWORD);
    const fleet = await admin.fleets.create({
      name: 'thermostats',
      deviceType: 'raspberrypi3',
      organization: 'admin',
    });
    fleetId = fleet.id;
    provisioningKey = await provisioningKeyFor(server, fleet.id);
    const device = await registerDevice(server, provisioningKey, fleet.id);
    await heartbeat(server, device);
    deviceUuid = device.uuid;
    const { key } = await admin.keys.create({ name: 'monitoring', expiryDate: null, scopes: ['read'] });
    bin = mkdtempSync(join(tmpdir(), 'mooring-bin-'));
    writeFileSync(
      join(bin, 'mooring'),
      `#!/bin/sh\nexec "${process.execPath}" --import tsx "${CLI_ENTRY}" "$@"\n`,
    );
    chmodSync(join(bin, 'mooring'), 0o755);
    env = {
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      HOME: bin,
      TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.json'),
      MOORING_URL: server.url,
      MOORING_API_URL: server.url,
      MOORING_API_KEY: key,
      DEVICE_UUID: deviceUuid,
      PYTHONPATH: join(ROOT, 'clients/python'),
      PYTHONDONTWRITEBYTECODE: '1',
    };
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    if (bin) rmSync(bin, { recursive: true, force: true });
  });

  it('the README shows each example file literally, in at most 10 lines', () => {
    const examples = monitorExamples();
    expect(examples.map((e) => e.file)).toEqual([
      'docs/examples/monitor.sh',
      'docs/examples/monitor.mjs',
      'docs/examples/monitor.py',
    ]);
    for (const { file, block } of examples) {
      expect(block).toBe(readFileSync(join(ROOT, file), 'utf8'));
      expect(block.trimEnd().split('\n').length).toBeLessThanOrEqual(10);
    }
  });

  it('CLI: lists the fleet and finds the device online', async () => {
    const run = start('bash', ['-euo', 'pipefail', 'docs/examples/monitor.sh'], env);
    const code = await run.exited;
    expect(code, run.output()).toBe(0);
    expect(run.output()).toMatch(new RegExp(`${deviceUuid.slice(0, 7)}.* online`));
    // --quiet prints nothing for an online device, so the `||` branch must not have run.
    expect(run.output()).not.toContain('is offline');
  }, 60_000);

  it('SDK: prints each device with its status', async () => {
    const run = start(process.execPath, ['--import', 'tsx', 'docs/examples/monitor.mjs'], env);
    const code = await run.exited;
    expect(code, run.output()).toBe(0);
    expect(run.output()).toMatch(
      new RegExp(`^${deviceUuid} online last heartbeat \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\n$`),
    );
  }, 60_000);

  it('Python: prints the statuses, then the events of the stream as they happen', async () => {
    const run = start('python3', ['docs/examples/monitor.py'], env);
    try {
      await until(() => run.output().includes(`${deviceUuid} online`), run.output);
      // A new device comes online while the script follows the stream.
      const fresh = await registerDevice(server, provisioningKey, fleetId);
      await heartbeat(server, fresh);
      await until(() => new RegExp(`^\\S+ ${fresh.uuid} online$`, 'm').test(run.output()), run.output);
    } finally {
      run.child.kill('SIGTERM');
      await run.exited;
    }
  }, 60_000);
});

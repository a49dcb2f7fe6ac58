import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { MooringClient } from '@mooring/sdk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dialects } from '../../server/test/support/databases.js';
import { CLI_ENTRY, ROOT, runCli } from './support/cli.js';
import { provisioningKeyFor, registerDevice } from './support/devices.js';
import { ADMIN_PASSWORD, type ListeningServer, startListeningServer } from './support/server.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

/** A `mooring` process whose output is watched while it runs. */
function start(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI_ENTRY, ...args], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.json'),
      NO_COLOR: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    out.stdout += c;
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    out.stderr += c;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  void exited.then(() => clearTimeout(timer));
  return { child, out, exited };
}

async function until(done: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each(dialects())('mooring events tail against a real server (%s)', (dialect) => {
  let server: ListeningServer;
  let env: Record<string, string>;
  let fleet: { id: number; slug: string };
  let provisioningKey: string;

  beforeAll(async () => {
    server = await startListeningServer(dialect);
    const sdk = new MooringClient({ apiUrl: server.url });
    await sdk.auth.login('admin', ADMIN_PASSWORD);
    const created = await sdk.fleets.create({
      name: 'tailfleet',
      deviceType: 'raspberrypi3',
      organization: 'admin',
    });
    fleet = { id: created.id, slug: created.slug };
    provisioningKey = await provisioningKeyFor(server, fleet.id);
    const { key } = await sdk.keys.create({ name: 'cli-events', expiryDate: null });
    env = { MOORING_API_URL: server.url, MOORING_API_KEY: key };
  });
  afterAll(async () => server?.close());

  /** Starts `mooring events tail …` and waits until the server counts its stream. */
  async function tailing(args: string[]) {
    const before = server.app.events.hub.subscribers;
    const tail = start(['events', 'tail', ...args], env);
    await until(() => server.app.events.hub.subscribers > before, 'the CLI to subscribe');
    return tail;
  }

  it('follows the stream as JSON lines, filtered by fleet slug, and resumes after a disconnect', async () => {
    const streams: import('node:net').Socket[] = [];
    server.app.server.on('request', (req: import('node:http').IncomingMessage) => {
      if (req.url?.startsWith('/mooring/v1/events/stream')) streams.push(req.socket);
    });
    const tail = await tailing(['--fleet', fleet.slug, '--type', 'device.registered', '--json', '-n', '3']);
    const d1 = await registerDevice(server, provisioningKey, fleet.id);
    await until(() => tail.out.stdout.includes(d1.uuid), 'the first event');
    // Drop the stream's connection; events written meanwhile arrive after the CLI resumes, once each.
    for (const socket of streams) socket.destroy();
    const d2 = await registerDevice(server, provisioningKey, fleet.id);
    const d3 = await registerDevice(server, provisioningKey, fleet.id);
    expect(await tail.exited).toBe(0);
    const events = tail.out.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; deviceUuid: string; fleet: number; id: number });
    expect(events.map((e) => e.deviceUuid)).toEqual([d1.uuid, d2.uuid, d3.uuid]);
    expect(events.every((e) => e.type === 'device.registered' && e.fleet === fleet.id)).toBe(true);
  });

  it('prints one readable line per event', async () => {
    const tail = await tailing(['-n', '1']);
    const d = await registerDevice(server, provisioningKey, fleet.id);
    expect(await tail.exited).toBe(0);
    expect(tail.out.stdout).toMatch(
      new RegExp(
        `^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ  device.registered +${d.uuid}  unknown  fleet ${fleet.id}  #\\d+\\n$`,
      ),
    );
  });

  it('refuses a bad filter and a device key with their exit statuses', async () => {
    const bad = await runCli(['events', 'tail', '--type', 'device.nope', '-n', '1'], { env });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('Unknown event type');
    const d = await registerDevice(server, provisioningKey, fleet.id);
    const denied = await runCli(['events', 'tail', '-n', '1'], { env: { ...env, MOORING_API_KEY: d.key } });
    expect(denied.code).not.toBe(0);
    expect(denied.stdout).toBe('');
  });
});

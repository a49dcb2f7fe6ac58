import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dialects } from '../../server/test/support/databases.js';
import { runCli, tempConfigDir } from './support/cli.js';
import {
  heartbeat as beat,
  provisioningKeyFor,
  type RegisteredDevice,
  registerDevice as register,
} from './support/devices.js';
import { ADMIN_PASSWORD, type ListeningServer, startListeningServer } from './support/server.js';

// Every test spawns several node processes; on a busy two-core machine each takes a second or more.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

describe.each(dialects())('mooring fleet, device and env against a real server (%s)', (dialect) => {
  let server: ListeningServer;
  let env: Record<string, string>;
  let fleet: { id: number; slug: string };
  let provisioningKey: string;
  const cli = (args: string[], input?: string) =>
    runCli(args, { env, ...(input === undefined ? {} : { input }) });

  const registerDevice = (uuid?: string): Promise<RegisteredDevice> =>
    register(server, provisioningKey, fleet.id, uuid);
  const heartbeat = (device: RegisteredDevice): Promise<void> => beat(server, device);
  /** Online checks (`GET /v7/device(…)?$select=is_online`) of this device the server has answered. */
  const answeredChecks = (uuid: string): number => {
    const entries = server.logs.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const checks = new Set(
      entries
        .filter((e) => e.msg === 'incoming request')
        .filter((e) => {
          const url = String((e.req as { url?: unknown } | undefined)?.url ?? '');
          return url.includes(uuid) && url.includes('is_online');
        })
        .map((e) => e.reqId),
    );
    return entries.filter((e) => e.msg === 'request completed' && checks.has(e.reqId)).length;
  };

  beforeAll(async () => {
    server = await startListeningServer(dialect);
    env = { MOORING_CONFIG_DIR: tempConfigDir(), MOORING_API_URL: server.url };
    expect((await cli(['login', '-u', 'admin'], `${ADMIN_PASSWORD}\n`)).code).toBe(0);

    const created = await cli(['fleet', 'create', 'thermostats', '--device-type', 'raspberrypi3', '--json']);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    fleet = JSON.parse(created.stdout);
    expect(fleet).toMatchObject({
      name: 'thermostats',
      slug: 'admin/thermostats',
      deviceType: 'raspberrypi3',
      deviceCount: 0,
    });

    provisioningKey = await provisioningKeyFor(server, fleet.id);
  });
  afterAll(async () => {
    await server.close();
  });

  it('device online: exit 1 and "offline" before the first heartbeat, exit 0 and "online" after', async () => {
    const device = await registerDevice();
    const before = await cli(['device', 'online', device.uuid]);
    expect(before).toEqual({ code: 1, stdout: 'offline\n', stderr: '' });

    await heartbeat(device);
    const after = await cli(['device', 'online', device.uuid]);
    expect(after).toEqual({ code: 0, stdout: 'online\n', stderr: '' });

    const json = await cli(['device', 'online', device.uuid, '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ device: device.uuid, online: true });

    const quiet = await cli(['device', 'online', device.uuid.slice(0, 8), '--quiet']);
    expect(quiet).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('device online: a UUID prefix of seven decimal digits finds the device (it could also be an id)', async () => {
    const device = await registerDevice(`8330795${randomBytes(16).toString('hex').slice(7)}`);
    await heartbeat(device);
    const byPrefix = await cli(['device', 'online', device.uuid.slice(0, 7)]);
    expect(byPrefix).toEqual({ code: 0, stdout: 'online\n', stderr: '' });
    const unknown = await cli(['device', 'online', '9999999']);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toContain('no device with the id or a UUID starting with 9999999');
  });

  it('device wait-online: exit 1 when the timeout passes first, 0 as soon as the device polls', async () => {
    const device = await registerDevice();
    const timedOut = await cli(['device', 'wait-online', device.uuid, '--timeout', '1s', '--interval', '1s']);
    // stdout is not a terminal here: no spinner, just the answer.
    expect(timedOut).toEqual({ code: 1, stdout: 'still offline after 1s\n', stderr: '' });

    const waiting = cli([
      'device',
      'wait-online',
      device.uuid,
      '--timeout',
      '20s',
      '--interval',
      '1s',
      '--json',
    ]);
    // Heartbeat only once the server has answered one of the CLI's checks (the device still
    // offline), however long the process takes to start: the exit 0 must come from a later check.
    await vi.waitFor(() => expect(answeredChecks(device.uuid)).toBeGreaterThan(0), {
      timeout: 60_000,
      interval: 50,
    });
    await heartbeat(device);
    const result = await waiting;
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      device: device.uuid,
      online: true,
      waitedSeconds: expect.any(Number),
    });
  });

  it('device list and show, as tables and JSON', async () => {
    const device = await registerDevice();
    const listed = await cli(['device', 'list', '--fleet', fleet.slug, '--json']);
    expect(listed.code).toBe(0);
    const devices = JSON.parse(listed.stdout) as {
      uuid: string;
      fleetId: number;
      isOnline: boolean;
      deviceType: string;
    }[];
    expect(devices.find((d) => d.uuid === device.uuid)).toMatchObject({
      fleetId: fleet.id,
      isOnline: false,
      deviceType: 'raspberrypi3',
    });

    const table = await cli(['device', 'list']);
    expect(table.stdout.split('\n')[0]).toMatch(
      /^ID {2}UUID +NAME +FLEET {2}DEVICE TYPE +STATUS +LAST SEEN$/,
    );
    expect(table.stdout).toContain(device.uuid);

    const shown = await cli(['device', 'show', device.uuid]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^UUID: +${device.uuid}$`, 'm'));
    expect(shown.stdout).toMatch(/^Device type: +raspberrypi3$/m);
  });

  it('device history lists the status changes of a window, newest first, with durations', async () => {
    const device = await registerDevice();
    const empty = await cli(['device', 'history', device.uuid]);
    expect(empty.code, empty.stderr).toBe(0);
    expect(empty.stdout).toBe('No status change in the last 24h.\n');
    expect(empty.stderr).toMatch(/ is unknown now \(unknown at the start\); last seen never\.\n$/);

    await heartbeat(device);
    const table = await cli(['device', 'history', device.uuid.slice(0, 12), '--since', '1h']);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^AT +FROM +TO +LASTED$/);
    expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ +unknown +online +\d+ s so far$/);
    expect(lines).toHaveLength(2);
    expect(table.stderr).toMatch(/ is online now \(unknown at the start\); last seen \d{4}-/);

    const json = JSON.parse((await cli(['device', 'history', device.uuid, '--json'])).stdout);
    expect(json).toMatchObject({ uuid: device.uuid, status: 'online', stateAtSince: 'unknown' });
    expect(json.events).toEqual([{ from: 'unknown', to: 'online', at: expect.any(String) }]);
    const bad = await cli(['device', 'history', device.uuid, '--since', 'yesterday']);
    expect(bad.code).toBe(2);
  });

  it('device rm needs --yes without a terminal, then deletes', async () => {
    const device = await registerDevice();
    const refused = await cli(['device', 'rm', device.uuid]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('add --yes to confirm (stdin is not a terminal)');
    expect((await cli(['device', 'show', device.uuid])).code).toBe(0);

    const removed = await cli(['device', 'rm', device.uuid, '--yes']);
    expect(removed).toEqual({ code: 0, stdout: `Deleted device ${device.uuid}.\n`, stderr: '' });
    expect((await cli(['device', 'show', device.uuid])).code).toBe(4);
  });

  it('env set/list/rm on a fleet and on a device', async () => {
    const device = await registerDevice();
    expect((await cli(['env', 'set', 'LOG_LEVEL', 'info', '--fleet', fleet.slug])).stdout).toBe(
      'Set LOG_LEVEL.\n',
    );
    expect((await cli(['env', 'set', 'LOG_LEVEL', 'debug', '--fleet', String(fleet.id)])).code).toBe(0);
    expect((await cli(['env', 'set', 'ROLE', 'hall', '--device', device.uuid])).code).toBe(0);

    const fleetVars = JSON.parse((await cli(['env', 'list', '--fleet', fleet.slug, '--json'])).stdout);
    expect(fleetVars).toEqual([{ id: expect.any(Number), name: 'LOG_LEVEL', value: 'debug' }]);
    const deviceTable = await cli(['env', 'list', '--device', device.uuid]);
    expect(deviceTable.stdout).toMatch(/^ID {2}NAME {2}VALUE\n +\d+ {2}ROLE {2}hall\n$/);

    expect((await cli(['env', 'rm', 'LOG_LEVEL', '--fleet', fleet.slug])).code).toBe(0);
    expect((await cli(['env', 'list', '--fleet', fleet.slug])).stdout).toBe('No variables.\n');
    const missing = await cli(['env', 'rm', 'LOG_LEVEL', '--fleet', fleet.slug]);
    expect(missing.code).toBe(4);

    const neither = await cli(['env', 'list']);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toBe('mooring: give exactly one of --fleet <id-or-slug> and --device <uuid>\n');
  });

  it('simulate registers devices that poll their state endpoint, and they come online', async () => {
    expect((await cli(['fleet', 'create', 'simulated', '-t', 'raspberrypi3'])).code).toBe(0);
    const sim = await cli([
      'simulate',
      '--fleet',
      'admin/simulated',
      '--count',
      '3',
      '--interval',
      '1s',
      '--duration',
      '3s',
      '--device-type',
      'raspberrypi3',
      '--json',
    ]);
    expect(sim.code).toBe(0);
    expect(sim.stderr).toContain('Created a provisioning key for admin/simulated, valid for one day.');
    expect(sim.stderr).toContain('Registered 3 device(s); polling every 1s for 3s.');
    const report = JSON.parse(sim.stdout);
    expect(report).toMatchObject({ registered: 3, errors: 0, silent: 0 });
    expect(report.polls).toBeGreaterThanOrEqual(3);

    await server.app.devices.heartbeats.flush();
    const online = JSON.parse(
      (await cli(['device', 'list', '--fleet', 'admin/simulated', '--status', 'online', '--json'])).stdout,
    );
    expect(online).toHaveLength(3);

    const noFleet = await cli(['simulate']);
    expect(noFleet.code).toBe(2);
    expect(noFleet.stderr).toBe('mooring: give --fleet <id-or-slug> (or set MOORING_PROVISIONING_KEY)\n');
  });

  it('fleet list shows device counts; fleet rm deletes with --yes', async () => {
    const listed = await cli(['fleet', 'list', '--json']);
    const entry = (
      JSON.parse(listed.stdout) as { id: number; deviceCount: number; onlineCount: number }[]
    ).find((f) => f.id === fleet.id);
    expect(entry?.deviceCount).toBeGreaterThan(0);
    expect(entry?.onlineCount).toBeGreaterThanOrEqual(1);

    const table = await cli(['fleet', 'list']);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID {2}NAME +SLUG +DEVICE TYPE +ONLINE {2}CREATED$/);

    expect((await cli(['fleet', 'create', 'spare', '-t', 'raspberrypi3'])).stdout).toMatch(
      /^Created fleet admin\/spare \(id \d+\)\.\n$/,
    );
    const removed = await cli(['fleet', 'rm', 'admin/spare', '--yes']);
    expect(removed).toEqual({ code: 0, stdout: 'Deleted fleet admin/spare.\n', stderr: '' });
    expect((await cli(['fleet', 'rm', 'admin/spare', '--yes'])).code).toBe(4);
  });
});

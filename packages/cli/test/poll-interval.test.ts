import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dialects } from '../../server/test/support/databases.js';
import { runCli, tempConfigDir } from './support/cli.js';
import { provisioningKeyFor, registerDevice } from './support/devices.js';
import { ADMIN_PASSWORD, type ListeningServer, startListeningServer } from './support/server.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

/*
 * Issue 20, "detection latency the user controls": the CLI sets the poll interval on a fleet or a
 * device and says how soon a silent device is reported, floor included.
 */
describe.each(dialects())('mooring fleet|device poll-interval (%s)', (dialect) => {
  let server: ListeningServer;
  const env = { MOORING_CONFIG_DIR: tempConfigDir() };
  const cli = (args: string[], input?: string) =>
    runCli(args, { env: { ...env, MOORING_API_URL: server.url }, ...(input === undefined ? {} : { input }) });

  beforeAll(async () => {
    server = await startListeningServer(dialect, {
      MOORING_HEARTBEAT_MIN_POLL_INTERVAL_MS: '60000',
      MOORING_HEARTBEAT_OFFLINE_GRACE_MS: '15000',
    });
    expect((await cli(['login', '-u', 'admin'], `${ADMIN_PASSWORD}\n`)).code).toBe(0);
  });
  afterAll(async () => server?.close());

  it('shows, sets and clears the interval, and names the floor when it applies', async () => {
    const created = await cli(['fleet', 'create', 'sensors', '-t', 'raspberrypi3', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const fleet = JSON.parse(created.stdout) as { id: number; slug: string };
    const device = await registerDevice(server, await provisioningKeyFor(server, fleet.id), fleet.id);

    const shown = await cli(['device', 'poll-interval', device.uuid]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toBe(
      'Polls every 10 min (server default); if it goes silent it is reported timeout after 15 min and offline after 15 min 15 s.\n',
    );

    const fleetSet = await cli(['fleet', 'poll-interval', fleet.slug, '2m']);
    expect(fleetSet.code, fleetSet.stderr).toBe(0);
    expect(fleetSet.stdout).toMatch(/devices without their own value poll every 2 min/);
    expect((await cli(['device', 'poll-interval', device.uuid])).stdout).toMatch(
      /^Polls every 2 min \(fleet setting 2 min\); .* timeout after 3 min and offline after 3 min 15 s\.\n$/,
    );

    // Below the server's floor: the device's own value is raised, and the CLI says so.
    const below = await cli(['device', 'poll-interval', device.uuid, '10s', '--json']);
    expect(below.code, below.stderr).toBe(0);
    expect(JSON.parse(below.stdout)).toMatchObject({
      uuid: device.uuid,
      source: 'device',
      configuredMs: 10_000,
      pollIntervalMs: 60_000,
      floorApplied: true,
      offlineAfterMs: 105_000,
    });
    expect((await cli(['device', 'poll-interval', device.uuid])).stdout).toMatch(
      /raised to the server's floor 1 min\); .* timeout after 1 min 30 s and offline after 1 min 45 s\./,
    );

    // The device's target state carries the interval it must poll at.
    const state = await fetch(`${server.url}/device/v3/${device.uuid}/state`, {
      headers: { authorization: `Bearer ${device.key}` },
    });
    const body = (await state.json()) as Record<string, { config: Record<string, string> }>;
    expect(body[device.uuid]?.config.RESIN_SUPERVISOR_POLL_INTERVAL).toBe('60000');

    expect((await cli(['device', 'poll-interval', device.uuid, '--clear'])).code).toBe(0);
    expect((await cli(['fleet', 'poll-interval', fleet.slug, '--clear'])).code).toBe(0);
    expect((await cli(['device', 'poll-interval', device.uuid])).stdout).toMatch(/\(server default\)/);
    expect((await cli(['device', 'poll-interval', device.uuid, '5m', '--clear'])).code).toBe(2);
  });
});

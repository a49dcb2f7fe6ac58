import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runSimulator, type SimulatedDevice } from '../../src/devices/simulator.js';
import { dialects } from '../support/databases.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import {
  DEFAULT_TIMEOUT_MS,
  type FleetWithKey,
  fleetWithKey,
  heartbeatRow,
  MANUAL_HEARTBEAT_ENV,
  MINUTE,
} from './support.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** The device simulator against a listening Mooring: real HTTP, real registration, real polls. */
describe.each(dialects())('device simulator (%s)', (dialect) => {
  let t: TestApp;
  let a: FleetWithKey;
  let apiUrl: string;

  beforeAll(async () => {
    t = await createTestApp(dialect, MANUAL_HEARTBEAT_ENV);
    a = await fleetWithKey(t);
    apiUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => t?.close());

  it('registers N devices, keeps them polling with If-None-Match, and lets a fraction go silent', async () => {
    const controller = new AbortController();
    let devices: readonly SimulatedDevice[] = [];
    const overridden: number[] = [];
    const run = runSimulator({
      apiUrl,
      provisioningKey: a.provisioningKey,
      count: 20,
      intervalMs: 40,
      silentFraction: 0.25,
      deviceType: 'raspberrypi3',
      signal: controller.signal,
      onRegistered: (d) => {
        devices = d;
      },
      onServerPollInterval: (ms) => overridden.push(ms),
    });
    await vi.waitFor(() => expect(t.app.devices.heartbeats.stats.polls).toBeGreaterThan(100), {
      timeout: 10_000,
    });
    const t0 = t.clock.now();
    await t.app.devices.heartbeats.flush();
    expect(devices).toHaveLength(20);
    for (const d of devices) expect((await heartbeatRow(t, d.id)).api_heartbeat_state).toBe('online');

    // 15 minutes on (within the 15 s grace): the silent ones time out, the others keep polling.
    t.clock.set(t0 + DEFAULT_TIMEOUT_MS + 5000);
    const polls = t.app.devices.heartbeats.stats.polls;
    await vi.waitFor(() => expect(t.app.devices.heartbeats.stats.polls).toBeGreaterThan(polls + 60), {
      timeout: 10_000,
    });
    await t.app.devices.heartbeats.sweep();
    const states = await Promise.all(
      devices.map(async (d) => [d.silent, (await heartbeatRow(t, d.id)).api_heartbeat_state]),
    );
    expect(states.filter(([silent]) => silent).map(([, s]) => s)).toEqual(Array(5).fill('timeout'));
    expect(states.filter(([silent]) => !silent).map(([, s]) => s)).toEqual(Array(15).fill('online'));

    controller.abort();
    const report = await run;
    expect(report).toMatchObject({ registered: 20, errors: 0, silent: 5 });
    // The server's floor (10 min by default) overrides the simulated 40 ms: said once, at once.
    expect(report.serverPollIntervalMs).toBe(10 * MINUTE);
    expect(overridden).toEqual([10 * MINUTE]);
    // Unchanged target state: after the first 200, polls are answered 304.
    expect(report.notModified).toBeGreaterThan(report.polls / 2);
  });

  it('refuses nonsense options', async () => {
    const signal = new AbortController().signal;
    const base = { apiUrl, provisioningKey: a.provisioningKey, intervalMs: 100, signal };
    await expect(runSimulator({ ...base, count: 0 })).rejects.toThrow(/count/);
    await expect(runSimulator({ ...base, count: 1, silentFraction: 2 })).rejects.toThrow(/silentFraction/);
    await expect(runSimulator({ ...base, count: 1, intervalMs: 1 })).rejects.toThrow(/intervalMs/);
    await expect(
      runSimulator({ ...base, count: 1, provisioningKey: 'not-a-key-0123456789' }),
    ).rejects.toThrow(/401/);
  });

  it('npm run simulate: the script registers and polls, then stops after --duration-seconds', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'scripts/simulate.ts',
        '--api-url',
        apiUrl,
        '--count',
        '3',
        '--interval-ms',
        '100',
        '--device-type',
        'raspberrypi3',
        '--duration-seconds',
        '2',
      ],
      {
        cwd: ROOT,
        env: { ...process.env, MOORING_PROVISIONING_KEY: a.provisioningKey },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, out).toBe(0);
    expect(out).toMatch(/registered 3 devices/);
    const report = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { registered: number; polls: number };
    expect(report.registered).toBe(3);
    expect(report.polls).toBeGreaterThan(3);
    expect(out).not.toContain(a.provisioningKey);
  }, 30_000);
});

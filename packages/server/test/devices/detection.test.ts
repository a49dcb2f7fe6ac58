import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { request } from '../support/fleet-fixtures.js';
import { bearer, createTestApp, type TestApp } from '../support/test-app.js';
import { type FleetWithKey, fleetWithKey, MANUAL_HEARTBEAT_ENV, MINUTE, register } from './support.js';

/*
 * Issue 20, "detection latency the user controls": the status history says how soon a silent device
 * is reported (interval × 1.5 + grace) and which setting decides it, floor included.
 */
describe.each(dialects())('detection latency of a device (%s)', (dialect) => {
  let t: TestApp;
  let f: FleetWithKey;

  beforeAll(async () => {
    t = await createTestApp(dialect, {
      ...MANUAL_HEARTBEAT_ENV,
      MOORING_HEARTBEAT_MIN_POLL_INTERVAL_MS: String(MINUTE),
      MOORING_HEARTBEAT_OFFLINE_GRACE_MS: '20000',
    });
    f = await fleetWithKey(t);
  });
  afterAll(async () => t?.close());

  const detectionOf = async (uuid: string) => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/mooring/v1/devices/${uuid}/status-history`,
      headers: bearer(f.admin),
    });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { detection: Record<string, unknown> }).detection;
  };
  const setVar = async (resource: string, owner: Record<string, number>, value: string) => {
    const res = await request(t.app, 'POST', `/v7/${resource}`, f.admin, {
      ...owner,
      name: 'BALENA_SUPERVISOR_POLL_INTERVAL',
      value,
    });
    expect(res.status, res.body).toBe(201);
  };

  it('follows the default, then the fleet variable, then the device variable, never below the floor', async () => {
    const device = await register(t.app, f.provisioningKey, f.fleet.id);
    expect(await detectionOf(device.uuid)).toEqual({
      pollIntervalMs: 10 * MINUTE,
      source: 'default',
      configuredMs: null,
      floorMs: MINUTE,
      floorApplied: false,
      timeoutAfterMs: 15 * MINUTE,
      offlineAfterMs: 15 * MINUTE + 20_000,
    });

    await setVar('application_config_variable', { application: f.fleet.id }, String(2 * MINUTE));
    expect(await detectionOf(device.uuid)).toMatchObject({
      pollIntervalMs: 2 * MINUTE,
      source: 'fleet',
      configuredMs: 2 * MINUTE,
      floorApplied: false,
      timeoutAfterMs: 3 * MINUTE,
      offlineAfterMs: 3 * MINUTE + 20_000,
    });

    // Below the server's floor: the floor decides, and the answer says so.
    await setVar('device_config_variable', { device: device.id }, '10000');
    expect(await detectionOf(device.uuid)).toMatchObject({
      pollIntervalMs: MINUTE,
      source: 'device',
      configuredMs: 10_000,
      floorApplied: true,
      timeoutAfterMs: 1.5 * MINUTE,
      offlineAfterMs: 1.5 * MINUTE + 20_000,
    });
  });
});

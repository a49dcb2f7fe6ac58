import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { addMember, createOrganization, createUser, request } from '../support/fleet-fixtures.js';
import { createTestApp, loginAs, type TestApp } from '../support/test-app.js';
import { type FleetWithKey, fleetWithKey, MANUAL_HEARTBEAT_ENV, MINUTE, register } from './support.js';

/*
 * Issue 23, fleet configuration in the dashboard: the detection time that applies to a fleet's
 * devices (those without their own interval), from the server that knows its default, floor and
 * grace, for whoever may read the fleet.
 */
describe.each(dialects())('detection latency of a fleet (%s)', (dialect) => {
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

  const url = () => `/mooring/v1/fleets/${f.fleet.id}/detection`;

  it('follows the default, then the fleet variable, never below the floor; a device variable does not count', async () => {
    expect((await request(t.app, 'GET', url(), f.admin)).json).toEqual({
      pollIntervalMs: 10 * MINUTE,
      source: 'default',
      configuredMs: null,
      floorMs: MINUTE,
      floorApplied: false,
      timeoutAfterMs: 15 * MINUTE,
      offlineAfterMs: 15 * MINUTE + 20_000,
    });
    const device = await register(t.app, f.provisioningKey, f.fleet.id);
    const own = await request(t.app, 'POST', '/v7/device_config_variable', f.admin, {
      device: device.id,
      name: 'BALENA_SUPERVISOR_POLL_INTERVAL',
      value: String(5 * MINUTE),
    });
    expect(own.status).toBe(201);
    expect((await request(t.app, 'GET', url(), f.admin)).json).toMatchObject({ source: 'default' });

    const set = await request(t.app, 'POST', '/v7/application_config_variable', f.admin, {
      application: f.fleet.id,
      name: 'BALENA_SUPERVISOR_POLL_INTERVAL',
      value: String(30_000),
    });
    expect(set.status).toBe(201);
    expect((await request(t.app, 'GET', url(), f.admin)).json).toEqual({
      pollIntervalMs: MINUTE,
      source: 'fleet',
      configuredMs: 30_000,
      floorMs: MINUTE,
      floorApplied: true,
      timeoutAfterMs: 1.5 * MINUTE,
      offlineAfterMs: 1.5 * MINUTE + 20_000,
    });
  });

  it('is a 404 for a fleet the caller cannot read or that does not exist; 403 for a device', async () => {
    const outsider = await createUser(t, f.admin, 'fleetless');
    const org = await createOrganization(t, f.admin, 'Other', 'other');
    await addMember(t, f.admin, org.id, outsider.id);
    const session = await loginAs(t.app, outsider.username, outsider.password);
    const denied = await request(t.app, 'GET', url(), session);
    expect(denied.status).toBe(404);
    expect(denied.json).toMatchObject({ error: { code: 'not_found' } });
    expect((await request(t.app, 'GET', '/mooring/v1/fleets/999999/detection', f.admin)).status).toBe(404);
    const device = await register(t.app, f.provisioningKey, f.fleet.id);
    expect((await request(t.app, 'GET', url(), device.key)).status).toBe(403);
    expect((await request(t.app, 'GET', url())).status).toBe(401);
    expect((await request(t.app, 'GET', '/mooring/v1/fleets/abc/detection', f.admin)).status).toBe(400);
  });
});

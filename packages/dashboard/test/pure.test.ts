import { MooringError } from '@mooring/sdk';
import { describe, expect, it } from 'vitest';
import { describeError } from '../src/lib/errors.ts';
import { endOfLocalDay, formatRelative } from '../src/lib/format.ts';
import { matchRoute } from '../src/lib/router.tsx';
import { registrationExample } from '../src/pages/fleets/ProvisioningKeyDialog.tsx';
import { NO_LIMITS, scopesOf } from '../src/pages/keys/LimitsFieldset.tsx';
import { chromiumAvailable } from './support/browser.js';

describe('client routes', () => {
  it.each([
    ['/', { name: 'fleets' }],
    ['/fleets', { name: 'fleets' }],
    ['/fleets/', { name: 'fleets' }],
    ['/fleets/12', { name: 'fleet', id: '12' }],
    ['/fleets/my-fleet?x=1', { name: 'fleet', id: 'my-fleet' }],
    ['/devices/abc123', { name: 'device', uuid: 'abc123' }],
    ['/devices', { name: 'devices' }],
    ['/keys', { name: 'keys' }],
    ['/account', { name: 'account' }],
    ['/admin', { name: 'admin' }],
    ['/fleets/1/extra', { name: 'not-found' }],
    ['/nope', { name: 'not-found' }],
  ])('%s', (path, route) => {
    expect(matchRoute(path)).toEqual(route);
  });
});

describe('key limits → scopes sent to the API', () => {
  it('sends nothing for full rights, ["read"] for read-only, and one scope per chosen area', () => {
    expect(scopesOf(NO_LIMITS)).toBeUndefined();
    expect(scopesOf({ ...NO_LIMITS, mode: 'read' })).toEqual(['read']);
    expect(
      scopesOf({ mode: 'areas', areas: { fleets: 'read', devices: 'write', env: 'none', keys: 'none' } }),
    ).toEqual(['fleets:read', 'devices:write']);
  });
});

describe('registration example', () => {
  it('posts the fleet, user and device type with the provisioning key, as JSON once the shell expands $UUID', () => {
    const text = registrationExample('http://127.0.0.1:8080', 'mk_p_KEY', 7, 3, 'raspberrypi4-64');
    expect(text).toContain("curl -sS -X POST 'http://127.0.0.1:8080/device/register'");
    expect(text).toContain("-H 'Authorization: Bearer mk_p_KEY'");
    // What the shell passes to curl: the single-quoted parts with "$UUID" expanded.
    const dArg = /-d '(.*)' \\$/m.exec(text)?.[1] ?? '';
    const expanded = dArg.replace(`'"$UUID"'`, '0123456789abcdef0123456789abcdef');
    expect(JSON.parse(expanded)).toEqual({
      user: 3,
      application: 7,
      uuid: '0123456789abcdef0123456789abcdef',
      device_type: 'raspberrypi4-64',
    });
  });
});

describe('error messages', () => {
  it('says "cannot reach the server" for network failures and keeps the API message for refusals', () => {
    expect(describeError(new MooringError('Network', 'fetch failed')).title).toBe('Cannot reach the server');
    const forbidden = describeError(new MooringError('Forbidden', 'Instance administrator rights required'));
    expect(forbidden.title).toBe('Not allowed');
    expect(forbidden.detail).toContain('Instance administrator rights required');
    expect(describeError(new MooringError('Validation', 'name is too short')).detail).toBe(
      'name is too short',
    );
    const server = describeError(new MooringError('Server', 'boom', { requestId: 'req-1' }));
    expect(server.detail).toContain('req-1');
    expect(server.detail).not.toContain('boom');
  });
});

describe('dates', () => {
  it('turns a picked date into the end of that local day', () => {
    const iso = endOfLocalDay('2027-03-04');
    const date = new Date(iso);
    expect([date.getFullYear(), date.getMonth(), date.getDate(), date.getHours(), date.getMinutes()]).toEqual(
      [2027, 2, 4, 23, 59],
    );
  });

  it('formats relative times and a missing value', () => {
    const now = Date.UTC(2026, 0, 1, 12);
    expect(formatRelative(null, now)).toBe('never');
    expect(formatRelative(new Date(now - 3 * 60_000).toISOString(), now)).toBe('3 minutes ago');
    expect(formatRelative(new Date(now + 2 * 86_400_000).toISOString(), now)).toBe('in 2 days');
  });
});

describe('browser test gate', () => {
  const missing = '/nonexistent/chromium';

  it('skips loudly on a workstation without Chromium', () => {
    const said: string[] = [];
    expect(chromiumAvailable(missing, {}, (m) => said.push(m))).toBe(false);
    expect(said.join('')).toMatch(
      /SKIPPING the dashboard browser tests: \/nonexistent\/chromium is not installed/,
    );
  });

  it.each(['true', '1', 'yes'])('fails instead of skipping when CI=%s', (ci) => {
    expect(() => chromiumAvailable(missing, { CI: ci }, () => {})).toThrow(/CI is set/);
  });

  it('treats CI=false as a workstation', () => {
    expect(chromiumAvailable(missing, { CI: 'false' }, () => {})).toBe(false);
  });
});

import { MooringError } from '@mooring/sdk';
import { describe, expect, it } from 'vitest';
import { describeError } from '../src/lib/errors.ts';
import { endOfLocalDay, formatRelative } from '../src/lib/format.ts';
import { matchRoute } from '../src/lib/router.tsx';
import { onlinePercent, timeIn, uptimeSegments } from '../src/lib/uptime.ts';
import { usageBars } from '../src/lib/usage.ts';
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
    ['/webhooks', { name: 'webhooks' }],
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

describe('usage chart bars', () => {
  it('scales to the busiest day, keeps a used day visible and an unused one flat', () => {
    const bars = usageBars(
      [
        { day: '2026-01-01', requests: 0 },
        { day: '2026-01-02', requests: 1000 },
        { day: '2026-01-03', requests: 1 },
        { day: '2026-01-04', requests: 500 },
      ],
      400,
      100,
    );
    expect(bars.map((b) => [b.x, b.width, b.height, b.y])).toEqual([
      [0, 99, 0, 100],
      [100, 99, 100, 0],
      [200, 99, 1, 99],
      [300, 99, 50, 50],
    ]);
    expect(usageBars([{ day: '2026-01-01', requests: 0 }], 10, 10)[0]?.height).toBe(0);
    expect(usageBars([], 10, 10)).toEqual([]);
  });
});

describe('uptime strip segments', () => {
  const H = 3_600_000;
  const at = (h: number): string => new Date(h * H).toISOString();
  const since = 0;
  const now = 24 * H;

  it('cuts the window at each change, from the state at its start to now', () => {
    const events = [
      { from: 'offline', to: 'online', at: at(20) },
      { from: 'timeout', to: 'offline', at: at(10.25) },
      { from: 'online', to: 'timeout', at: at(10) },
    ] as const;
    const segments = uptimeSegments({ stateAtSince: 'online', events }, since, now);
    expect(segments).toEqual([
      { state: 'online', start: 0, end: 10 * H },
      { state: 'timeout', start: 10 * H, end: 10.25 * H },
      { state: 'offline', start: 10.25 * H, end: 20 * H },
      { state: 'online', start: 20 * H, end: 24 * H },
    ]);
    expect(timeIn(segments)).toMatchObject({ online: 14 * H, timeout: 0.25 * H, offline: 9.75 * H });
    expect(onlinePercent(segments)).toBe(58.3);
  });

  it('is one segment for a device that did not change; clips changes outside the window', () => {
    expect(uptimeSegments({ stateAtSince: 'unknown', events: [] }, since, now)).toEqual([
      { state: 'unknown', start: 0, end: now },
    ]);
    const segments = uptimeSegments(
      {
        stateAtSince: 'offline',
        events: [
          { from: 'online', to: 'offline', at: at(30) },
          { from: 'offline', to: 'online', at: at(12) },
          { from: 'online', to: 'offline', at: at(-2) },
        ],
      },
      since,
      now,
    );
    expect(segments).toEqual([
      { state: 'offline', start: 0, end: 12 * H },
      { state: 'online', start: 12 * H, end: now },
    ]);
    expect(onlinePercent(segments)).toBe(50);
  });

  it('shows the part before the oldest listed change as unlisted when the start state is unknown', () => {
    const segments = uptimeSegments(
      { stateAtSince: null, events: [{ from: 'offline', to: 'online', at: at(23) }] },
      since,
      now,
    );
    expect(segments).toEqual([
      { state: 'unlisted', start: 0, end: 23 * H },
      { state: 'online', start: 23 * H, end: now },
    ]);
    expect(onlinePercent(segments)).toBe(100);
    expect(uptimeSegments({ events: [] }, now, now)).toEqual([]);
    expect(onlinePercent([{ state: 'unknown', start: 0, end: now }])).toBeNull();
  });
});

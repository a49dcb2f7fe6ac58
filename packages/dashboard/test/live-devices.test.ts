import type { Device, MooringEvent } from '@mooring/sdk';
import { describe, expect, it } from 'vitest';
import { formatDuration } from '../src/lib/format.js';
import { affectsPage, applyCounts, applyEvents } from '../src/lib/live-devices.js';

const device = (uuid: string, status: Device['status'] = 'online'): Device => ({
  id: 1,
  uuid,
  name: uuid,
  fleetId: 1,
  deviceType: null,
  status,
  isOnline: status === 'online',
  overallStatus: 'idle',
  lastConnectivityEvent: null,
  lastHeartbeatAt: '2026-01-01T00:00:00.000Z',
  createdAt: '2026-01-01T00:00:00.000Z',
  osVersion: null,
  supervisorVersion: null,
  ipAddress: null,
  note: null,
});

const event = (
  type: MooringEvent['type'],
  deviceUuid: string,
  previousStatus: string | null,
  status: string | null,
  at = '2026-01-02T00:00:00.000Z',
): MooringEvent => ({
  id: 1,
  type,
  at,
  organization: 1,
  fleet: 1,
  device: 1,
  deviceUuid,
  deviceSeq: 1,
  apiKey: null,
  previousStatus,
  status,
  data: null,
});

describe('applyEvents', () => {
  it('applies transitions in order; an online event moves "last seen" to its time', () => {
    const rows = [device('a', 'offline'), device('b')];
    const next = applyEvents(rows, [
      event('device.online', 'a', 'offline', 'online', '2026-01-03T00:00:00.000Z'),
      event('device.timeout', 'b', 'online', 'timeout'),
      event('device.offline', 'b', 'timeout', 'offline'),
      event('device.online', 'zzz', 'offline', 'online'),
    ]);
    expect(next.map((d) => [d.uuid, d.status, d.lastHeartbeatAt])).toEqual([
      ['a', 'online', '2026-01-03T00:00:00.000Z'],
      ['b', 'offline', '2026-01-01T00:00:00.000Z'],
    ]);
    expect(rows[0]?.status).toBe('offline');
  });
});

describe('affectsPage', () => {
  const onPage = new Set(['a']);
  it('re-reads for lifecycle events and wherever order or membership can change', () => {
    const byName = { status: undefined, search: '', sort: 'name' } as const;
    expect(affectsPage(byName, onPage, event('device.registered', 'x', null, 'unknown'))).toBe(true);
    expect(affectsPage(byName, onPage, event('device.offline', 'a', 'timeout', 'offline'))).toBe(false);
    expect(affectsPage(byName, onPage, event('device.offline', 'x', 'timeout', 'offline'))).toBe(false);
    const byStatus = { ...byName, sort: 'status' } as const;
    expect(affectsPage(byStatus, onPage, event('device.offline', 'x', 'timeout', 'offline'))).toBe(true);
    const offlineOnly = { ...byName, status: 'offline' } as const;
    expect(affectsPage(offlineOnly, onPage, event('device.offline', 'x', 'timeout', 'offline'))).toBe(true);
    expect(affectsPage(offlineOnly, onPage, event('device.online', 'a', 'offline', 'online'))).toBe(true);
    expect(affectsPage(offlineOnly, onPage, event('device.online', 'x', 'unknown', 'online'))).toBe(false);
  });
});

describe('applyCounts', () => {
  it('moves one device per transition and marks lifecycle events stale', () => {
    const counts = { online: 2, timeout: 0, offline: 1, unknown: 0 };
    expect(applyCounts(counts, [event('device.timeout', 'a', 'online', 'timeout')])).toEqual({
      counts: { online: 1, timeout: 1, offline: 1, unknown: 0 },
      stale: false,
    });
    expect(applyCounts(counts, [event('device.deleted', 'a', null, null)]).stale).toBe(true);
  });
});

describe('formatDuration', () => {
  it('keeps second resolution', () => {
    expect(formatDuration(45_400)).toBe('45 s');
    expect(formatDuration(185_000)).toBe('3 min 5 s');
    expect(formatDuration(7_800_000)).toBe('2 h 10 min');
    expect(formatDuration(3 * 86_400_000 + 4 * 3_600_000)).toBe('3 d 4 h');
  });
});

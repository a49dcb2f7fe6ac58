import type { Device, DeviceSort, DeviceStatusCounts, HeartbeatState, MooringEvent } from '@mooring/sdk';
import { formatRelative } from './format.ts';

// Pure rules for keeping a page of devices current from the event stream (docs/events.md), so the
// dashboard re-reads a page only when an event can change which rows it holds or their order.

const STATES: ReadonlySet<string> = new Set(['online', 'timeout', 'offline', 'unknown']);
const isState = (value: string | null): value is HeartbeatState => value !== null && STATES.has(value);

/** What the list shows: the filter, search and sort of the visible page. */
export interface PageView {
  readonly status: HeartbeatState | undefined;
  readonly search: string;
  readonly sort: DeviceSort;
}

/**
 * "Last seen" is the device's last heartbeat (its last poll, as the server wrote it), not its last
 * status change: a device silent since 15:03 shows 15:03, not the 15:18 at which it timed out.
 */
export function lastSeen(device: Pick<Device, 'lastHeartbeatAt'>, now: number = Date.now()): string {
  return formatRelative(device.lastHeartbeatAt, now);
}

/** The rows with the status transitions of `events` applied, in order; other rows untouched. */
export function applyEvents(devices: readonly Device[], events: readonly MooringEvent[]): Device[] {
  const changes = new Map<string, { status: HeartbeatState; at: string | null }>();
  for (const event of events) {
    if (event.deviceUuid === null || !isState(event.status)) continue;
    const before = changes.get(event.deviceUuid);
    // An online transition is a heartbeat: its time is the device's last poll that we know of.
    const at = event.type === 'device.online' ? event.at : (before?.at ?? null);
    changes.set(event.deviceUuid, { status: event.status, at });
  }
  if (changes.size === 0) return [...devices];
  return devices.map((device) => {
    const change = changes.get(device.uuid);
    if (!change) return device;
    return {
      ...device,
      status: change.status,
      isOnline: change.status === 'online',
      lastHeartbeatAt: change.at ?? device.lastHeartbeatAt,
    };
  });
}

/**
 * Whether an event can change which devices the page holds or their order, so that the page must
 * be read again; a status change of a device on a page sorted by name only needs `applyEvents`.
 */
export function affectsPage(view: PageView, onPage: ReadonlySet<string>, event: MooringEvent): boolean {
  if (event.type === 'device.registered' || event.type === 'device.deleted' || event.type === 'device.moved')
    return true;
  if (!isState(event.status)) return false;
  const present = event.deviceUuid !== null && onPage.has(event.deviceUuid);
  if (view.status !== undefined && (event.status === view.status || present)) return true;
  if (view.sort === 'status') return true;
  return present && view.sort === 'last-seen' && event.type === 'device.online';
}

/** Counts with the transitions of `events` applied; lifecycle events need a fresh count instead. */
export function applyCounts(
  counts: DeviceStatusCounts,
  events: readonly MooringEvent[],
): { counts: DeviceStatusCounts; stale: boolean } {
  const next: Record<HeartbeatState, number> = { ...counts };
  let stale = false;
  for (const event of events) {
    if (isState(event.previousStatus) && isState(event.status) && event.type !== 'device.moved') {
      next[event.previousStatus] = Math.max(0, next[event.previousStatus] - 1);
      next[event.status]++;
    } else {
      stale = true;
    }
  }
  return { counts: next, stale };
}

/** Worst first: what needs attention leads. */
export const HEALTH_ORDER: readonly HeartbeatState[] = ['offline', 'timeout', 'unknown', 'online'];

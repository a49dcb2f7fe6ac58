import type { HeartbeatState } from '@mooring/sdk';

/** `unlisted`: a part of the window whose changes the server did not list (more than asked for). */
export type UptimeState = HeartbeatState | 'unlisted';

export interface UptimeSegment {
  readonly state: UptimeState;
  /** Epoch milliseconds, `start` inclusive, `end` exclusive. */
  readonly start: number;
  readonly end: number;
}

export interface StatusWindow {
  /** The state at the window start; `null` when the server listed only the newest changes. */
  readonly stateAtSince?: HeartbeatState | null | undefined;
  /** Newest first, as the server answers. */
  readonly events: readonly {
    readonly from: HeartbeatState;
    readonly to: HeartbeatState;
    readonly at: string;
  }[];
}

/**
 * The window `[since, now)` cut into the states the device was in, oldest first: from the state at
 * the window start through each change. Changes outside the window are clipped; neighbours of the
 * same state are merged; empty pieces dropped. When the start state is unknown (`null`), the part
 * before the oldest listed change is `unlisted` rather than a guess.
 */
export function uptimeSegments(window: StatusWindow, since: number, now: number): UptimeSegment[] {
  if (!(now > since)) return [];
  const changes = [...window.events]
    .map((e) => ({ at: Date.parse(e.at), from: e.from, to: e.to }))
    .filter((e) => Number.isFinite(e.at))
    .sort((a, b) => a.at - b.at);
  const out: UptimeSegment[] = [];
  const push = (state: UptimeState, start: number, end: number): void => {
    const s = Math.max(start, since);
    const e = Math.min(end, now);
    if (e <= s) return;
    const last = out.at(-1);
    if (last && last.state === state && last.end === s)
      out[out.length - 1] = { state, start: last.start, end: e };
    else out.push({ state, start: s, end: e });
  };
  let state: UptimeState =
    window.stateAtSince === null ? 'unlisted' : (window.stateAtSince ?? changes[0]?.from ?? 'unknown');
  let at = since;
  for (const change of changes) {
    push(state, at, change.at);
    state = change.to;
    at = Math.max(at, change.at);
  }
  push(state, at, now);
  return out;
}

/** Milliseconds spent in each state over the segments. */
export function timeIn(segments: readonly UptimeSegment[]): Record<UptimeState, number> {
  const total: Record<UptimeState, number> = { online: 0, timeout: 0, offline: 0, unknown: 0, unlisted: 0 };
  for (const s of segments) total[s.state] += s.end - s.start;
  return total;
}

/**
 * The share of the time the device was seen (online, timed out or offline) that it was online, as a
 * percentage rounded down to one decimal (`99.5`). Before its first heartbeat ("never seen") and an
 * unlisted stretch do not count either way. Null when it was not seen at all.
 */
export function onlinePercent(segments: readonly UptimeSegment[]): number | null {
  const spent = timeIn(segments);
  const seen = spent.online + spent.timeout + spent.offline;
  return seen === 0 ? null : Math.floor((spent.online / seen) * 1000) / 10;
}

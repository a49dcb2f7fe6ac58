import { createHash } from 'node:crypto';
import type { HeartbeatConfig } from '../config/config.js';
import { TIMEOUT_FACTOR } from './heartbeat.js';
import type { StateSource } from './target-state.repository.js';

/*
 * Target-state documents (docs/devices.md). Built once per change of their inputs, serialized
 * once, with a precomputed ETag, so a poll costs a map lookup and a string send.
 */

export type StateApiVersion = 'v2' | 'v3';

export interface RenderedState {
  readonly body: string;
  /** Strong ETag over the exact body. */
  readonly etag: string;
}

export interface CachedTargetState {
  readonly deviceId: number;
  readonly deviceVersion: number;
  readonly fleetVersion: number;
  /** The effective poll interval (ms): drives the heartbeat timeout of this device. */
  readonly pollIntervalMs: number;
  readonly v2: RenderedState;
  readonly v3: RenderedState;
}

const POLL_VARS = ['BALENA_SUPERVISOR_POLL_INTERVAL', 'RESIN_SUPERVISOR_POLL_INTERVAL'] as const;

/**
 * The poll interval balena uses for the heartbeat (COMPAT.md A9): the device's config variable, else
 * the fleet's (BALENA_ before RESIN_), else the default; never below the floor. Garbage values count
 * as unset rather than failing the poll.
 */
export function effectivePollInterval(
  deviceConfig: ReadonlyMap<string, string>,
  fleetConfig: ReadonlyMap<string, string>,
  config: HeartbeatConfig,
): number {
  return detection(deviceConfig, fleetConfig, config).pollIntervalMs;
}

/** How soon a silent device is reported, and which setting decides it (docs/events.md). */
export interface Detection {
  /** The interval the heartbeat uses (and hands the device to poll at). */
  readonly pollIntervalMs: number;
  /** Where the interval comes from: the device's or the fleet's config variable, or the server default. */
  readonly source: 'device' | 'fleet' | 'default';
  /** The configured value before the floor, when a variable sets one. */
  readonly configuredMs: number | null;
  /** The server's floor (MOORING_HEARTBEAT_MIN_POLL_INTERVAL_MS), and whether it raised the interval. */
  readonly floorMs: number;
  readonly floorApplied: boolean;
  /** Worst case from the last poll: `timeout` after 1.5 × the interval, `offline` a grace later. */
  readonly timeoutAfterMs: number;
  readonly offlineAfterMs: number;
}

export function detection(
  deviceConfig: ReadonlyMap<string, string>,
  fleetConfig: ReadonlyMap<string, string>,
  config: HeartbeatConfig,
): Detection {
  const fromDevice = readPollVar(deviceConfig);
  const fromFleet = fromDevice === undefined ? readPollVar(fleetConfig) : undefined;
  const configured = fromDevice ?? fromFleet;
  const wanted = configured ?? config.defaultPollIntervalMs;
  const pollIntervalMs = Math.max(wanted, config.minPollIntervalMs);
  const timeoutAfterMs = Math.round(TIMEOUT_FACTOR * pollIntervalMs);
  return {
    pollIntervalMs,
    source: fromDevice !== undefined ? 'device' : fromFleet !== undefined ? 'fleet' : 'default',
    configuredMs: configured ?? null,
    floorMs: config.minPollIntervalMs,
    floorApplied: wanted < config.minPollIntervalMs,
    timeoutAfterMs,
    offlineAfterMs: timeoutAfterMs + config.offlineGraceMs,
  };
}

function readPollVar(vars: ReadonlyMap<string, string>): number | undefined {
  for (const name of POLL_VARS) {
    const raw = vars.get(name)?.trim();
    if (raw !== undefined && /^\d{1,12}$/.test(raw)) return Number(raw);
  }
  return undefined;
}

/** Fleet values overridden by device values; names sorted so equal inputs give equal bytes (and ETags). */
function merge(
  fleet: ReadonlyMap<string, string>,
  device: ReadonlyMap<string, string>,
): Record<string, string> {
  const merged = new Map(fleet);
  for (const [name, value] of device) merged.set(name, value);
  const out: Record<string, string> = {};
  for (const name of [...merged.keys()].sort()) out[name] = merged.get(name) as string;
  return out;
}

function rendered(body: unknown): RenderedState {
  const text = JSON.stringify(body);
  const digest = createHash('sha256').update(text).digest('base64url').slice(0, 27);
  return { body: text, etag: `"${digest}"` };
}

export function buildTargetState(source: StateSource, config: HeartbeatConfig): CachedTargetState {
  const pollIntervalMs = effectivePollInterval(source.deviceConfig, source.fleetConfig, config);
  const deviceConfig = merge(source.fleetConfig, source.deviceConfig);
  // balena injects the interval it actually uses, so the supervisor polls at the rate the timeout assumes.
  deviceConfig.RESIN_SUPERVISOR_POLL_INTERVAL = String(pollIntervalMs);
  if ('BALENA_SUPERVISOR_POLL_INTERVAL' in deviceConfig)
    deviceConfig.BALENA_SUPERVISOR_POLL_INTERVAL = String(pollIntervalMs);
  const environment = merge(source.fleetEnv, source.deviceEnv);
  const v3 = {
    [source.uuid]: {
      name: source.deviceName,
      config: deviceConfig,
      apps: {
        [source.fleetUuid]: {
          id: source.fleetId,
          name: source.fleetName,
          is_host: source.isHost,
          class: source.fleetClass,
          environment,
          releases: {},
        },
      },
    },
  };
  const v2 = {
    local: {
      name: source.deviceName,
      config: deviceConfig,
      apps: {
        [String(source.fleetId)]: {
          appId: source.fleetId,
          name: source.fleetName,
          commit: null,
          releaseId: null,
          environment,
          services: {},
          volumes: {},
          networks: {},
        },
      },
    },
    dependent: { apps: {}, devices: {} },
  };
  return {
    deviceId: source.deviceId,
    deviceVersion: source.deviceVersion,
    fleetVersion: source.fleetVersion,
    pollIntervalMs,
    v2: rendered(v2),
    v3: rendered(v3),
  };
}

/** Bounded per-device cache of built documents; the oldest entry goes first when full. */
export class TargetStateCache {
  private readonly entries = new Map<number, CachedTargetState>();
  builds = 0;

  constructor(private readonly maxEntries = 200_000) {}

  get(deviceId: number): CachedTargetState | undefined {
    return this.entries.get(deviceId);
  }

  set(entry: CachedTargetState): void {
    if (!this.entries.has(entry.deviceId) && this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.builds++;
    this.entries.set(entry.deviceId, entry);
  }

  delete(deviceId: number): void {
    this.entries.delete(deviceId);
  }
}

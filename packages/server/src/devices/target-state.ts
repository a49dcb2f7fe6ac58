import { createHash } from 'node:crypto';
import type { HeartbeatConfig } from '../config/config.js';
import { TIMEOUT_FACTOR } from './heartbeat.js';
import type { StateSource } from './target-state.repository.js';

/*
 * Target-state documents (docs/devices.md). A document is built, serialized and tagged once per
 * change of its inputs. The cache keeps only what a poll of an unchanged document needs (its
 * versions, interval and ETags), not the bodies: a device that sends its tag gets a 304 from memory,
 * and the rare poll without a matching tag rebuilds the body. At 100,000 devices that is ~20 MB
 * of heap instead of ~120 MB.
 */

export type StateApiVersion = 'v2' | 'v3';

export interface RenderedState {
  readonly body: string;
  /** Strong ETag over the exact body. */
  readonly etag: string;
}

/** What a poll needs while the document is unchanged. */
export interface CachedTargetState {
  readonly deviceId: number;
  readonly deviceVersion: number;
  readonly fleetVersion: number;
  /** The effective poll interval (ms): drives the heartbeat timeout of this device. */
  readonly pollIntervalMs: number;
  /** The ETag of each API version's document. */
  readonly etags: { readonly v2: string; readonly v3: string };
}

/** A freshly built document in both API versions. */
export interface BuiltTargetState extends CachedTargetState {
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
  // Copied into one flat string: the tag stays cached per device, and the sliced digest wrapped in
  // quotes would keep three string objects and the whole digest alive (461 → 253 bytes an entry).
  return { body: text, etag: Buffer.from(`"${digest}"`, 'latin1').toString('latin1') };
}

export function buildTargetState(source: StateSource, config: HeartbeatConfig): BuiltTargetState {
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
  const v2State = rendered(v2);
  const v3State = rendered(v3);
  return {
    deviceId: source.deviceId,
    deviceVersion: source.deviceVersion,
    fleetVersion: source.fleetVersion,
    pollIntervalMs,
    etags: { v2: v2State.etag, v3: v3State.etag },
    v2: v2State,
    v3: v3State,
  };
}

/** Bounded per-device cache of documents' tags; the oldest entry goes first when full. */
export class TargetStateCache {
  private readonly entries = new Map<number, CachedTargetState>();
  builds = 0;

  constructor(private readonly maxEntries = 200_000) {}

  get(deviceId: number): CachedTargetState | undefined {
    return this.entries.get(deviceId);
  }

  /** Remembers a built document's tags (a new object: the bodies are not kept alive). */
  set(built: BuiltTargetState): void {
    const { deviceId, deviceVersion, fleetVersion, pollIntervalMs, etags } = built;
    if (!this.entries.has(deviceId) && this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.builds++;
    const entry: CachedTargetState = { deviceId, deviceVersion, fleetVersion, pollIntervalMs, etags };
    this.entries.set(deviceId, entry);
  }

  delete(deviceId: number): void {
    this.entries.delete(deviceId);
  }
}

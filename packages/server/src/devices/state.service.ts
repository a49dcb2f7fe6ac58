import type { Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors/app-error.js';
import { etagMatches } from '../http/etag.js';
import {
  mayReadDeviceState,
  mayReportDeviceState,
  pollCountsAsHeartbeat,
} from '../permissions/permissions.js';
import { updateReportedState } from './devices.repository.js';
import type { Heartbeats } from './heartbeat.js';
import { reportedColumns, v2Report, v3Report } from './reported-state.js';
import {
  type BuiltTargetState,
  buildTargetState,
  type CachedTargetState,
  type StateApiVersion,
  TargetStateCache,
} from './target-state.js';
import { loadStateSource, readStateVersions } from './target-state.repository.js';

export type PollResult =
  /** Unknown uuid or not the caller's device: balena's graceful deny, a bare 304 (COMPAT.md A9). */
  | { readonly kind: 'deny' }
  | { readonly kind: 'not-modified'; readonly etag: string }
  | { readonly kind: 'state'; readonly etag: string; readonly body: string };

/**
 * The device state endpoints. A poll is one indexed read (is the cached document still current?),
 * a map lookup and an in-memory heartbeat; the document is rebuilt only after its inputs changed,
 * or for a poll that does not send its current tag.
 */
export class DeviceStateService {
  readonly cache = new TargetStateCache();

  constructor(
    private readonly ctx: AppContext,
    private readonly heartbeats: Heartbeats,
  ) {}

  async poll(
    principal: Principal,
    uuid: string,
    version: StateApiVersion,
    ifNoneMatch: string | undefined,
  ): Promise<PollResult> {
    const versions = await readStateVersions(this.ctx.db, uuid);
    if (!versions || !mayReadDeviceState(principal, versions.deviceId)) return { kind: 'deny' };
    let entry: CachedTargetState | undefined = this.cache.get(versions.deviceId);
    let built: BuiltTargetState | undefined;
    if (
      !entry ||
      entry.deviceVersion !== versions.deviceVersion ||
      entry.fleetVersion !== versions.fleetVersion
    ) {
      built = await this.rebuild(versions.deviceId);
      if (!built) return { kind: 'deny' };
      entry = built;
    }
    if (pollCountsAsHeartbeat(principal)) this.heartbeats.record(entry.deviceId, entry.pollIntervalMs);
    const etag = entry.etags[version];
    if (etagMatches(ifNoneMatch, etag)) return { kind: 'not-modified', etag };
    // The device has no current tag (first poll, lost tag): the body is rebuilt, not kept per device.
    built ??= await this.rebuild(versions.deviceId);
    if (!built) return { kind: 'deny' };
    const rendered = built[version];
    return { kind: 'state', etag: rendered.etag, body: rendered.body };
  }

  /** The device's document built from its current inputs, its tags cached; undefined once it is gone. */
  private async rebuild(deviceId: number): Promise<BuiltTargetState | undefined> {
    const source = await loadStateSource(this.ctx.db, deviceId);
    if (!source) return undefined;
    const built = buildTargetState(source, this.ctx.config.heartbeat);
    this.cache.set(built);
    return built;
  }

  /** Stores the known fields of a device's report; unknown fields are ignored (reported-state.ts). */
  async report(
    principal: Principal,
    uuid: string,
    version: StateApiVersion,
    body: Readonly<Record<string, unknown>>,
  ): Promise<void> {
    const versions = await readStateVersions(this.ctx.db, uuid);
    // Same answer for an unknown uuid and someone else's device: no existence oracle.
    if (!versions || !mayReportDeviceState(principal, versions.deviceId)) {
      throw new AppError('unauthorized', '');
    }
    const report = version === 'v2' ? v2Report(body) : v3Report(body, uuid);
    await updateReportedState(this.ctx.db, versions.deviceId, reportedColumns(report), this.ctx.clock.now());
  }
}

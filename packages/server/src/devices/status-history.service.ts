import type { Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors/app-error.js';
import { findReadableDevice, listStatusEvents } from './devices.repository.js';
import { type Detection, detection } from './target-state.js';
import { loadStateSource } from './target-state.repository.js';

export interface StatusHistory {
  readonly uuid: string;
  readonly api_heartbeat_state: string;
  /** "Last seen": the last heartbeat (as written by the coalescing flush), null before the first. */
  readonly last_heartbeat_at: string | null;
  /** Newest first. `at` is when the transition happened (for timeouts: when it was due). */
  readonly events: readonly { readonly from: string; readonly to: string; readonly at: string }[];
  /** How soon this device is reported if it goes silent, and which setting decides it. */
  readonly detection: Detection;
}

/** `GET /mooring/v1/devices/:uuid/status-history`: for whoever may read the device (404 otherwise). */
export async function statusHistory(
  ctx: AppContext,
  principal: Principal,
  uuid: string,
  options: { limit: number; before?: string | undefined },
): Promise<StatusHistory> {
  let before: number | undefined;
  if (options.before !== undefined) {
    before = Date.parse(options.before);
    if (!Number.isFinite(before)) throw new AppError('validation', 'before must be an ISO 8601 date');
  }
  const device = await findReadableDevice(ctx.db, principal, uuid);
  if (!device) throw new AppError('not_found', 'No such device');
  const rows = await listStatusEvents(ctx.db, device.id, options.limit, before);
  const source = await loadStateSource(ctx.db, device.id);
  const none = new Map<string, string>();
  const detectionOf = detection(
    source?.deviceConfig ?? none,
    source?.fleetConfig ?? none,
    ctx.config.heartbeat,
  );
  return {
    uuid: device.uuid,
    api_heartbeat_state: device.api_heartbeat_state,
    last_heartbeat_at:
      device.last_api_heartbeat_at === null ? null : new Date(device.last_api_heartbeat_at).toISOString(),
    events: rows.map((r) => ({ from: r.from_state, to: r.to_state, at: new Date(r.at).toISOString() })),
    detection: detectionOf,
  };
}

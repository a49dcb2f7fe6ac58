import type * as contract from '@mooring/protocol/contract';
import type { HeartbeatState } from '@mooring/protocol/contract';
import type { Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors/app-error.js';
import { findReadableDevice, listStatusEvents, stateAt } from './devices.repository.js';
import { detection } from './target-state.js';
import { loadStateSource } from './target-state.repository.js';

/** The answer: the contract's wire shape (snake_case, as the device columns). */
export type StatusHistory = contract.StatusHistory;

/** The heartbeat columns hold only these four states (devices/heartbeat.ts writes them). */
const state = (value: string): HeartbeatState => value as HeartbeatState;

/** `GET /mooring/v1/devices/:uuid/status-history`: for whoever may read the device (404 otherwise). */
export async function statusHistory(
  ctx: AppContext,
  principal: Principal,
  uuid: string,
  options: { limit: number; before?: string | undefined; since?: string | undefined },
): Promise<StatusHistory> {
  const before = isoOption(options.before, 'before');
  const since = isoOption(options.since, 'since');
  const device = await findReadableDevice(ctx.db, principal, uuid);
  if (!device) throw new AppError('not_found', 'No such device');
  // One row more than asked tells whether the window is complete.
  const found = await listStatusEvents(
    ctx.db,
    device.id,
    options.limit + (since === undefined ? 0 : 1),
    before,
    since,
  );
  const rows = found.slice(0, options.limit);
  const window =
    since === undefined
      ? {}
      : {
          since: new Date(since).toISOString(),
          state_at_since:
            found.length > options.limit
              ? null
              : state((await stateAt(ctx.db, device.id, since)) ?? device.api_heartbeat_state),
        };
  const source = await loadStateSource(ctx.db, device.id);
  const none = new Map<string, string>();
  const detectionOf = detection(
    source?.deviceConfig ?? none,
    source?.fleetConfig ?? none,
    ctx.config.heartbeat,
  );
  return {
    uuid: device.uuid,
    api_heartbeat_state: state(device.api_heartbeat_state),
    last_heartbeat_at:
      device.last_api_heartbeat_at === null ? null : new Date(device.last_api_heartbeat_at).toISOString(),
    events: rows.map((r) => ({
      from: state(r.from_state),
      to: state(r.to_state),
      at: new Date(r.at).toISOString(),
    })),
    detection: detectionOf,
    ...window,
  };
}

function isoOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new AppError('validation', `${name} must be an ISO 8601 date`);
  return ms;
}

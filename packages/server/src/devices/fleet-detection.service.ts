import type { Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors/app-error.js';
import { readableFleetConfig } from './fleet-detection.repository.js';
import { type Detection, detection } from './target-state.js';

/**
 * `GET /mooring/v1/fleets/:id/detection`: how soon a silent device of the fleet is reported, for
 * devices without their own poll interval (the fleet's variable, else the server default, never
 * below the floor). A device's own figures are in its status history. 404 for a fleet the
 * principal cannot read.
 */
export async function fleetDetection(
  ctx: AppContext,
  principal: Principal,
  fleetId: number,
): Promise<Detection> {
  const config = await readableFleetConfig(ctx.db, principal, fleetId);
  if (!config) throw new AppError('not_found', 'No such fleet');
  return detection(new Map(), config, ctx.config.heartbeat);
}

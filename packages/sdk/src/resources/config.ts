import type { Transport } from '../transport.js';
import type { EnvTarget } from '../types.js';
import { EnvResource } from './env.js';

/** The configuration variable that sets the supervisor's poll interval (milliseconds). */
export const POLL_INTERVAL_VAR = 'BALENA_SUPERVISOR_POLL_INTERVAL';

/**
 * Configuration variables of fleets and devices (`BALENA_…`/`RESIN_…` settings read by the device
 * supervisor), with the same `list`/`set`/`remove` as `client.env`, and the poll interval, which
 * also decides how soon a silent device is reported (docs/events.md, "Detection latency").
 */
export class ConfigResource extends EnvResource {
  constructor(http: Transport) {
    super(http, 'config');
  }

  /**
   * The poll interval set on a fleet or device in milliseconds; `null` when none is set there (the
   * device then follows its fleet, the fleet the server default). The server never applies less
   * than its floor: `fleets.detection()` and `devices.statusHistory()` say what applies.
   *
   * @example
   * const ms = await client.config.pollInterval({ fleet: 'admin/thermostats' });
   */
  async pollInterval(target: EnvTarget): Promise<number | null> {
    const found = (await this.list(target)).find((v) => v.name === POLL_INTERVAL_VAR);
    const ms = found === undefined ? Number.NaN : Number(found.value);
    return Number.isFinite(ms) ? ms : null;
  }

  /**
   * Sets the poll interval of a fleet or device (milliseconds, a positive integer), or removes it
   * with `null` so the fleet's or the server's default applies.
   *
   * @example
   * await client.config.setPollInterval({ fleet: 3 }, 60_000);
   * await client.config.setPollInterval({ device: uuid }, null);
   */
  async setPollInterval(target: EnvTarget, ms: number | null): Promise<void> {
    if (ms === null) {
      // Removing what is not there is no error here: the outcome, no interval set, is the same.
      const set = (await this.list(target)).some((v) => v.name === POLL_INTERVAL_VAR);
      if (set) await this.remove({ ...target, name: POLL_INTERVAL_VAR });
      return;
    }
    if (!Number.isInteger(ms) || ms <= 0)
      throw new TypeError('the poll interval is a positive integer of milliseconds');
    await this.set({ ...target, name: POLL_INTERVAL_VAR, value: String(ms) });
  }
}

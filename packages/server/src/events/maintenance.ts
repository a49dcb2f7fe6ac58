import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { AppContext } from '../context.js';
import { appendEvents, keyEvents } from './event-writer.js';
import { claimKeys, pruneEvents } from './events.repository.js';

/** `api_key.expiring` is written once a key's expiry is this close. */
export const EXPIRING_HORIZON_MS = 7 * 86_400_000;
const KEY_BATCH = 500;
const PRUNE_BATCH = 1000;
/** Per run at most this many batches of each kind; the rest waits for the next run. */
const MAX_BATCHES = 100;

export interface MaintenanceResult {
  readonly expiring: number;
  readonly expired: number;
  readonly pruned: number;
}

/**
 * The event log's periodic work, off the request path, on every instance at once without stepping on
 * each other: API key expiry events (claimed with a guarded UPDATE, so each is written once) and
 * retention (small delete batches with a yield between them, so requests on the same SQLite
 * connection never wait behind a long delete).
 */
export class EventMaintenance {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<MaintenanceResult> | undefined;

  constructor(private readonly ctx: AppContext) {}

  start(): void {
    this.timer = setInterval(() => {
      this.run().catch((err: unknown) => this.ctx.log.error({ err }, 'event maintenance failed'));
    }, this.ctx.config.events.maintenanceIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One run (tests call it with the clock where they want it); runs never overlap. */
  run(): Promise<MaintenanceResult> {
    if (!this.running) {
      this.running = this.runNow().finally(() => {
        this.running = undefined;
      });
    }
    return this.running;
  }

  private async runNow(): Promise<MaintenanceResult> {
    const now = this.ctx.clock.now();
    const expiring = await this.keySweep('expiring', now);
    const expired = await this.keySweep('expired', now);
    if (expiring + expired > 0) this.ctx.eventsWritten();
    const before = now - this.ctx.config.events.retentionDays * 86_400_000;
    let pruned = 0;
    for (let i = 0; i < MAX_BATCHES; i++) {
      const n = await pruneEvents(this.ctx.db, before, PRUNE_BATCH);
      pruned += n;
      if (n < PRUNE_BATCH) break;
      await yieldToEventLoop();
    }
    return { expiring, expired, pruned };
  }

  private async keySweep(kind: 'expiring' | 'expired', now: number): Promise<number> {
    let total = 0;
    for (let i = 0; i < MAX_BATCHES; i++) {
      const n = await this.ctx.db.kysely.transaction().execute(async (trx) => {
        const ids = await claimKeys(trx, kind, now, EXPIRING_HORIZON_MS, KEY_BATCH);
        const type = kind === 'expiring' ? 'api_key.expiring' : 'api_key.expired';
        // `expired` happened at the expiry date; `expiring` is news now.
        const events = await keyEvents(trx, ids, type, (k) =>
          kind === 'expired' ? (k.expiryDate ?? now) : now,
        );
        await appendEvents(trx, events, now);
        return ids.length;
      });
      total += n;
      if (n < KEY_BATCH) break;
      await yieldToEventLoop();
    }
    return total;
  }
}

import type { Clock } from '../config/clock.js';
import type { Database } from '../db/database.js';

const MINUTE = 60_000;

/**
 * `last_used_at`, written off the request path: a request only notes the use in memory; a timer
 * flushes at most one write per key per minute, so a busy key does not turn reads into writes.
 */
export class UsageTracker {
  private readonly lastWritten = new Map<number, number>();
  private readonly pending = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  writes = 0;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  start(intervalMs = 5_000): void {
    this.timer = setInterval(() => void this.flush().catch(() => undefined), intervalMs);
    this.timer.unref();
  }

  record(keyId: number): void {
    const now = this.clock.now();
    const last = this.lastWritten.get(keyId);
    if (last !== undefined && now - last < MINUTE) return;
    this.pending.set(keyId, now);
  }

  async flush(): Promise<void> {
    const batch = [...this.pending];
    this.pending.clear();
    for (const [keyId, at] of batch) {
      this.lastWritten.set(keyId, at);
      this.writes++;
      await this.db.kysely.updateTable('api_key').set({ last_used_at: at }).where('id', '=', keyId).execute();
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }
}

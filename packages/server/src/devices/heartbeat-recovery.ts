import { sql } from 'kysely';
import type { Database } from '../db/database.js';

/*
 * After a kill -9 (or any crash) the polls answered since the last flush are gone: at most one flush
 * interval of them (README "Durability of heartbeats"). For a device that was `online`, a lost poll
 * would have pushed its deadline later; the stored, earlier deadline can pass while the server is
 * down or soon after it restarts, and the sweep would then record a timeout that never happened —
 * the device polled on time, its poll was just not written.
 *
 * Which devices? Every poll answered before `crashedAt - flushInterval` was written (flushes succeed
 * every interval), so a device whose stored deadline is before that timed out for certain: a later
 * poll cannot undo it. A device whose deadline is after it may have polled in the lost window. For
 * those the deadline becomes what a poll at the crash would have set (crash time + the device's own
 * timeout window, stored as due − last poll). A device that really polled keeps being online with no
 * event; one that really went silent times out later than it did, never earlier: late, not false.
 * Devices that were not online keep their state until they poll (a comeback in the lost window is
 * not written either; nothing is claimed for them that a poll would not correct).
 */

export interface CrashRecovery {
  /** The last moment the crashed process was known alive (epoch ms). */
  readonly crashedAt: number;
  /** The heartbeat flush interval it ran with: how far back polls may be missing. */
  readonly flushIntervalMs: number;
}

/** Returns how many `online` devices had their deadline held back. Run before the first sweep. */
export async function holdUncertainDeadlines(db: Database, recovery: CrashRecovery): Promise<number> {
  const { crashedAt, flushIntervalMs } = recovery;
  const lastCertain = crashedAt - flushIntervalMs;
  const result = await sql`UPDATE device
    SET heartbeat_due_at = heartbeat_due_at + (${crashedAt} - last_api_heartbeat_at)
    WHERE api_heartbeat_state = 'online'
      AND last_api_heartbeat_at IS NOT NULL AND heartbeat_due_at IS NOT NULL
      AND last_api_heartbeat_at < ${crashedAt}
      AND heartbeat_due_at > ${lastCertain}`.execute(db.kysely);
  return Number(result.numAffectedRows ?? 0);
}

import type { NewEvent } from './event-types.js';
import { appendEvents, type EventTransaction } from './event-writer.js';

/*
 * The events of a write, appended in the write's transaction. What a write of a `/v7` resource emits
 * is declared by the resource (`resources/<name>.ts` hooks `insertEvents`, `updateEvents`,
 * `deleteEvents`, read before the rows change). Usage, inside the transaction:
 *
 *   const events = new WriteEvents(now, await hooks.deleteEvents(…)); // before the change
 *   … the change …
 *   await events.append(trx);                                         // last
 *
 * and `if (events.written) ctx.eventsWritten()` after the commit.
 */
export class WriteEvents {
  constructor(
    private readonly now: number,
    private readonly pending: readonly NewEvent[],
    private readonly after?: (trx: EventTransaction) => Promise<readonly NewEvent[]>,
  ) {}

  /** Whether `append` wrote any event (wake readers after the commit). */
  written = false;

  /** Writes the events; the last statement of the transaction (it takes the event-log lock). */
  async append(trx: EventTransaction): Promise<void> {
    const events = this.after ? [...this.pending, ...(await this.after(trx))] : this.pending;
    await appendEvents(trx, events, this.now);
    this.written = events.length > 0;
  }
}

import type { NewEvent } from './event-types.js';
import {
  appendEvents,
  deviceEvents,
  deviceFleets,
  devicesOfFleets,
  type EventTransaction,
  keyEvents,
} from './event-writer.js';

/*
 * The events of `/v7` writes (and of anything else that creates, moves or deletes devices or deletes
 * keys), written in the write's transaction. Usage, inside the transaction:
 *
 *   const events = await WriteEvents.before(trx, 'delete', resource, ids, values, now); // before the change
 *   … the change …
 *   await events.append(trx);                                                      // last
 *
 * and `if (events.written) ctx.eventsWritten()` after the commit.
 */
export class WriteEvents {
  private constructor(
    private readonly now: number,
    private readonly pending: readonly NewEvent[],
    private readonly after: ((trx: EventTransaction) => Promise<readonly NewEvent[]>) | undefined,
  ) {}

  /** Whether `append` wrote any event (wake readers after the commit). */
  written = false;

  static none(now: number): WriteEvents {
    return new WriteEvents(now, [], undefined);
  }

  /**
   * What a write of `ids` of `resource` will need, read before the rows change:
   * - delete of devices (`device.deleted`), of fleets (each of their devices: `device.deleted`), of
   *   API keys (`api_key.revoked`);
   * - update of devices' fleet (`device.moved`, for devices that really change fleet);
   * - create of a device (`device.registered`, pass the new id after the insert: `afterInsert`).
   */
  static async before(
    trx: EventTransaction,
    action: 'update' | 'delete',
    resource: string,
    ids: readonly number[],
    values: Readonly<Record<string, unknown>>,
    now: number,
  ): Promise<WriteEvents> {
    if (ids.length === 0) return WriteEvents.none(now);
    if (action === 'delete') {
      if (resource === 'device')
        return new WriteEvents(now, await deviceEvents(trx, ids, 'device.deleted', now), undefined);
      if (resource === 'application') {
        const devices = await devicesOfFleets(trx, ids);
        return new WriteEvents(now, await deviceEvents(trx, devices, 'device.deleted', now), undefined);
      }
      if (resource === 'api_key')
        return new WriteEvents(now, await keyEvents(trx, ids, 'api_key.revoked', () => now), undefined);
      return WriteEvents.none(now);
    }
    const target = values.belongs_to__application;
    if (resource !== 'device' || typeof target !== 'number') return WriteEvents.none(now);
    const before = await deviceFleets(trx, ids);
    const moved = ids.filter((id) => {
      const was = before.get(id);
      return was !== undefined && was.fleet !== target;
    });
    return new WriteEvents(now, [], (t) =>
      deviceEvents(t, moved, 'device.moved', now, (d) => ({
        name: d.name,
        previousFleet: before.get(d.id)?.fleet ?? null,
        previousOrganization: before.get(d.id)?.organization ?? null,
      })),
    );
  }

  /** A device created through `/v7` is registered like one from `POST /device/register`. */
  static async afterInsert(
    trx: EventTransaction,
    resource: string,
    id: number,
    now: number,
  ): Promise<WriteEvents> {
    if (resource !== 'device') return WriteEvents.none(now);
    return new WriteEvents(now, await deviceEvents(trx, [id], 'device.registered', now), undefined);
  }

  /** Writes the events; the last statement of the transaction (it takes the event-log lock). */
  async append(trx: EventTransaction): Promise<void> {
    const events = this.after ? [...this.pending, ...(await this.after(trx))] : this.pending;
    await appendEvents(trx, events, this.now);
    this.written = events.length > 0;
  }
}

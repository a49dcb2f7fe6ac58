import { type EventPage, MAX_WAIT_SECONDS } from '@mooring/protocol/contract';
import type { Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors/app-error.js';
import { mayReceiveEvents } from '../permissions/permissions.js';
import { EVENT_TYPES, isEventType, toView } from './event-types.js';
import { type EventFilters, headCursor, listVisibleEvents } from './events.repository.js';
import type { EventNotifier } from './notifier.js';

/** The longest long-poll (`wait`), in seconds: the contract's bound on the query. */
export { MAX_WAIT_SECONDS };

export interface FeedQuery {
  readonly after?: number | undefined;
  readonly types?: string | undefined;
  readonly fleet?: number | undefined;
  readonly limit?: number | undefined;
  readonly wait?: number | undefined;
}

/** `next`: pass as `after` for the next page; never smaller than the `after` given. */
export type FeedPage = EventPage;

/**
 * `types=device.offline,device.online` or with a wildcard per subject, `device.*`; unknown names are
 * a 400 (a typo would otherwise silently match nothing).
 */
export function parseFilters(types: string | undefined, fleet: number | undefined): EventFilters {
  let list: string[] | null = null;
  if (types !== undefined && types.trim() !== '') {
    const chosen = new Set<string>();
    for (const raw of types.split(',')) {
      const name = raw.trim();
      if (name.endsWith('.*')) {
        const prefix = name.slice(0, -1);
        const matching = EVENT_TYPES.filter((t) => t.startsWith(prefix));
        if (matching.length === 0) throw unknownType(name);
        for (const t of matching) chosen.add(t);
      } else if (isEventType(name)) chosen.add(name);
      else throw unknownType(name);
    }
    list = [...chosen];
  }
  return { types: list, fleet: fleet ?? null };
}

function unknownType(name: string): AppError {
  return new AppError(
    'validation',
    `Unknown event type "${name.slice(0, 64)}": expected one of ${EVENT_TYPES.join(', ')} (or device.*, api_key.*)`,
  );
}

/** Refuses credentials that can never receive events (device and provisioning keys). */
export function requireEventRights(principal: Principal): void {
  if (!mayReceiveEvents(principal)) throw new AppError('forbidden', 'This credential cannot receive events');
}

/**
 * `GET /mooring/v1/events`: the events after a cursor that the caller may receive now. With `wait`,
 * an empty page is held until an event arrives or `wait` seconds have passed (long-poll).
 */
export async function readFeed(
  ctx: AppContext,
  notifier: EventNotifier,
  principal: Principal,
  query: FeedQuery,
): Promise<FeedPage> {
  requireEventRights(principal);
  const filters = parseFilters(query.types, query.fleet);
  const limit = query.limit ?? 100;
  const after = query.after ?? 0;
  const waitMs = Math.min(query.wait ?? 0, MAX_WAIT_SECONDS) * 1000;
  const deadline = performance.now() + waitMs;
  // Bounded: each round ends with an event, the deadline, or a wake-up; the deadline ends them all.
  for (;;) {
    // Read the head first: every event at or below it is committed (events/event-writer.ts), so a
    // page that ends short of `limit` has seen everything up to it and may move the cursor there.
    const generation = notifier.generation;
    const head = await headCursor(ctx.db);
    const rows = await listVisibleEvents(ctx.db, principal, { after, upTo: head, limit }, filters);
    const last = rows[rows.length - 1];
    const remaining = deadline - performance.now();
    if (rows.length > 0 || remaining <= 0 || notifier.isClosed) {
      const next = rows.length === limit && last ? Number(last.id) : Math.max(after, head);
      return { events: rows.map(toView), next };
    }
    await notifier.wait(remaining, generation);
    // Shutting down: answer at once with what was seen, without touching the closing database.
    if (notifier.isClosed) return { events: [], next: Math.max(after, head) };
  }
}

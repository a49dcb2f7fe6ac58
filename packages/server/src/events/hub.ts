import type { Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors/app-error.js';
import { type EventRow, type EventView, toView } from './event-types.js';
import {
  credentialAlive,
  type EventFilters,
  headCursor,
  listVisibleEvents,
  readEvents,
  visibleIds,
} from './events.repository.js';
import type { EventNotifier } from './notifier.js';

/** Events read per query, by the shared reader and by a subscriber catching up. */
const BATCH = 1000;

/** One event, rendered once per batch and shared by every subscriber that receives it. */
export interface Rendered {
  readonly view: EventView;
  /** The SSE frame: `id:`, `event:`, `data:` lines. */
  readonly frame: string;
}

/** What the hub needs of a subscriber (an SSE connection, events/sse.ts). */
export interface Subscriber {
  readonly principal: Principal;
  readonly filters: EventFilters;
  /** Last cursor this subscriber has been brought up to (delivered or not visible to it). */
  cursor: number;
  /** Writes the events; false when the subscriber is gone (closed, or too slow and dropped). */
  deliver(events: readonly Rendered[]): boolean;
  /** Ends the subscription (credential no longer valid, server closing). */
  end(reason: 'unauthorized' | 'closing'): void;
  /** A comment line so idle connections stay open. */
  keepAlive(): void;
}

export function render(row: EventRow): Rendered {
  const view = toView(row);
  return { view, frame: `id: ${view.id}\nevent: ${view.type}\ndata: ${JSON.stringify(view)}\n\n` };
}

/** Equal for subscribers with the same rights: one visibility query per group and batch. */
function rightsKey(p: Principal): string {
  return JSON.stringify([
    p.kind,
    p.actorId,
    p.userId,
    p.isAdmin,
    p.via,
    p.sessionId,
    p.apiKeyId,
    p.limits ?? null,
  ]);
}

function matches(filters: EventFilters, view: EventView): boolean {
  if (filters.types !== null && !filters.types.includes(view.type)) return false;
  return filters.fleet === null || view.fleet === filters.fleet;
}

/**
 * The stream's shared reader (one per instance). It reads each new batch of the log once, for every
 * subscriber, and fans it out; what each subscriber may receive is decided per batch, at delivery,
 * by the permission module's event predicate — one query per distinct set of rights, not per
 * subscriber or per event — together with a check that the subscriber's credential is still valid.
 *
 * A new subscriber first catches up from its own cursor with its own queries (paged), then joins the
 * live set once it has reached the hub's cursor. Cursors only move forward and every event is handed
 * to a subscriber at most once, in cursor order.
 */
export class EventHub {
  /** Everything at or below has been fanned out to the live subscribers. */
  private head = 0;
  private readonly live = new Set<Subscriber>();
  private readonly catchingUp = new Set<Subscriber>();
  private running = false;
  private again = false;
  private keepAliveTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private closed = false;
  /** Batches fanned out (tests and metrics). */
  batches = 0;

  constructor(
    private readonly ctx: AppContext,
    private readonly notifier: EventNotifier,
  ) {}

  async start(): Promise<void> {
    this.head = await headCursor(this.ctx.db);
    this.unsubscribe = this.notifier.subscribe(() => this.kick());
    this.keepAliveTimer = setInterval(() => void this.tick(), this.ctx.config.events.keepAliveMs);
    this.keepAliveTimer.unref();
  }

  get subscribers(): number {
    return this.live.size + this.catchingUp.size;
  }

  /** The cursor a subscription without `after` starts from: now. */
  currentHead(): Promise<number> {
    return headCursor(this.ctx.db);
  }

  /** Adds a subscriber (503 above the configured maximum); it catches up, then receives live. */
  add(subscriber: Subscriber): void {
    if (this.closed) throw new AppError('unavailable', 'The server is shutting down');
    if (this.subscribers >= this.ctx.config.events.maxSubscribers)
      throw new AppError('unavailable', 'Too many event streams on this instance; retry later');
    this.catchingUp.add(subscriber);
    void this.catchUp(subscriber);
  }

  remove(subscriber: Subscriber): void {
    this.live.delete(subscriber);
    this.catchingUp.delete(subscriber);
  }

  /** Ends every stream (before the server closes: open streams would hold it open). */
  close(): void {
    this.closed = true;
    this.unsubscribe?.();
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer);
    for (const s of [...this.live, ...this.catchingUp]) s.end('closing');
    this.live.clear();
    this.catchingUp.clear();
  }

  /** Something was written: read it (once, however many wake-ups arrive meanwhile). */
  kick(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.drain().finally(() => {
      this.running = false;
    });
  }

  private async drain(): Promise<void> {
    try {
      let more = true;
      while (more && !this.closed) {
        this.again = false;
        more = (await this.step()) || this.again;
      }
    } catch (err) {
      this.ctx.log.error({ err }, 'event fan-out failed; retrying at the next wake-up');
    }
  }

  /** Fans out one batch; true when more may be waiting. */
  private async step(): Promise<boolean> {
    if (this.live.size === 0) {
      // Nobody to deliver to: only move the cursor (new subscribers catch up on their own). A
      // subscriber that went live during the read sits at the old cursor: skipping ahead now would
      // skip its events, so fan out to it instead.
      const head = await headCursor(this.ctx.db);
      if (this.live.size > 0) return true;
      this.head = Math.max(this.head, head);
      return false;
    }
    const start = this.head;
    const rows = await readEvents(this.ctx.db, start, BATCH);
    const last = rows[rows.length - 1];
    if (!last) return false;
    const end = Number(last.id);
    const groups = new Map<string, { principal: Principal; alive: boolean; visible: Set<number> }>();
    for (const s of this.live) {
      const key = rightsKey(s.principal);
      if (!groups.has(key)) groups.set(key, { principal: s.principal, alive: true, visible: new Set() });
    }
    const now = this.ctx.clock.now();
    for (const group of groups.values()) {
      group.alive = await credentialAlive(this.ctx.db, group.principal, now);
      if (group.alive) group.visible = await visibleIds(this.ctx.db, group.principal, start, end);
    }
    const rendered = rows.map(render);
    // From here on synchronous: no subscriber can join or leave half-way through the fan-out.
    this.head = end;
    this.batches++;
    for (const s of [...this.live]) {
      const group = groups.get(rightsKey(s.principal));
      if (!group || s.cursor < start) {
        // Joined after the rights were read, or behind: it reads this batch itself.
        this.live.delete(s);
        this.catchingUp.add(s);
        void this.catchUp(s);
        continue;
      }
      if (!group.alive) {
        this.remove(s);
        s.end('unauthorized');
        continue;
      }
      const mine = rendered.filter(
        (r) => r.view.id > s.cursor && group.visible.has(r.view.id) && matches(s.filters, r.view),
      );
      s.cursor = end;
      if (mine.length > 0 && !s.deliver(mine)) this.remove(s);
    }
    return rows.length === BATCH;
  }

  /** A subscriber's own reads from its cursor until it reaches the hub's cursor. */
  private async catchUp(s: Subscriber): Promise<void> {
    try {
      for (;;) {
        if (!this.catchingUp.has(s)) return;
        if (s.cursor >= this.head) {
          this.catchingUp.delete(s);
          this.live.add(s);
          return;
        }
        if (!(await credentialAlive(this.ctx.db, s.principal, this.ctx.clock.now()))) {
          this.remove(s);
          s.end('unauthorized');
          return;
        }
        // Every event at or below a cursor read before the query is committed (event-writer.ts).
        const upTo = await headCursor(this.ctx.db);
        const rows = await listVisibleEvents(
          this.ctx.db,
          s.principal,
          { after: s.cursor, upTo, limit: BATCH },
          s.filters,
        );
        if (!this.catchingUp.has(s)) return;
        const last = rows[rows.length - 1];
        s.cursor = rows.length === BATCH && last ? Number(last.id) : Math.max(s.cursor, upTo);
        if (rows.length > 0 && !s.deliver(rows.map(render))) {
          this.remove(s);
          return;
        }
      }
    } catch (err) {
      this.ctx.log.error({ err }, 'event stream catch-up failed');
      this.remove(s);
      s.end('closing');
    }
  }

  /** Keep-alive comments; and an idle stream whose credential was revoked ends here. */
  private async tick(): Promise<void> {
    const now = this.ctx.clock.now();
    const checked = new Map<string, boolean>();
    for (const s of [...this.live]) {
      const key = rightsKey(s.principal);
      let alive = checked.get(key);
      if (alive === undefined) {
        alive = await credentialAlive(this.ctx.db, s.principal, now).catch(() => true);
        checked.set(key, alive);
      }
      if (!this.live.has(s)) continue;
      if (alive) s.keepAlive();
      else {
        this.remove(s);
        s.end('unauthorized');
      }
    }
    for (const s of this.catchingUp) s.keepAlive();
  }
}

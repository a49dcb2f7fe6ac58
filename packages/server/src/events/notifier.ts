import type pg from 'pg';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import { headCursor } from './events.repository.js';

const CHANNEL = 'mooring_events';

/**
 * Wakes event readers (long-polling feeds, the stream hub) when events may have been written. The log
 * stays the source of truth (DESIGN.md §9): a wake-up only says "look again", so a missed one costs
 * latency, never an event. Three sources:
 * - `signal()`: this instance committed events (AppContext.eventsWritten);
 * - PostgreSQL: a trigger NOTIFYs `mooring_events` at every commit that wrote events (migration 0009),
 *   on whichever instance wrote them;
 * - a poll of the newest cursor every `pollIntervalMs`, in case a notification was lost (listener
 *   reconnecting) or for another process on the same SQLite file. It signals only on a change.
 *
 * Kept separate from the credential invalidation bus on purpose: different channel, different life.
 */
export class EventNotifier {
  private waiters = new Set<() => void>();
  private listeners = new Set<() => void>();
  private listener: pg.PoolClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private closed = false;
  /** The newest cursor this notifier has seen (from its poll). */
  private lastHead = 0;

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
    private readonly pollIntervalMs: number,
  ) {}

  async start(): Promise<void> {
    this.lastHead = await headCursor(this.db);
    this.timer = setInterval(() => void this.poll(), this.pollIntervalMs);
    this.timer.unref();
    await this.listen();
  }

  /** Counts signals: a reader notes it before looking, and waits only if nothing came since. */
  generation = 0;

  /** Events were committed (here, or seen elsewhere): wake everyone waiting. */
  signal(): void {
    this.generation++;
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
    for (const listener of this.listeners) listener();
  }

  /**
   * Resolves at the next signal, after `ms`, or when the notifier closes, whichever is first; at once
   * if a signal came after `since` (a generation noted before the reader looked at the log).
   */
  wait(ms: number, since = this.generation): Promise<void> {
    if (this.closed || ms <= 0 || since !== this.generation) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.waiters.add(wake);
    });
  }

  /** Calls `listener` at every signal until the returned function is called. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Readers parked in `wait` right now (tests, metrics). */
  get waiting(): number {
    return this.waiters.size;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.signal();
    this.listeners.clear();
    if (this.listener) {
      const client = this.listener;
      this.listener = undefined;
      await client.query(`UNLISTEN ${CHANNEL}`).catch(() => undefined);
      client.release();
    }
  }

  private async poll(): Promise<void> {
    if (this.polling || this.closed) return;
    this.polling = true;
    try {
      const head = await headCursor(this.db);
      if (head !== this.lastHead) {
        this.lastHead = head;
        this.signal();
      }
    } catch (err) {
      if (!this.closed) this.log.warn({ err }, 'event poll failed');
    } finally {
      this.polling = false;
    }
  }

  private async listen(): Promise<void> {
    if (!this.db.pool || this.closed) return;
    try {
      const client = await this.db.pool.connect();
      client.on('notification', (message) => {
        if (message.channel === CHANNEL) this.signal();
      });
      client.on('error', (err) => {
        this.log.warn({ err }, 'event listener lost; polling until it reconnects');
        this.listener = undefined;
        client.release(true);
        if (!this.closed) setTimeout(() => void this.listen(), 500).unref();
      });
      await client.query(`LISTEN ${CHANNEL}`);
      if (this.closed) {
        client.release();
        return;
      }
      this.listener = client;
    } catch (err) {
      this.log.warn({ err }, 'cannot listen for events; retrying (readers poll meanwhile)');
      if (!this.closed) setTimeout(() => void this.listen(), 1000).unref();
    }
  }
}

import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { AppContext } from '../context.js';
import { type HeartbeatWrite, sweepStep, writeHeartbeats } from './heartbeat.repository.js';

/*
 * The heartbeat state machine (COMPAT.md A9, DESIGN.md §5) without a timer per device:
 * - a poll only touches memory (`record`); polls are coalesced per device and written in batches
 *   every flush interval, at most one UPDATE per device per flush;
 * - transitions to `timeout`/`offline` come from a periodic sweep over an index on the stored due
 *   time (`device.heartbeat_due_at`), so they survive restarts and run on any number of instances.
 */

/** A device times out after 1.5 × its poll interval without a poll (balena's factor). */
export const TIMEOUT_FACTOR = 1.5;

const CHUNK = { sqlite: 500, postgres: 2000 } as const;
const SWEEP_LIMIT = 1000;

interface Pending {
  firstAt: number;
  lastAt: number;
  pollIntervalMs: number;
}

export interface FlushResult {
  /** Distinct devices that polled since the previous flush. */
  readonly devices: number;
  readonly rowsWritten: number;
  readonly events: number;
}

export interface SweepResult {
  readonly timeouts: number;
  readonly offlines: number;
}

export interface HeartbeatStats {
  polls: number;
  flushes: number;
  rowsWritten: number;
  events: number;
  sweeps: number;
  lastFlush: FlushResult;
  lastSweep: SweepResult;
}

/** Told of every completed flush and sweep (ops/metrics.ts); must not throw or block. */
export interface HeartbeatObserver {
  /** `oldestPollAt`: the first poll the flush wrote (clock ms), undefined when it wrote nothing. */
  flushed(result: FlushResult, oldestPollAt: number | undefined, durationMs: number): void;
  swept(result: SweepResult, durationMs: number): void;
}

export class Heartbeats {
  private pending = new Map<number, Pending>();
  /** Flushes and sweeps of this instance run one at a time, in call order. */
  private queue: Promise<unknown> = Promise.resolve();
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;
  /** The sweep `start()` runs at once, so overdue devices are reported right after a restart. */
  firstSweep: Promise<SweepResult> | undefined;
  readonly stats: HeartbeatStats = {
    polls: 0,
    flushes: 0,
    rowsWritten: 0,
    events: 0,
    sweeps: 0,
    lastFlush: { devices: 0, rowsWritten: 0, events: 0 },
    lastSweep: { timeouts: 0, offlines: 0 },
  };

  observer: HeartbeatObserver | undefined;

  constructor(private readonly ctx: AppContext) {}

  /** A poll by the device's own key: memory only, O(1). */
  record(deviceId: number, pollIntervalMs: number): void {
    if (this.stopped) return;
    const now = this.ctx.clock.now();
    this.stats.polls++;
    const entry = this.pending.get(deviceId);
    if (entry) {
      if (now > entry.lastAt) entry.lastAt = now;
      entry.pollIntervalMs = pollIntervalMs;
    } else {
      this.pending.set(deviceId, { firstAt: now, lastAt: now, pollIntervalMs });
    }
  }

  /** Distinct devices waiting for the next flush. */
  get pendingDevices(): number {
    return this.pending.size;
  }

  /** Writes every pending heartbeat; a failed chunk goes back to pending, so no poll is lost. */
  flush(): Promise<FlushResult> {
    return this.serialize(() => this.flushNow());
  }

  /** Flushes, then moves every overdue device (also several steps at once after a long outage). */
  sweep(): Promise<SweepResult> {
    return this.serialize(async () => {
      await this.flushNow();
      const started = performance.now();
      const now = this.ctx.clock.now();
      const grace = this.ctx.config.heartbeat.offlineGraceMs;
      let timeouts = 0;
      let offlines = 0;
      for (;;) {
        const n = await sweepStep(this.ctx.db, 'timeout', now, grace, SWEEP_LIMIT);
        timeouts += n;
        if (n < SWEEP_LIMIT) break;
      }
      for (;;) {
        const n = await sweepStep(this.ctx.db, 'offline', now, grace, SWEEP_LIMIT);
        offlines += n;
        if (n < SWEEP_LIMIT) break;
      }
      if (timeouts + offlines > 0) this.ctx.eventsWritten();
      this.stats.sweeps++;
      this.stats.lastSweep = { timeouts, offlines };
      this.observer?.swept(this.stats.lastSweep, performance.now() - started);
      return this.stats.lastSweep;
    });
  }

  /** Starts the flush and sweep timers and runs the first sweep at once. */
  start(): void {
    const { flushIntervalMs, sweepIntervalMs } = this.ctx.config.heartbeat;
    const guarded = (what: string, run: () => Promise<unknown>) => () => {
      run().catch((err: unknown) => this.ctx.log.error({ err }, `heartbeat ${what} failed`));
    };
    const flushTimer = setInterval(
      guarded('flush', () => this.flush()),
      flushIntervalMs,
    );
    const sweepTimer = setInterval(
      guarded('sweep', () => this.sweep()),
      sweepIntervalMs,
    );
    // Timers never keep the process alive on their own; buildApp's onClose stops them.
    flushTimer.unref();
    sweepTimer.unref();
    this.timers = [flushTimer, sweepTimer];
    this.firstSweep = this.sweep();
    this.firstSweep.catch((err: unknown) => this.ctx.log.error({ err }, 'heartbeat sweep failed'));
  }

  /** Stops the timers and writes what is still pending (buildApp's onClose). */
  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await this.flush().catch((err: unknown) => this.ctx.log.error({ err }, 'heartbeat flush failed'));
    this.stopped = true;
  }

  private serialize<T>(run: () => Promise<T>): Promise<T> {
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async flushNow(): Promise<FlushResult> {
    const batch = this.pending;
    const started = performance.now();
    if (batch.size === 0)
      return this.recordFlush({ devices: 0, rowsWritten: 0, events: 0 }, undefined, started);
    this.pending = new Map();
    const writes: HeartbeatWrite[] = [];
    let oldestPollAt = Number.POSITIVE_INFINITY;
    for (const [deviceId, p] of batch) {
      if (p.firstAt < oldestPollAt) oldestPollAt = p.firstAt;
      writes.push({
        deviceId,
        firstAt: p.firstAt,
        lastAt: p.lastAt,
        dueAt: p.lastAt + Math.round(TIMEOUT_FACTOR * p.pollIntervalMs),
      });
    }
    // Ascending ids: PostgreSQL locks in this order on every instance (no deadlocks between flushes).
    writes.sort((a, b) => a.deviceId - b.deviceId);
    const size = CHUNK[this.ctx.db.dialect];
    let rowsWritten = 0;
    let events = 0;
    for (let i = 0; i < writes.length; i += size) {
      const chunk = writes.slice(i, i + size);
      try {
        const counts = await writeHeartbeats(this.ctx.db, chunk, this.ctx.clock.now());
        rowsWritten += counts.rowsWritten;
        events += counts.events;
      } catch (err) {
        this.requeue(writes.slice(i), batch);
        throw err;
      }
      // Long flushes yield between chunks so polls keep being answered meanwhile.
      if (i + size < writes.length) await yieldToEventLoop();
    }
    if (events > 0) this.ctx.eventsWritten();
    return this.recordFlush({ devices: batch.size, rowsWritten, events }, oldestPollAt, started);
  }

  private requeue(unwritten: readonly HeartbeatWrite[], batch: ReadonlyMap<number, Pending>): void {
    for (const w of unwritten) {
      const old = batch.get(w.deviceId);
      const current = this.pending.get(w.deviceId);
      if (!old) continue;
      if (!current) this.pending.set(w.deviceId, { ...old });
      else current.firstAt = Math.min(current.firstAt, old.firstAt);
    }
  }

  private recordFlush(result: FlushResult, oldestPollAt: number | undefined, started: number): FlushResult {
    this.stats.flushes++;
    this.stats.rowsWritten += result.rowsWritten;
    this.stats.events += result.events;
    this.stats.lastFlush = result;
    this.observer?.flushed(result, oldestPollAt, performance.now() - started);
    return result;
  }
}

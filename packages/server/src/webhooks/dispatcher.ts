import { randomBytes } from 'node:crypto';
import type { AppContext } from '../context.js';
import { toView } from '../events/event-types.js';
import { appendEvents, type EventTransaction } from '../events/event-writer.js';
import { headCursor } from '../events/events.repository.js';
import type { EventNotifier } from '../events/notifier.js';
import { webhookMayReceive } from '../permissions/permissions.js';
import { DISABLE_AFTER_FAILING_MS, decide } from './schedule.js';
import { send } from './sender.js';
import { type EndpointKeys, openKeys, signatureHeader } from './signing.js';
import {
  type ClaimedRow,
  type Completion,
  claimDeliveries,
  completeDelivery,
  endpointsBehind,
  eventsFor,
  loadClaimed,
  type NewDelivery,
  pruneDeliveries,
  queueDeliveries,
  releaseLeases,
} from './webhooks.repository.js';
import { deliveryFor, scopeOf } from './webhooks.scope.js';

/** Attempts in flight at once on one instance. */
const MAX_IN_FLIGHT = 32;
/**
 * A claim waits for this many free slots (of MAX_IN_FLIGHT): in a backlog one claim (a transaction
 * and a scan of the due deliveries) serves several attempts, not one.
 */
const CLAIM_AT_LEAST = 8;
/** Endpoints looked at, and events queued per endpoint, per pass. */
const ENDPOINT_BATCH = 100;
const EVENT_BATCH = 1000;
/** A lease outlives the longest attempt by this much (database round trips, a slow event loop). */
const LEASE_MARGIN_MS = 30_000;
const PRUNE_BATCH = 1000;
/** Bound of the loop of one pass (each round queues or claims something, or the pass ends). */
const MAX_ROUNDS = 1000;

export interface DispatcherStats {
  attempts: number;
  delivered: number;
  failed: number;
  /** Seconds from an event's queueing to its successful delivery, for the metrics histogram. */
  onDelivered: ((lagSeconds: number) => void) | undefined;
  onFailed: ((reason: string) => void) | undefined;
}

/**
 * The webhook dispatcher (DESIGN.md §9 "Delivery is a consumer of the log"), one per instance:
 * 1. queue: for each enabled endpoint whose cursor is behind the log's head, the events it may
 *    receive (the permission module's webhook rule) become delivery rows, and the cursor moves, in
 *    one compare-and-swap transaction — each event is queued once per endpoint whatever the number
 *    of instances;
 * 2. claim: due deliveries are leased with a guarded UPDATE (`FOR UPDATE SKIP LOCKED` on
 *    PostgreSQL): one attempt at a time per delivery across instances, per-device order per endpoint;
 * 3. attempt: sign, POST, and record the outcome under the lease (retry, done, give up, disable).
 * Everything is in the database: a crash loses at most the leases in flight, which run out and are
 * claimed again (at-least-once, same `webhook-id`). Wake-ups: the event notifier (new events, here
 * or on another instance), each finished attempt, and a poll every `pollIntervalMs` for due retries.
 */
export class WebhookDispatcher {
  private readonly instance = randomBytes(6).toString('hex');
  private claims = 0;
  private readonly inFlight = new Set<Promise<void>>();
  /** Leases of attempts cut short by shutdown: given back on close. */
  private readonly abandoned = new Set<string>();
  private readonly shutdown = new AbortController();
  private running: Promise<void> | undefined;
  private again = false;
  /**
   * Whether the next pass must look for new events. Set by every wake-up but a finished attempt
   * (events written, the poll timer, start, settle) and while a pass leaves endpoints behind; a
   * finished attempt only frees a slot, so its pass only claims.
   */
  private lookForEvents = true;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly keyCache = new Map<string, EndpointKeys>();
  readonly stats: DispatcherStats = {
    attempts: 0,
    delivered: 0,
    failed: 0,
    onDelivered: undefined,
    onFailed: undefined,
  };

  constructor(
    private readonly ctx: AppContext,
    private readonly notifier: EventNotifier,
  ) {}

  start(): void {
    this.unsubscribe = this.notifier.subscribe(() => this.kick());
    this.timer = setInterval(() => this.kick(), this.ctx.config.events.pollIntervalMs);
    this.timer.unref();
    this.pruneTimer = setInterval(() => {
      this.prune().catch((err: unknown) => this.ctx.log.error({ err }, 'webhook delivery pruning failed'));
    }, this.ctx.config.events.maintenanceIntervalMs);
    this.pruneTimer.unref();
    this.kick();
  }

  /** Look for work now (coalesced: one pass at a time, another right after if asked meanwhile). */
  kick(): void {
    this.lookForEvents = true;
    this.wake();
  }

  private wake(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass().finally(() => {
      this.running = undefined;
      if (this.again) this.wake();
    });
  }

  /**
   * Runs passes until one finds nothing to queue or claim and no attempt is in flight (tests drive
   * time with a manual clock, then wait for the consequences). Bounded.
   */
  async settle(): Promise<void> {
    for (let i = 0; i < MAX_ROUNDS; i++) {
      await this.running;
      this.productive = false;
      this.kick();
      await this.running;
      const busy = this.inFlight.size > 0;
      await Promise.all([...this.inFlight]);
      if (!this.productive && !busy) return;
    }
  }

  /** Stops: no new claims, attempts in flight aborted (not counted) and their leases given back. */
  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.shutdown.abort();
    await this.running?.catch(() => undefined);
    await Promise.all([...this.inFlight]);
    await releaseLeases(this.ctx.db, [...this.abandoned]).catch((err: unknown) =>
      this.ctx.log.warn({ err }, 'could not give back webhook leases; they run out by themselves'),
    );
  }

  /** Whether a pass queued or claimed anything since {@link settle} last looked. */
  private productive = false;

  private async pass(): Promise<void> {
    try {
      for (let round = 0; round < MAX_ROUNDS && !this.closed; round++) {
        this.again = false;
        let queued = 0;
        if (this.lookForEvents) {
          this.lookForEvents = false;
          queued = await this.queue();
          // More batches may be behind: look again in the next round.
          if (queued > 0) this.lookForEvents = true;
        }
        const claimed = await this.claim();
        if (queued > 0 || claimed > 0) this.productive = true;
        if (queued === 0 && claimed === 0) break;
      }
    } catch (err) {
      this.lookForEvents = true;
      if (!this.closed) this.ctx.log.error({ err }, 'webhook dispatch failed; retrying at the next wake-up');
    }
  }

  /** Turns new events into deliveries; returns how many endpoints moved forward. */
  private async queue(): Promise<number> {
    const head = await headCursor(this.ctx.db);
    const endpoints = await endpointsBehind(this.ctx.db, head, ENDPOINT_BATCH);
    let moved = 0;
    const now = this.ctx.clock.now();
    for (const endpoint of endpoints) {
      if (this.closed) break;
      const from = Number(endpoint.event_cursor);
      const rows = await eventsFor(this.ctx.db, scopeOf(endpoint), {
        after: from,
        upTo: head,
        limit: EVENT_BATCH,
      });
      const last = rows[rows.length - 1];
      const to = rows.length === EVENT_BATCH && last ? Number(last.id) : head;
      const deliveries: NewDelivery[] = rows.map((row) => deliveryFor(toView(row)));
      if (await queueDeliveries(this.ctx.db, endpoint.id, { from, to }, deliveries, now)) moved++;
    }
    return moved;
  }

  /** Leases due deliveries up to the free attempt slots and starts them; returns how many. */
  private async claim(): Promise<number> {
    const free = MAX_IN_FLIGHT - this.inFlight.size;
    if (free < CLAIM_AT_LEAST || this.closed) return 0;
    const owner = `${this.instance}:${++this.claims}`;
    const now = this.ctx.clock.now();
    const lease = this.ctx.config.webhooks.timeoutMs + LEASE_MARGIN_MS;
    const ids = await claimDeliveries(this.ctx.db, owner, now, now + lease, free);
    if (ids.length === 0) return 0;
    const rows = await loadClaimed(this.ctx.db, owner, ids);
    for (const row of rows) {
      const attempt = this.attempt(row, owner)
        .catch((err: unknown) => {
          this.ctx.log.error({ err, delivery: row.id }, 'webhook attempt could not be recorded');
        })
        .finally(() => {
          this.inFlight.delete(attempt);
          this.wake();
        });
      this.inFlight.add(attempt);
    }
    return rows.length;
  }

  private async attempt(row: ClaimedRow, owner: string): Promise<void> {
    const now = this.ctx.clock.now();
    const base = { delivery: row.id, owner, endpoint: row.endpoint, now };
    const scope = scopeOf({
      organization: row.endpoint_organization,
      event_types: row.event_types,
      fleet_ids: row.fleet_ids,
    });
    // Rights at delivery time: the endpoint's organization, fleets and types as they are now.
    const allowed =
      row.event === null
        ? row.organization === scope.organization
        : webhookMayReceive(scope, {
            organization: row.organization,
            fleet: row.application,
            type: row.type,
          });
    if (!allowed) {
      await this.complete({
        ...base,
        attempt: null,
        status: 'cancelled',
        nextAttemptAt: now,
        lastError: 'not sent: outside the endpoint’s organization, fleets or types',
        endpointHealth: 'none',
      });
      return;
    }
    const attemptNo = Number(row.attempts) + 1;
    const keys = this.keysOf(row, now);
    if (!keys) {
      this.ctx.log.error({ endpoint: row.endpoint }, 'webhook keys do not decrypt (wrong MOORING_SECRET?)');
      const decision = decide(null, attemptNo, now);
      await this.complete({
        ...base,
        attempt: failedAttempt(attemptNo, now, 'not sent: the endpoint’s keys do not decrypt'),
        status: decision.kind === 'retry' ? 'pending' : 'failed',
        nextAttemptAt: decision.kind === 'retry' ? decision.at : now,
        lastError: 'keys unavailable',
        endpointHealth: 'none',
      });
      return;
    }
    const timestamp = Math.floor(now / 1000);
    const result = await send(
      {
        url: row.url,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Mooring-Webhooks/1',
          'webhook-id': row.message_id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signatureHeader(keys, row.message_id, timestamp, row.payload),
        },
        body: row.payload,
      },
      {
        timeoutMs: this.ctx.config.webhooks.timeoutMs,
        allowPrivateNetworks: this.ctx.config.webhooks.allowPrivateNetworks,
        signal: this.shutdown.signal,
      },
    );
    if (result.aborted) {
      // Shutting down: not an attempt; the lease is given back so another instance retries now.
      this.abandoned.add(owner);
      return;
    }
    this.stats.attempts++;
    const done = this.ctx.clock.now();
    let decision = decide(result.error === null ? result.status : null, attemptNo, done);
    // A test event is sent once: its answer is the point, not its eventual delivery.
    if (row.event === null && decision.kind === 'retry') decision = { kind: 'give-up' };
    const succeeded = decision.kind === 'delivered';
    await this.complete({
      ...base,
      now: done,
      attempt: {
        attempt: attemptNo,
        startedAt: now,
        durationMs: result.durationMs,
        statusCode: result.status,
        error: result.error,
        responseBody: result.body,
        succeeded,
      },
      status: decision.kind === 'retry' ? 'pending' : succeeded ? 'delivered' : 'failed',
      nextAttemptAt: decision.kind === 'retry' ? decision.at : done,
      lastError: result.error ?? (succeeded ? null : `HTTP ${result.status}`),
      endpointHealth: succeeded ? 'ok' : decision.kind === 'gone' ? 'gone' : 'failing',
      organization: row.endpoint_organization,
    });
    if (succeeded) {
      this.stats.delivered++;
      this.stats.onDelivered?.((done - Number(row.created_at)) / 1000);
    } else {
      this.stats.failed++;
      this.stats.onFailed?.(
        result.status === null
          ? 'network'
          : decision.kind === 'gone'
            ? 'gone'
            : `http_${Math.floor(result.status / 100)}xx`,
      );
    }
  }

  private async complete(
    c: Omit<Completion, 'disableFailingBefore'> & { organization?: number },
  ): Promise<void> {
    let disabled = false;
    const outcome = await completeDelivery(
      this.ctx.db,
      { ...c, disableFailingBefore: c.now - DISABLE_AFTER_FAILING_MS },
      async (trx: EventTransaction, endpoint) => {
        disabled = true;
        await appendEvents(
          trx,
          [
            {
              type: 'webhook.disabled',
              at: c.now,
              organization: c.organization ?? null,
              application: null,
              actor: null,
              device: null,
              deviceUuid: null,
              deviceSeq: null,
              apiKey: null,
              previousStatus: 'enabled',
              status: 'disabled',
              data: { endpoint: endpoint.id, reason: endpoint.reason },
            },
          ],
          c.now,
        );
      },
    );
    if (outcome === 'lease-lost')
      this.ctx.log.warn({ delivery: c.delivery }, 'webhook lease ran out during the attempt; not recorded');
    if (disabled) {
      this.ctx.log.warn({ endpoint: c.endpoint }, 'webhook endpoint disabled');
      this.ctx.eventsWritten();
    }
  }

  private keysOf(row: ClaimedRow, now: number): EndpointKeys | null {
    const previous =
      row.previous_secret !== null &&
      row.previous_secret_expires_at !== null &&
      Number(row.previous_secret_expires_at) > now
        ? row.previous_secret
        : null;
    const cacheKey = `${row.public_id}|${row.secret}|${previous ?? ''}|${row.signing_key}`;
    const cached = this.keyCache.get(cacheKey);
    if (cached) return cached;
    const keys = openKeys(this.ctx.keys.encryption, {
      publicId: row.public_id,
      secret: row.secret,
      previousSecret: previous,
      signingKey: row.signing_key,
    });
    if (keys) {
      if (this.keyCache.size >= 256) this.keyCache.clear();
      this.keyCache.set(cacheKey, keys);
    }
    return keys;
  }

  /** Deletes finished deliveries older than the event retention, in small batches. */
  async prune(): Promise<number> {
    const before = this.ctx.clock.now() - this.ctx.config.events.retentionDays * 86_400_000;
    let total = 0;
    for (let i = 0; i < 100 && !this.closed; i++) {
      const n = await pruneDeliveries(this.ctx.db, before, PRUNE_BATCH);
      total += n;
      if (n < PRUNE_BATCH) break;
    }
    return total;
  }
}

function failedAttempt(attempt: number, now: number, error: string): Completion['attempt'] {
  return {
    attempt,
    startedAt: now,
    durationMs: 0,
    statusCode: null,
    error,
    responseBody: null,
    succeeded: false,
  };
}

import { sql } from 'kysely';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { AppContext } from '../context.js';
import type { WebhookDispatcher } from './dispatcher.js';

/**
 * Webhook series on `/metrics` (when metrics are on). Labels are fixed by the server (a closed set of
 * failure reasons), never an endpoint URL or id, so the number of series stays bounded.
 */
export function registerWebhookMetrics(
  registry: Registry,
  ctx: AppContext,
  dispatcher: WebhookDispatcher,
): void {
  const registers = [registry];
  const lag = new Histogram({
    name: 'mooring_webhook_delivery_lag_seconds',
    help: 'From queueing (right after the event was written) to a successful delivery, on this instance.',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 30, 300, 3600, 86_400],
    registers,
  });
  const failures = new Counter({
    name: 'mooring_webhook_delivery_failures_total',
    help: 'Failed delivery attempts on this instance, by reason (network, gone, http_3xx/4xx/5xx).',
    labelNames: ['reason'],
    registers,
  });
  new Counter({
    name: 'mooring_webhook_deliveries_total',
    help: 'Successful deliveries on this instance.',
    registers,
    collect(): void {
      this.reset();
      this.inc(dispatcher.stats.delivered);
    },
  });
  new Gauge({
    name: 'mooring_webhook_pending_deliveries',
    help: 'Deliveries waiting for an attempt or a retry (all instances).',
    registers,
    async collect(): Promise<void> {
      const row = await sql<{
        n: number;
      }>`SELECT count(*) AS n FROM webhook_delivery WHERE status = 'pending'`
        .execute(ctx.db.kysely)
        .then((r) => r.rows[0])
        .catch(() => undefined);
      if (row) this.set(Number(row.n));
    },
  });
  dispatcher.stats.onDelivered = (seconds) => lag.observe(Math.max(0, seconds));
  dispatcher.stats.onFailed = (reason) => failures.inc({ reason });
}

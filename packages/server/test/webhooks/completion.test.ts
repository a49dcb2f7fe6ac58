import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AttemptRecord,
  type Completion,
  claimDeliveries,
  completeDelivery,
} from '../../src/webhooks/webhooks.repository.js';
import { dialects } from '../support/databases.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { WEBHOOK_ENV } from './support.js';

/** Far beyond the test clock: the app's own dispatcher never finds these deliveries due. */
const LATER = 10 ** 13;

/**
 * Recording an attempt's outcome (webhooks.repository.ts `completeDelivery`), on both dialects and
 * through both PostgreSQL paths (one statement when the endpoint cannot be disabled, a transaction
 * otherwise): only the lease that claimed a delivery records it, and everything or nothing is written.
 */
describe.each(dialects())('recording a webhook attempt (%s)', (dialect) => {
  let t: TestApp;
  let seq = 0;

  beforeAll(async () => {
    t = await createTestApp(dialect, WEBHOOK_ENV);
  });
  afterAll(async () => t?.close());

  const db = () => t.ctx.db;

  async function pendingDelivery(
    failingSince: number | null,
  ): Promise<{ endpoint: number; delivery: number }> {
    const n = ++seq;
    await sql`INSERT INTO webhook_endpoint (public_id, organization, url, enabled, secret, signing_key, public_key,
        event_cursor, failing_since, created_at, modified_at)
      VALUES (${`we_completion_${n}`}, 1, 'http://127.0.0.1:9/', 1, 'x', 'x', 'x', 0, ${failingSince}, 1, 1)`.execute(
      db().kysely,
    );
    const endpoint = Number(
      (
        await sql<{
          id: number;
        }>`SELECT id FROM webhook_endpoint WHERE public_id = ${`we_completion_${n}`}`.execute(db().kysely)
      ).rows[0]?.id,
    );
    await sql`INSERT INTO webhook_delivery (endpoint, event, message_id, type, organization, payload, status, attempts,
        next_attempt_at, created_at)
      VALUES (${endpoint}, NULL, ${`msg_completion_${n}`}, 'webhook.test', 1, '{}', 'pending', 0, ${LATER}, 1)`.execute(
      db().kysely,
    );
    const delivery = Number(
      (
        await sql<{ id: number }>`SELECT id FROM webhook_delivery WHERE endpoint = ${endpoint}`.execute(
          db().kysely,
        )
      ).rows[0]?.id,
    );
    return { endpoint, delivery };
  }

  const state = async (endpoint: number, delivery: number) => {
    const d = (
      await sql<
        Record<string, unknown>
      >`SELECT status, attempts, lease_owner, last_status, last_error, completed_at
        FROM webhook_delivery WHERE id = ${delivery}`.execute(db().kysely)
    ).rows[0];
    const attempts = (
      await sql<
        Record<string, unknown>
      >`SELECT attempt, status_code, error, response_body, succeeded, duration_ms
        FROM webhook_attempt WHERE delivery = ${delivery}`.execute(db().kysely)
    ).rows;
    const e = (
      await sql<{
        failing_since: unknown;
        enabled: unknown;
      }>`SELECT failing_since, enabled FROM webhook_endpoint
        WHERE id = ${endpoint}`.execute(db().kysely)
    ).rows[0];
    return {
      status: d?.status,
      attempts: Number(d?.attempts),
      leaseOwner: d?.lease_owner ?? null,
      lastStatus: d?.last_status === null ? null : Number(d?.last_status),
      completedAt: d?.completed_at === null ? null : Number(d?.completed_at),
      attemptRows: attempts.map((a) => ({
        attempt: Number(a.attempt),
        statusCode: a.status_code === null ? null : Number(a.status_code),
        error: a.error,
        responseBody: a.response_body,
        succeeded: Number(a.succeeded),
      })),
      failingSince: e?.failing_since === null ? null : Number(e?.failing_since),
      enabled: Number(e?.enabled),
    };
  };

  const delivered: AttemptRecord = {
    attempt: 1,
    startedAt: LATER,
    durationMs: 12,
    statusCode: 204,
    error: null,
    responseBody: 'thanks',
    succeeded: true,
  };
  const completion = (
    ids: { endpoint: number; delivery: number },
    owner: string,
    over: Partial<Completion> = {},
  ): Completion => ({
    delivery: ids.delivery,
    owner,
    endpoint: ids.endpoint,
    attempt: delivered,
    status: 'delivered',
    nextAttemptAt: LATER + 20,
    lastError: null,
    endpointHealth: 'ok',
    now: LATER + 20,
    disableFailingBefore: 0,
    ...over,
  });

  it('records a delivered attempt only under the lease that holds it, and clears the endpoint’s failing mark', async () => {
    const ids = await pendingDelivery(LATER - 5000);
    expect(await claimDeliveries(db(), 'first', LATER, LATER + 1000, 50)).toContain(ids.delivery);
    // The first lease runs out; another owner claims the same delivery.
    expect(await claimDeliveries(db(), 'second', LATER + 2000, LATER + 3000, 50)).toContain(ids.delivery);

    expect(await completeDelivery(db(), completion(ids, 'first'), async () => undefined)).toBe('lease-lost');
    const untouched = await state(ids.endpoint, ids.delivery);
    expect(untouched).toMatchObject({
      status: 'pending',
      attempts: 0,
      leaseOwner: 'second',
      attemptRows: [],
    });
    expect(untouched.failingSince).toBe(LATER - 5000);

    expect(await completeDelivery(db(), completion(ids, 'second'), async () => undefined)).toBe('recorded');
    expect(await state(ids.endpoint, ids.delivery)).toEqual({
      status: 'delivered',
      attempts: 1,
      leaseOwner: null,
      lastStatus: 204,
      completedAt: LATER + 20,
      attemptRows: [{ attempt: 1, statusCode: 204, error: null, responseBody: 'thanks', succeeded: 1 }],
      failingSince: null,
      enabled: 1,
    });
    // Completed once: a second completion under the same lease finds nothing pending.
    expect(await completeDelivery(db(), completion(ids, 'second'), async () => undefined)).toBe('lease-lost');
    expect((await state(ids.endpoint, ids.delivery)).attemptRows).toHaveLength(1);
  });

  it('records a completion with nothing sent without an attempt row', async () => {
    const ids = await pendingDelivery(null);
    expect(await claimDeliveries(db(), 'owner', LATER, LATER + 1000, 50)).toContain(ids.delivery);
    const cancelled = completion(ids, 'owner', {
      attempt: null,
      status: 'cancelled',
      lastError: 'not sent',
      endpointHealth: 'none',
    });
    expect(await completeDelivery(db(), cancelled, async () => undefined)).toBe('recorded');
    expect(await state(ids.endpoint, ids.delivery)).toMatchObject({
      status: 'cancelled',
      attempts: 0,
      leaseOwner: null,
      attemptRows: [],
      failingSince: null,
    });
  });

  it('marks a failing endpoint and disables it after the failing period, in the same transaction', async () => {
    const ids = await pendingDelivery(null);
    expect(await claimDeliveries(db(), 'owner', LATER, LATER + 1000, 50)).toContain(ids.delivery);
    const failedAttempt: AttemptRecord = {
      ...delivered,
      statusCode: 500,
      responseBody: 'no',
      succeeded: false,
    };
    const retry = completion(ids, 'owner', {
      attempt: failedAttempt,
      status: 'pending',
      nextAttemptAt: LATER + 5000,
      lastError: 'HTTP 500',
      endpointHealth: 'failing',
    });
    const disabled: number[] = [];
    expect(await completeDelivery(db(), retry, async (_trx, e) => void disabled.push(e.id))).toBe('recorded');
    expect(await state(ids.endpoint, ids.delivery)).toMatchObject({
      status: 'pending',
      attempts: 1,
      failingSince: LATER + 20,
      enabled: 1,
    });
    expect(disabled).toEqual([]);

    expect(await claimDeliveries(db(), 'again', LATER + 5000, LATER + 6000, 50)).toContain(ids.delivery);
    const giveUp = completion(ids, 'again', {
      attempt: { ...failedAttempt, attempt: 2 },
      status: 'failed',
      lastError: 'HTTP 500',
      endpointHealth: 'failing',
      now: LATER + 6000,
      disableFailingBefore: LATER + 100,
    });
    expect(await completeDelivery(db(), giveUp, async (_trx, e) => void disabled.push(e.id))).toBe(
      'recorded',
    );
    expect(await state(ids.endpoint, ids.delivery)).toMatchObject({
      status: 'failed',
      attempts: 2,
      enabled: 0,
    });
    expect(disabled).toEqual([ids.endpoint]);
  });
});

/*
 * The retry schedule and what an attempt's result means (docs/events.md "Webhooks"). Pure: the
 * dispatcher applies the decision with one guarded transaction (webhooks.repository.ts).
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Waits after the 1st, 2nd, … failed attempt: 5 s, 5 min, 30 min, 2 h, 5 h, then 10 h seven times —
 * 13 attempts over 3 days and 5½ hours, after which the delivery is given up.
 */
export const RETRY_DELAYS_MS: readonly number[] = [
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  10 * HOUR,
  10 * HOUR,
  10 * HOUR,
  10 * HOUR,
  10 * HOUR,
  10 * HOUR,
];

export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

/** An endpoint that has failed every attempt for this long is disabled (`webhook.disabled`). */
export const DISABLE_AFTER_FAILING_MS = 5 * DAY;

export type Decision =
  /** 2xx: done; the endpoint is healthy again. */
  | { readonly kind: 'delivered' }
  /** Another attempt at `at`. */
  | { readonly kind: 'retry'; readonly at: number }
  /** The schedule is exhausted: the delivery failed for good. */
  | { readonly kind: 'give-up' }
  /** 410 Gone: the receiver asks to stop; the endpoint is disabled. */
  | { readonly kind: 'gone' };

/**
 * What to do after attempt number `attempt` (1-based) answered `status` (null: no answer). Any 2xx
 * is success; 410 disables the endpoint; everything else, 3xx included (redirects are not
 * followed), is a failure retried on the schedule.
 */
export function decide(status: number | null, attempt: number, now: number): Decision {
  if (status !== null && status >= 200 && status < 300) return { kind: 'delivered' };
  if (status === 410) return { kind: 'gone' };
  const delay = RETRY_DELAYS_MS[attempt - 1];
  return delay === undefined ? { kind: 'give-up' } : { kind: 'retry', at: now + delay };
}

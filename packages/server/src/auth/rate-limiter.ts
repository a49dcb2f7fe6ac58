import type { Clock } from '../config/clock.js';

export interface RateLimitRule {
  /** Attempts allowed within `windowMs`. */
  readonly limit: number;
  readonly windowMs: number;
  /** Once over the limit, how long the key stays blocked. */
  readonly blockMs: number;
}

interface Bucket {
  count: number;
  windowStart: number;
  blockedUntil: number;
}

/**
 * Fixed-window counter with a block period, in memory and bounded in size (oldest keys evicted first),
 * so a flood of distinct keys cannot exhaust memory. Per instance: behind a load balancer each
 * instance enforces its own budget (docs/adr/0003-rate-limits.md).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly rule: RateLimitRule,
    private readonly clock: Clock,
    private readonly maxKeys = 100_000,
  ) {}

  /** Seconds until the key may try again, or 0 when it may try now. */
  retryAfter(key: string): number {
    const bucket = this.buckets.get(key);
    const now = this.clock.now();
    if (!bucket || bucket.blockedUntil <= now) return 0;
    return Math.ceil((bucket.blockedUntil - now) / 1000);
  }

  /**
   * Counts one attempt. The `limit`-th attempt within a window is still allowed but starts the block,
   * so every later attempt is refused until the block ends (then counting starts afresh).
   * Returns the seconds to wait if this attempt itself is refused, else 0.
   */
  hit(key: string): number {
    const now = this.clock.now();
    let bucket = this.buckets.get(key);
    const blockOver = bucket !== undefined && bucket.blockedUntil !== 0 && bucket.blockedUntil <= now;
    if (!bucket || blockOver || now - bucket.windowStart >= this.rule.windowMs) {
      bucket = { count: 0, windowStart: now, blockedUntil: 0 };
      this.buckets.delete(key);
      this.buckets.set(key, bucket);
      this.evict();
    }
    if (bucket.blockedUntil > now) return Math.ceil((bucket.blockedUntil - now) / 1000);
    bucket.count += 1;
    if (bucket.count >= this.rule.limit) bucket.blockedUntil = now + this.rule.blockMs;
    return 0;
  }

  reset(key: string): void {
    this.buckets.delete(key);
  }

  private evict(): void {
    while (this.buckets.size > this.maxKeys) {
      const oldest = this.buckets.keys().next().value;
      if (oldest === undefined) return;
      this.buckets.delete(oldest);
    }
  }
}

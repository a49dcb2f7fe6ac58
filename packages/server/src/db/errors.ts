/** True for a unique-constraint violation from either driver (PostgreSQL 23505, SQLite constraint codes). */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Why the database cannot answer now, and when to ask again. */
export interface Unavailability {
  /** `down`: unreachable, restarting or shutting down; `busy`: it answers, but not in time. */
  readonly kind: 'down' | 'busy';
  /** Seconds for `Retry-After`. */
  readonly retryAfter: number;
}

const DOWN: Unavailability = Object.freeze({ kind: 'down', retryAfter: 5 });
const BUSY: Unavailability = Object.freeze({ kind: 'busy', retryAfter: 1 });

/** Socket-level failures (Node system error codes) that mean "no usable connection". */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** SQLSTATEs of a database that is (going) away or overloaded, by class or exact code. */
function sqlstateUnavailability(code: string): Unavailability | undefined {
  // Class 08: connection exception (08000, 08003, 08006, 08001 …).
  if (code.startsWith('08')) return DOWN;
  switch (code) {
    case '57P01': // admin_shutdown: pg_ctl stop -m fast, pg_terminate_backend
    case '57P02': // crash_shutdown
    case '57P03': // cannot_connect_now: starting up, shutting down, in recovery
      return DOWN;
    case '57014': // query_canceled: statement_timeout
    case '53300': // too_many_connections
    case '55P03': // lock_not_available: lock_timeout
      return BUSY;
    default:
      return undefined;
  }
}

/**
 * Messages of node-postgres, pg-pool and Kysely errors that carry no code. They are the drivers'
 * own fixed strings (not server text), matched exactly or by prefix.
 */
const DRIVER_MESSAGES: readonly (readonly [string, Unavailability])[] = [
  ['timeout exceeded when trying to connect', BUSY], // pg-pool: no connection free in time
  ['Connection terminated due to connection timeout', DOWN],
  ['Connection terminated unexpectedly', DOWN],
  ['Connection terminated', DOWN],
  ['Client has encountered a connection error and is not queryable', DOWN],
  ['Client was closed and is not queryable', DOWN],
  ['Query read timeout', BUSY],
  ['Cannot use a pool after calling end on the pool', DOWN],
  ['driver has already been destroyed', DOWN],
];

/**
 * The one mapping from a database failure to "unavailable" (503 with `Retry-After`, http/error-handler.ts):
 * PostgreSQL connection errors and shutdowns (08xxx, 57P01–57P03), refused or reset sockets, every
 * timeout (connect, pool acquisition, statement, the stall guard) and a locked SQLite database
 * (SQLITE_BUSY after busy_timeout). Looks through `cause` chains and AggregateErrors (a host name with
 * several addresses). Anything else is undefined: a real bug stays a 500.
 */
export function databaseUnavailability(error: unknown, depth = 0): Unavailability | undefined {
  if (depth > 4 || typeof error !== 'object' || error === null) return undefined;
  const { code, message, cause } = error as { code?: unknown; message?: unknown; cause?: unknown };
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return DOWN;
    // SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT, SQLITE_BUSY_TIMEOUT …: another connection holds the lock.
    if (code.startsWith('SQLITE_BUSY')) return BUSY;
    if (/^[0-9A-Z]{5}$/.test(code)) {
      const found = sqlstateUnavailability(code);
      if (found) return found;
    }
  }
  if (typeof message === 'string') {
    for (const [prefix, found] of DRIVER_MESSAGES) if (message.startsWith(prefix)) return found;
  }
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const found = databaseUnavailability(inner, depth + 1);
      if (found) return found;
    }
  }
  return cause === undefined ? undefined : databaseUnavailability(cause, depth + 1);
}

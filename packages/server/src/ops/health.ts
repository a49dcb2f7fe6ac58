import type {} from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import { migrationProvider } from '../db/migrations/index.js';

/** Below the 1 s a Kubernetes probe waits by default, so a frozen database is a 503, never a probe timeout. */
export const READY_TIMEOUT_MS = 500;
/** What a load balancer is told to wait before asking again. */
export const READY_RETRY_AFTER_SECONDS = 5;

export type CheckState = 'ok' | 'unreachable' | 'timeout' | 'pending' | 'shutting_down';

export interface ReadinessReport {
  readonly status: 'ready' | 'not_ready';
  readonly checks: {
    /** A query answered within {@link READY_TIMEOUT_MS}. */
    readonly database: CheckState;
    /** Every migration this version knows is recorded as applied (`pending` otherwise). */
    readonly migrations: CheckState;
    /** `shutting_down` from the moment the server starts closing. */
    readonly shutdown: CheckState;
  };
  /** The names of the checks that failed, e.g. `["database"]`. */
  readonly notReady: readonly string[];
}

/**
 * `/readyz`: may this instance take traffic? Cheap and bounded: one tiny query, at most one in flight
 * whatever the probe rate (a frozen database cannot pile probes up in the pool), and an answer
 * within the timeout even when the query never returns.
 */
export class Readiness {
  private shuttingDown = false;
  /** Once every migration is seen applied it stays so: later checks only need the database. */
  private migrated = false;
  private inFlight: Promise<CheckState> | undefined;
  private lastReported = 'ready';

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
    private readonly timeoutMs = READY_TIMEOUT_MS,
  ) {}

  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  async check(): Promise<ReadinessReport> {
    this.inFlight ??= this.query().finally(() => {
      this.inFlight = undefined;
    });
    const state = await withTimeout(this.inFlight, this.timeoutMs);
    const database: CheckState = state === 'pending' ? 'ok' : state;
    const migrations: CheckState = this.migrated ? 'ok' : state === 'pending' ? 'pending' : state;
    const checks = { database, migrations, shutdown: this.shuttingDown ? 'shutting_down' : 'ok' } as const;
    const notReady = Object.entries(checks)
      .filter(([, state]) => state !== 'ok')
      .map(([name]) => name);
    // Logged when the answer changes, not on every probe.
    const summary =
      notReady.length === 0
        ? 'ready'
        : notReady.map((n) => `${n}:${checks[n as keyof typeof checks]}`).join(',');
    if (summary !== this.lastReported && !this.shuttingDown) {
      if (notReady.length === 0) this.log.info('ready: database reachable, migrations applied');
      else this.log.warn({ checks }, 'not ready');
    }
    this.lastReported = summary;
    return { status: notReady.length === 0 ? 'ready' : 'not_ready', checks, notReady };
  }

  /** `ok`, `pending` (reachable, a migration missing) or `unreachable`. */
  private async query(): Promise<CheckState> {
    try {
      if (this.migrated) {
        // Reads a table, so on SQLite it touches the database file (`SELECT 1` would not).
        await sql`SELECT 1 FROM kysely_migration LIMIT 1`.execute(this.db.kysely);
        return 'ok';
      }
      const expected = Object.keys(await migrationProvider.getMigrations());
      const rows = await sql<{ name: string }>`SELECT name FROM kysely_migration`.execute(this.db.kysely);
      const applied = new Set(rows.rows.map((r) => r.name));
      if (!expected.every((name) => applied.has(name))) return 'pending';
      this.migrated = true;
      return 'ok';
    } catch (err) {
      // A missing migration table is a database that was never migrated, not an unreachable one.
      if (/kysely_migration/.test(String((err as Error | undefined)?.message))) return 'pending';
      if (this.lastReported === 'ready') this.log.warn({ err }, 'readiness: database query failed');
      return 'unreachable';
    }
  }
}

function withTimeout(check: Promise<CheckState>, ms: number): Promise<CheckState> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckState>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
    timer.unref();
  });
  return Promise.race([check, timeout]).finally(() => clearTimeout(timer));
}

/**
 * `/healthz` (the process answers: restart it if not) and `/readyz` (send it traffic: 503 with
 * `Retry-After` and the failing checks otherwise). Public, like `/ping`: a probe carries no
 * credential, and the answers reveal no more than whether the instance is up.
 */
export function registerHealthRoutes(app: FastifyInstance, readiness: Readiness): void {
  app.addHook('preClose', (done) => {
    readiness.markShuttingDown();
    done();
  });
  app.get(
    '/healthz',
    {
      config: { access: 'public', wire: 'mooring' },
      schema: { summary: 'Liveness: 200 while the process serves requests', tags: ['meta'] },
    },
    (_request, reply) => {
      reply.send({ status: 'ok' });
    },
  );
  app.get(
    '/readyz',
    {
      config: { access: 'public', wire: 'mooring' },
      schema: {
        summary: 'Readiness: database reachable, migrations applied, not shutting down',
        description: `200 \`{status: "ready", checks}\`; otherwise 503 with \`Retry-After\` and \`notReady\` naming the failing checks. Answers within ${READY_TIMEOUT_MS} ms even when the database does not.`,
        tags: ['meta'],
      },
    },
    async (_request, reply) => {
      const report = await readiness.check();
      if (report.status !== 'ready') {
        reply.code(503).header('retry-after', String(READY_RETRY_AFTER_SECONDS));
      }
      return report;
    },
  );
}

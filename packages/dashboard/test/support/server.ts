import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../server/src/app.js';
import { bootstrapAdmin } from '../../../server/src/bootstrap.js';
import { type Clock, systemClock } from '../../../server/src/config/clock.js';
import { loadConfig } from '../../../server/src/config/config.js';
import { deriveKeys } from '../../../server/src/config/secrets.js';
import { createLogger } from '../../../server/src/http/logger.js';
import { createTestDatabase, type TestDatabase } from '../../../server/test/support/databases.js';
import { LogCapture } from '../../../server/test/support/log-capture.js';

export const ADMIN_PASSWORD = 'e2e correct horse battery';
const SECRET = 'e2e-secret-0123456789abcdef0123456789abcdef';

export interface RunningServer {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly logs: LogCapture;
  /** The server's database, for seeding rows faster than the API could create them. */
  readonly database: TestDatabase;
  close(): Promise<void>;
}

/**
 * A real Mooring server on a fresh SQLite database, listening on a free port, with the real clock
 * and heartbeat timings in seconds, so that online → timeout → offline happens while the browser
 * watches: a device that stops polling times out after 1.5 × 2 s and is offline 1 s later.
 */
export async function startServer(
  dashboardDir: string,
  env: Readonly<Record<string, string>> = {},
  clock: Clock = systemClock,
): Promise<RunningServer> {
  const config = loadConfig({
    MOORING_SECRET: SECRET,
    MOORING_ADMIN_PASSWORD: ADMIN_PASSWORD,
    MOORING_LOG_LEVEL: 'info',
    MOORING_HEARTBEAT_DEFAULT_POLL_INTERVAL_MS: '2000',
    MOORING_HEARTBEAT_MIN_POLL_INTERVAL_MS: '1000',
    MOORING_HEARTBEAT_OFFLINE_GRACE_MS: '1000',
    MOORING_HEARTBEAT_FLUSH_INTERVAL_MS: '200',
    MOORING_HEARTBEAT_SWEEP_INTERVAL_MS: '200',
    ...env,
  });
  const database: TestDatabase = await createTestDatabase('sqlite');
  const logs = new LogCapture();
  const app = await buildApp({
    config,
    db: database.db,
    keys: deriveKeys(SECRET),
    clock,
    logger: createLogger(config.logLevel, logs),
    dashboardDir,
  });
  await bootstrapAdmin(app.mooring.ctx);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    app,
    logs,
    database,
    close: async () => {
      await app.close();
      await database.destroy();
    },
  };
}

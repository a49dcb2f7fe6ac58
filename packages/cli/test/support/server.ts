import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../server/src/app.js';
import { bootstrapAdmin } from '../../../server/src/bootstrap.js';
import { systemClock } from '../../../server/src/config/clock.js';
import { loadConfig } from '../../../server/src/config/config.js';
import { deriveKeys } from '../../../server/src/config/secrets.js';
import type { AppContext } from '../../../server/src/context.js';
import type { DialectName } from '../../../server/src/db/database.js';
import { createLogger } from '../../../server/src/http/logger.js';
import { createTestDatabase } from '../../../server/test/support/databases.js';
import { LogCapture } from '../../../server/test/support/log-capture.js';
import { ADMIN_PASSWORD, TEST_SECRET } from '../../../server/test/support/test-app.js';

export { ADMIN_PASSWORD };

export interface ListeningServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly app: FastifyInstance;
  readonly ctx: AppContext;
  readonly logs: LogCapture;
  close(): Promise<void>;
}

/**
 * The real app on a fresh, migrated, bootstrapped database, listening on a free port of 127.0.0.1 for
 * the CLI processes to call. The clock is the system's: the CLI (in another process) judges session
 * expiry by real time, so the server must too.
 */
export async function startListeningServer(
  dialect: DialectName,
  env: Record<string, string> = {},
): Promise<ListeningServer> {
  const config = loadConfig({
    MOORING_SECRET: TEST_SECRET,
    MOORING_ADMIN_PASSWORD: ADMIN_PASSWORD,
    MOORING_LOG_LEVEL: 'info',
    // As in the server's test apps: request throttling has its own tests; the login limiter stays on.
    MOORING_RATE_LIMIT_PER_IP: '0',
    MOORING_RATE_LIMIT_PER_CREDENTIAL: '0',
    MOORING_AUTH_FAILURE_LIMIT: '0',
    ...env,
  });
  const database = await createTestDatabase(dialect);
  const logs = new LogCapture();
  const app = await buildApp({
    config,
    db: database.db,
    keys: deriveKeys(TEST_SECRET),
    clock: systemClock,
    logger: createLogger(config.logLevel, logs),
  });
  await bootstrapAdmin(app.mooring.ctx);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    ctx: app.mooring.ctx,
    logs,
    close: async () => {
      await app.close();
      await database.destroy();
    },
  };
}

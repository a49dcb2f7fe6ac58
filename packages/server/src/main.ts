import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import { buildApp } from './app.js';
import { CredentialCache } from './auth/credential-cache.js';
import { InvalidationBus } from './auth/invalidation-bus.js';
import { bootstrapAdmin } from './bootstrap.js';
import { systemClock } from './config/clock.js';
import { type Config, ConfigError, loadConfig } from './config/config.js';
import { deriveKeys, loadMasterSecret } from './config/secrets.js';
import { type Database, type DialectName, openDatabase } from './db/database.js';
import { databaseUnavailability } from './db/errors.js';
import { migrateToLatest } from './db/migrate.js';
import { holdUncertainDeadlines } from './devices/heartbeat-recovery.js';
import { resolveLogFormat } from './http/log-format.js';
import { createLogger } from './http/logger.js';
import { startMetricsListener } from './ops/metrics-endpoint.js';
import { type PasswordResetResult, resetPassword } from './sessions/password-reset.js';
import { ALIVE_INTERVAL_MS, prepareStorage, StorageError } from './storage/data-dir.js';
import { releaseEveryLease } from './webhooks/webhooks.repository.js';

type Env = Readonly<Record<string, string | undefined>>;

/** The pid file's time is refreshed every ALIVE_INTERVAL_MS: the crash came at most that much later. */
const ALIVE_SLACK_MS = ALIVE_INTERVAL_MS;

/** A listening server, as returned by startServer. */
export interface RunningServer {
  readonly url: string;
  readonly dialect: DialectName;
  readonly logger: Logger;
  /** Stops accepting requests, finishes the ones in flight and closes the database. */
  close(signal?: string): Promise<void>;
}

/**
 * Reads configuration from `env` (once, here), migrates, creates the first administrator on an empty
 * database and listens. Throws ConfigError for a bad setting. Used by this entry and by `mooring serve`.
 */
export async function startServer(
  env: Env,
  out: NodeJS.WritableStream = process.stdout,
): Promise<RunningServer> {
  const config = loadConfig(env);
  const logger = createLogger(
    config.logLevel,
    undefined,
    resolveLogFormat(config.logFormat, (process.stdout as { isTTY?: boolean }).isTTY),
  );
  // The data directory writable and, on SQLite, locked for this process (storage/data-dir.ts).
  const storage = prepareStorage(config);
  const keys = deriveKeys(loadMasterSecret(config));
  const db = storage.openDatabase(() => openConfiguredDatabase(config, logger));
  const applied = await migrateToLatest(db);
  if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
  if (storage.uncleanStop) {
    // Before the first sweep: no timeout may be recorded from a deadline a lost poll had moved.
    const { pid, aliveAt } = storage.uncleanStop;
    const held = await holdUncertainDeadlines(db, {
      crashedAt: aliveAt + ALIVE_SLACK_MS,
      flushIntervalMs: config.heartbeat.flushIntervalMs,
    });
    // The lock on the data directory proves the previous process is gone: its webhook attempts in
    // flight are retried now (same webhook-id) rather than when their leases run out.
    const webhookLeasesReleased = await releaseEveryLease(db);
    logger.warn(
      {
        previousPid: pid,
        lastAliveAt: new Date(aliveAt).toISOString(),
        devicesHeld: held,
        webhookLeasesReleased,
      },
      'the previous process on this data directory did not stop cleanly: polls answered in its last flush interval were not written; online devices whose deadline they could have moved get a full window from the crash before timing out',
    );
  }

  const clock = systemClock;
  const app = await buildApp({ config, db, keys, clock, logger });
  // The first administrator is created only once the port is ours: a start that fails here (port in
  // use, bad address) must leave the database empty, or the next start would print no password and
  // ignore MOORING_ADMIN_PASSWORD, locking the owner out.
  let address: string;
  let bootstrap: Awaited<ReturnType<typeof bootstrapAdmin>>;
  try {
    address = await app.listen({ host: config.host, port: config.port });
    bootstrap = await bootstrapAdmin(app.mooring.ctx);
  } catch (error) {
    await app.close().catch(() => undefined);
    await db.close().catch(() => undefined);
    throw error;
  }
  const url = config.publicUrl ?? address;
  const metrics = app.mooring.metrics;
  const metricsListener =
    metrics && config.metrics.port !== undefined
      ? await startMetricsListener(metrics, config.metrics, logger)
      : undefined;
  if (metricsListener) out.write(`Metrics on ${metricsListener.url}\n`);

  out.write(`Mooring is listening on ${url} (database: ${db.dialect})\n`);
  if (bootstrap) {
    out.write(
      bootstrap.generatedPassword
        ? `Created administrator "admin" in organization "admin". One-time password (shown only now): ${bootstrap.generatedPassword}\n`
        : 'Created administrator "admin" in organization "admin" with the password from MOORING_ADMIN_PASSWORD.\n',
    );
  } else if (config.adminPassword !== undefined) {
    out.write(
      'MOORING_ADMIN_PASSWORD is ignored: the database already has users (it only sets the first ' +
        "administrator's password). To set a new one: mooring admin reset-password --username admin\n",
    );
  }
  return {
    url: address,
    dialect: db.dialect,
    logger,
    close: async (signal?: string) => {
      logger.info({ signal }, 'shutting down');
      await app.close();
      await metricsListener?.close();
      await db.close();
      storage.release();
    },
  };
}

/** Brings the configured database up to date without serving (`mooring db migrate`). */
export async function migrateDatabase(env: Env): Promise<{ applied: string[]; dialect: DialectName }> {
  const config = loadConfig(env);
  if (config.databaseUrl === undefined) mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const db = openConfiguredDatabase(config);
  try {
    return { applied: await migrateToLatest(db), dialect: db.dialect };
  } finally {
    await db.close();
  }
}

/**
 * `mooring admin reset-password`: a new password for `login` in the configured database, every session
 * of the user revoked. Running instances on PostgreSQL drop cached sessions at once (NOTIFY); a running
 * SQLite server refuses them within its credential-cache lifetime (10 s).
 */
export async function resetUserPassword(
  env: Env,
  input: { login: string; password?: string },
): Promise<PasswordResetResult> {
  const config = loadConfig(env);
  if (config.databaseUrl === undefined) {
    const file = join(config.dataDir, 'mooring.sqlite');
    // Opening a missing file would create an empty database: a wrong MOORING_DATA_DIR must say so.
    if (!existsSync(file)) {
      throw new Error(
        `no database at ${file}: set MOORING_DATA_DIR (or MOORING_DATABASE_URL) as the server has it`,
      );
    }
  }
  const db = openConfiguredDatabase(config);
  try {
    const result = await resetPassword(db, { ...input, now: systemClock.now() });
    // A throwaway cache: publishing is what matters, the bump every instance's bus listens for.
    if (result.ok)
      await new InvalidationBus(db, new CredentialCache(systemClock), createLogger('silent')).publish();
    return result;
  } finally {
    await db.close();
  }
}

function openConfiguredDatabase(config: Config, logger?: Logger): Database {
  return config.databaseUrl === undefined
    ? openDatabase({ dialect: 'sqlite', file: join(config.dataDir, 'mooring.sqlite') })
    : openDatabase({
        dialect: 'postgres',
        connectionString: config.databaseUrl,
        timeouts: config.databaseTimeouts,
        // An idle pooled connection whose backend went away (a database restart): the pool has
        // already dropped it and the next request opens another.
        onConnectionError: (err) => logger?.warn({ err }, 'idle database connection lost'),
      });
}

/**
 * The last line of defence, for the server process only (never inside tests or the CLI's other
 * commands): an error that escaped every handler. A database connection failure that escaped is a
 * bug to fix, but no reason to take down an instance that answers 503 until the database is back;
 * anything else leaves the process in an unknown state, so it exits (status 1) for the supervisor
 * to restart it, as Node would have.
 */
export function installProcessSafetyNet(logger: Logger): void {
  const escaped = (kind: string) => (error: unknown) => {
    if (databaseUnavailability(error)) {
      logger.error(
        { err: error },
        `${kind}: database connection error not handled where it arose; kept running`,
      );
      return;
    }
    logger.fatal({ err: error }, `${kind}: exiting`);
    process.exit(1);
  };
  process.on('uncaughtException', escaped('uncaught exception'));
  process.on('unhandledRejection', escaped('unhandled rejection'));
}

/** The process entry: configuration errors exit with status 2 and a message naming the variable. */
async function main(): Promise<void> {
  let server: RunningServer;
  try {
    server = await startServer(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`mooring: configuration error: ${error.message}\n`);
      process.exit(2);
    }
    if (error instanceof StorageError) {
      process.stderr.write(`mooring: cannot start: ${error.message}\n`);
      process.exit(3);
    }
    throw error;
  }
  installProcessSafetyNet(server.logger);
  const shutdown = async (signal: string): Promise<void> => {
    try {
      await server.close(signal);
    } catch (error) {
      // E.g. the last usage flush while the database is away: logged, and the exit says so.
      server.logger.error({ err: error }, 'shutdown incomplete');
      process.exit(1);
    }
    process.exit(0);
  };
  process.once('SIGINT', (s) => void shutdown(s));
  process.once('SIGTERM', (s) => void shutdown(s));
}

/** True when this module is the script node was started with, not a module imported by the CLI. */
function isProcessEntry(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return pathToFileURL(realpathSync(entry)).href === moduleUrl;
  } catch {
    return false;
  }
}

if (isProcessEntry(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `mooring: failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  });
}

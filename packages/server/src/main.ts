import { mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import { buildApp } from './app.js';
import { bootstrapAdmin } from './bootstrap.js';
import { systemClock } from './config/clock.js';
import { type Config, ConfigError, loadConfig } from './config/config.js';
import { deriveKeys, loadMasterSecret } from './config/secrets.js';
import { type Database, type DialectName, openDatabase } from './db/database.js';
import { databaseUnavailability } from './db/errors.js';
import { migrateToLatest } from './db/migrate.js';
import { createLogger } from './http/logger.js';

type Env = Readonly<Record<string, string | undefined>>;

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
  const logger = createLogger(config.logLevel);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const keys = deriveKeys(loadMasterSecret(config));
  const db = openConfiguredDatabase(config, logger);
  const applied = await migrateToLatest(db);
  if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');

  const clock = systemClock;
  const app = await buildApp({ config, db, keys, clock, logger });
  const bootstrap = await bootstrapAdmin(app.mooring.ctx);
  const address = await app.listen({ host: config.host, port: config.port });
  const url = config.publicUrl ?? address;

  out.write(`Mooring is listening on ${url} (database: ${db.dialect})\n`);
  if (bootstrap) {
    out.write(
      bootstrap.generatedPassword
        ? `Created administrator "admin" in organization "admin". One-time password (shown only now): ${bootstrap.generatedPassword}\n`
        : 'Created administrator "admin" in organization "admin" with the password from MOORING_ADMIN_PASSWORD.\n',
    );
  }
  return {
    url: address,
    dialect: db.dialect,
    logger,
    close: async (signal?: string) => {
      logger.info({ signal }, 'shutting down');
      await app.close();
      await db.close();
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

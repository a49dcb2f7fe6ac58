import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp } from './app.js';
import { bootstrapAdmin } from './bootstrap.js';
import { systemClock } from './config/clock.js';
import { ConfigError, loadConfig } from './config/config.js';
import { deriveKeys, loadMasterSecret } from './config/secrets.js';
import { openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { createLogger } from './http/logger.js';

/** The process entry: configuration is read here, once, and passed down. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`mooring: configuration error: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const keys = deriveKeys(loadMasterSecret(config));
  const db =
    config.databaseUrl === undefined
      ? openDatabase({ dialect: 'sqlite', file: join(config.dataDir, 'mooring.sqlite') })
      : openDatabase({ dialect: 'postgres', connectionString: config.databaseUrl });
  const applied = await migrateToLatest(db);
  if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');

  const clock = systemClock;
  const app = await buildApp({ config, db, keys, clock, logger });
  const bootstrap = await bootstrapAdmin(app.mooring.ctx);
  const address = await app.listen({ host: config.host, port: config.port });
  const url = config.publicUrl ?? address;

  process.stdout.write(`Mooring is listening on ${url} (database: ${db.dialect})\n`);
  if (bootstrap) {
    process.stdout.write(
      bootstrap.generatedPassword
        ? `Created administrator "admin" in organization "admin". One-time password (shown only now): ${bootstrap.generatedPassword}\n`
        : 'Created administrator "admin" in organization "admin" with the password from MOORING_ADMIN_PASSWORD.\n',
    );
  }

  const shutdown = async (signal: string): Promise<void> => {
    logger.info({ signal }, 'shutting down');
    await app.close();
    await db.close();
    process.exit(0);
  };
  process.once('SIGINT', (s) => void shutdown(s));
  process.once('SIGTERM', (s) => void shutdown(s));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `mooring: failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});

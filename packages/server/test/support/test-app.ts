import { fileURLToPath } from 'node:url';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApp } from '../../src/app.js';
import { isCredentialParam, parseQuery } from '../../src/auth/credential-params.js';
import { bootstrapAdmin } from '../../src/bootstrap.js';
import { ManualClock } from '../../src/config/clock.js';
import { type Config, loadConfig } from '../../src/config/config.js';
import { deriveKeys } from '../../src/config/secrets.js';
import type { AppContext } from '../../src/context.js';
import type { DialectName } from '../../src/db/database.js';
import { createLogger } from '../../src/http/logger.js';
import { createTestDatabase, type TestDatabase } from './databases.js';
import { LogCapture } from './log-capture.js';
import { recordRequestSecrets, recordResponseSecrets, recordSecret } from './secret-ledger.js';

const DASHBOARD_FIXTURE = fileURLToPath(new URL('./dashboard-fixture/', import.meta.url));

export const ADMIN_PASSWORD = 'correct horse battery staple';
export const TEST_SECRET = 'test-secret-0123456789abcdef0123456789abcdef';

export interface TestApp {
  readonly app: FastifyInstance;
  readonly ctx: AppContext;
  readonly clock: ManualClock;
  readonly logs: LogCapture;
  readonly database: TestDatabase;
  close(): Promise<void>;
}

/** A real app on a fresh, migrated, bootstrapped database, with a settable clock and captured logs. */
export async function createTestApp(
  dialect: DialectName,
  env: Record<string, string> = {},
  shared?: { database: TestDatabase; clock: ManualClock; logs: LogCapture },
): Promise<TestApp> {
  const config: Config = loadConfig({
    MOORING_SECRET: TEST_SECRET,
    MOORING_ADMIN_PASSWORD: ADMIN_PASSWORD,
    MOORING_LOG_LEVEL: 'info',
    // Request throttling is off unless a test turns it on: suites send thousands of requests (and
    // many deliberate 401s) from 127.0.0.1 within one frozen ManualClock second. Throttling has its
    // own tests (test/security/throttling.test.ts).
    MOORING_RATE_LIMIT_PER_IP: '0',
    MOORING_RATE_LIMIT_PER_CREDENTIAL: '0',
    MOORING_AUTH_FAILURE_LIMIT: '0',
    ...env,
  });
  const database = shared?.database ?? (await createTestDatabase(dialect));
  const db = shared ? database.reopen() : database.db;
  const clock = shared?.clock ?? new ManualClock(Date.UTC(2026, 0, 15, 12, 0, 0));
  const logs = shared?.logs ?? new LogCapture();
  const logger = createLogger(config.logLevel, logs);
  const keys = deriveKeys(config.secret ?? TEST_SECRET);
  // A fixed stand-in for the dashboard build, so that whether packages/dashboard/dist happens to
  // exist on this machine never changes what a test sees (the e2e test builds the real one).
  const app = await buildApp({ config, db, keys, clock, logger, dashboardDir: DASHBOARD_FIXTURE });
  recordSecrets(app, config);
  const ctx: AppContext = app.mooring.ctx;
  if (!shared) await bootstrapAdmin(ctx);
  return {
    app,
    ctx,
    clock,
    logs,
    database,
    close: async () => {
      await app.close();
      if (!shared) await database.destroy();
    },
  };
}

/** Logs in through the real endpoint and returns the session token. */
export async function loginAs(app: FastifyInstance, username: string, password: string): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/login_', payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  return res.body;
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

/**
 * Credentials a test sends: the Authorization bearer value and every query parameter the server
 * reads as a credential, in whatever spelling (auth/credential-params.ts decides, as for the server).
 */
function recordSentCredentials(opts: InjectOptions): void {
  // Short stand-ins ("something", "wrong") are not credentials the server could accept: real keys
  // and tokens are far longer, and such words occur in ordinary log messages.
  const record = (value: string): void => {
    if (value.length >= 16) recordSecret(value.includes('.') ? 'session-token' : 'api-key', value);
  };
  const auth = opts.headers?.authorization;
  if (typeof auth === 'string') {
    const value = /^Bearer +(\S+)/i.exec(auth)?.[1];
    if (value) record(value);
  }
  const url = typeof opts.url === 'string' ? opts.url : '';
  const q = url.indexOf('?');
  if (q < 0) return;
  for (const [name, value] of Object.entries(parseQuery(url.slice(q + 1)))) {
    if (!isCredentialParam(name)) continue;
    for (const v of [value].flat()) {
      if (typeof v === 'string') record(v);
    }
  }
}

/**
 * Records the secrets of every exchange through `app.inject` (passwords sent; tokens, keys and
 * signing secrets returned) for the suite-wide "no secret in any log line" scan (secret-ledger.ts).
 */
function recordSecrets(app: FastifyInstance, config: Config): void {
  recordSecret('master-secret', config.secret ?? TEST_SECRET);
  recordSecret('password', config.adminPassword ?? ADMIN_PASSWORD);
  const inject = app.inject.bind(app);
  const recording = (options?: InjectOptions | string): unknown => {
    if (options === undefined) return inject();
    const opts = typeof options === 'string' ? { url: options } : options;
    recordSentCredentials(opts);
    if (typeof opts.payload === 'object' && opts.payload !== null) recordRequestSecrets(opts.payload);
    else if (typeof opts.payload === 'string' && opts.payload.includes('assword')) {
      try {
        recordRequestSecrets(JSON.parse(opts.payload));
      } catch {
        // not JSON: nothing to record
      }
    }
    return inject(opts).then((res) => {
      // A streamed answer (`payloadAsStream`) has no body here: it is an event stream, never a secret.
      if (typeof res.body === 'string') recordResponseSecrets(String(opts.url ?? ''), res.body);
      return res;
    });
  };
  app.inject = recording as typeof app.inject;
}

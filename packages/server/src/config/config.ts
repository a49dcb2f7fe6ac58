import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Every setting Mooring reads, validated once in main.ts and passed down frozen. */
export interface Config {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** `postgres://…` when scaled out; undefined means the embedded SQLite database in `dataDir`. */
  readonly databaseUrl: string | undefined;
  /** PostgreSQL connect, pool-acquisition and statement time limits (503 when one trips). */
  readonly databaseTimeouts: DatabaseTimeoutConfig;
  /** Master secret from configuration; undefined means "generate/read `<dataDir>/secret`" (SQLite only). */
  readonly secret: string | undefined;
  readonly adminPassword: string | undefined;
  readonly adminEmail: string;
  readonly logLevel: LogLevel;
  /** `json` lines, `pretty` for a terminal, or `auto`: pretty when stdout is a TTY (decided in main.ts). */
  readonly logFormat: LogFormat;
  /** `/metrics` (ops/metrics.ts): off unless a token or a port is set. */
  readonly metrics: MetricsConfig;
  /** Session token lifetime in seconds. Must exceed 24 h: balena-sdk refreshes tokens older than a day. */
  readonly sessionLifetimeSeconds: number;
  /** How recent a password login must be to create a named API key. */
  readonly freshAuthSeconds: number;
  readonly publicUrl: string | undefined;
  readonly trustProxy: boolean;
  readonly bodyLimitBytes: number;
  /** Device heartbeats (COMPAT.md A9); seconds instead of minutes for demos and browser tests. */
  readonly heartbeat: HeartbeatConfig;
  /** RFC 9421 `created` must be within this many seconds of the server clock (docs/signatures.md). */
  readonly signatureMaxSkewSeconds: number;
  /** Embedded (SQLite) deployments: nonces of signed requests remembered at most (503 above). */
  readonly signatureNonceLimit: number;
  /** Longest accepted request target (414 above) and total size of the header lines (431 above). */
  readonly maxUrlLength: number;
  readonly maxHeaderBytes: number;
  /** Request throttling (docs/adr/0003-rate-limits.md); a limit of 0 switches that limiter off. */
  readonly rateLimit: RateLimitConfig;
  /** The event log and its feed and stream (docs/events.md). */
  readonly events: EventsConfig;
  /** Webhook delivery (docs/events.md "Webhooks"). */
  readonly webhooks: WebhooksConfig;
  /** Time limit of a guarded OData read by a user (docs/threat-model.md); 503 when reached. */
  readonly odataTimeoutMs: number;
  /** The same for anonymous callers and device or provisioning keys. */
  readonly odataAnonymousTimeoutMs: number;
}

/** See db/database.ts `DatabaseTimeouts`; README "Timeouts". */
export interface DatabaseTimeoutConfig {
  readonly connectMs: number;
  readonly acquireMs: number;
  readonly statementMs: number;
}

export interface RateLimitConfig {
  readonly windowSeconds: number;
  /** Requests per window per client IP. */
  readonly perIp: number;
  /** Requests per window per credential (API key, session, signing key). */
  readonly perCredential: number;
  /** Failed authentications (401) per IP within `authFailureWindowSeconds`; then 429 for as long. */
  readonly authFailures: number;
  readonly authFailureWindowSeconds: number;
}

export interface EventsConfig {
  /** Events older than this many days are pruned (in small batches, off the request path). */
  readonly retentionDays: number;
  /** A comment line on every event stream this often, so proxies keep idle streams open. */
  readonly keepAliveMs: number;
  /** How often readers look for events written by other instances when no notification came. */
  readonly pollIntervalMs: number;
  /** How often API key expiries are checked and old events pruned. */
  readonly maintenanceIntervalMs: number;
  /** Event streams one instance holds at most (503 above). */
  readonly maxSubscribers: number;
}

export interface WebhooksConfig {
  /** Let webhooks reach loopback, private, link-local and metadata addresses (SSRF guard off). */
  readonly allowPrivateNetworks: boolean;
  /** Longest delivery attempt (connection, answer headers, first 1 KiB of the body). */
  readonly timeoutMs: number;
}

export interface HeartbeatConfig {
  /** Poll interval when no BALENA_/RESIN_SUPERVISOR_POLL_INTERVAL config variable is set (balena: 10 min). */
  readonly defaultPollIntervalMs: number;
  /** Floor for a configured poll interval (balena: 10 min). A device times out after 1.5 × the interval. */
  readonly minPollIntervalMs: number;
  /** How long a device stays `timeout` before it becomes `offline` (balena: 15 s). */
  readonly offlineGraceMs: number;
  /** How often coalesced polls are written; a device's move to `online` is visible within it. */
  readonly flushIntervalMs: number;
  /** How often overdue devices move to `timeout`/`offline`; transitions are late by at most this. */
  readonly sweepIntervalMs: number;
}

/**
 * Where `/metrics` is served. Off unless `token` or `port` is set: the numbers tell an outsider the
 * size of the fleet and the traffic. With a port, only on that listener (loopback by default);
 * with a token only, on the main port behind `Authorization: Bearer <token>`.
 */
export interface MetricsConfig {
  readonly token: string | undefined;
  readonly port: number | undefined;
  readonly host: string;
}

export const LOG_FORMATS = ['json', 'pretty', 'auto'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

const DAY = 86_400;
const DAY_MS = DAY * 1000;

/**
 * Reads configuration from the environment, optionally merged over a `KEY=value` file named by
 * `MOORING_CONFIG_FILE` (environment wins). Throws ConfigError naming the variable and the expected form.
 */
export function loadConfig(env: Env, cwd: string = process.cwd()): Config {
  const merged: Env = { ...readConfigFile(env.MOORING_CONFIG_FILE, cwd), ...env };
  const get = (name: string): string | undefined => {
    const value = merged[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };

  const databaseUrl = get('MOORING_DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw invalid('MOORING_DATABASE_URL', '<redacted>', 'a postgres:// or postgresql:// connection URL');
  }
  const secret = get('MOORING_SECRET');
  if (secret !== undefined && secret.length < 32) {
    throw new ConfigError(
      'MOORING_SECRET is too short: expected at least 32 characters (e.g. `openssl rand -hex 32`)',
    );
  }
  if (databaseUrl !== undefined && secret === undefined) {
    throw new ConfigError(
      'MOORING_SECRET is required when MOORING_DATABASE_URL is set: every instance sharing the database must use the same secret (at least 32 characters, e.g. `openssl rand -hex 32`)',
    );
  }
  const adminPassword = get('MOORING_ADMIN_PASSWORD');
  if (adminPassword !== undefined && adminPassword.length < 8) {
    throw new ConfigError('MOORING_ADMIN_PASSWORD is too short: expected at least 8 characters');
  }
  const adminEmail = get('MOORING_ADMIN_EMAIL') ?? 'admin@localhost';
  if (!/^[^@\s]+@[^@\s]+$/.test(adminEmail)) {
    throw invalid('MOORING_ADMIN_EMAIL', adminEmail, 'an e-mail address such as admin@example.com');
  }
  const publicUrl = get('MOORING_PUBLIC_URL');
  if (publicUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(publicUrl)) {
    throw invalid('MOORING_PUBLIC_URL', publicUrl, 'an http:// or https:// URL');
  }

  return Object.freeze({
    host: get('MOORING_HOST') ?? '127.0.0.1',
    port: integer(get, 'MOORING_PORT', 8080, 0, 65_535),
    dataDir: resolve(cwd, get('MOORING_DATA_DIR') ?? './data'),
    databaseUrl,
    databaseTimeouts: Object.freeze({
      connectMs: integer(get, 'MOORING_DATABASE_CONNECT_TIMEOUT_MS', 5000, 100, 600_000),
      acquireMs: integer(get, 'MOORING_DATABASE_ACQUIRE_TIMEOUT_MS', 5000, 100, 600_000),
      statementMs: integer(get, 'MOORING_DATABASE_STATEMENT_TIMEOUT_MS', 10_000, 100, 3_600_000),
    }),
    secret,
    adminPassword,
    adminEmail,
    logLevel: oneOf(get, 'MOORING_LOG_LEVEL', LOG_LEVELS, 'info'),
    logFormat: oneOf(get, 'MOORING_LOG_FORMAT', LOG_FORMATS, 'auto'),
    metrics: metricsConfig(get),
    sessionLifetimeSeconds: integer(get, 'MOORING_SESSION_LIFETIME_SECONDS', 7 * DAY, DAY + 3600, 365 * DAY),
    freshAuthSeconds: integer(get, 'MOORING_FRESH_AUTH_SECONDS', 20 * 60, 60, DAY),
    publicUrl,
    trustProxy: boolean(get, 'MOORING_TRUST_PROXY', false),
    bodyLimitBytes: integer(get, 'MOORING_BODY_LIMIT_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    heartbeat: Object.freeze({
      defaultPollIntervalMs: integer(
        get,
        'MOORING_HEARTBEAT_DEFAULT_POLL_INTERVAL_MS',
        600_000,
        1000,
        DAY_MS,
      ),
      minPollIntervalMs: integer(get, 'MOORING_HEARTBEAT_MIN_POLL_INTERVAL_MS', 600_000, 1000, DAY_MS),
      offlineGraceMs: integer(get, 'MOORING_HEARTBEAT_OFFLINE_GRACE_MS', 15_000, 0, DAY_MS),
      flushIntervalMs: integer(get, 'MOORING_HEARTBEAT_FLUSH_INTERVAL_MS', 1000, 10, DAY_MS),
      sweepIntervalMs: integer(get, 'MOORING_HEARTBEAT_SWEEP_INTERVAL_MS', 1000, 10, DAY_MS),
    }),
    signatureMaxSkewSeconds: integer(get, 'MOORING_SIGNATURE_MAX_SKEW_SECONDS', 300, 1, 3600),
    signatureNonceLimit: integer(get, 'MOORING_SIGNATURE_NONCE_LIMIT', 2_000_000, 1000, 100_000_000),
    maxUrlLength: integer(get, 'MOORING_MAX_URL_LENGTH', 8192, 256, 65_536),
    maxHeaderBytes: integer(get, 'MOORING_MAX_HEADER_BYTES', 16_384, 1024, 65_536),
    events: Object.freeze({
      retentionDays: integer(get, 'MOORING_EVENT_RETENTION_DAYS', 30, 1, 3650),
      keepAliveMs: integer(get, 'MOORING_EVENT_KEEPALIVE_MS', 15_000, 10, 300_000),
      pollIntervalMs: integer(get, 'MOORING_EVENT_POLL_INTERVAL_MS', 1000, 10, 60_000),
      maintenanceIntervalMs: integer(get, 'MOORING_EVENT_MAINTENANCE_INTERVAL_MS', 60_000, 10, DAY_MS),
      maxSubscribers: integer(get, 'MOORING_EVENT_MAX_SUBSCRIBERS', 10_000, 1, 1_000_000),
    }),
    webhooks: Object.freeze({
      allowPrivateNetworks: boolean(get, 'MOORING_WEBHOOK_ALLOW_PRIVATE_NETWORKS', false),
      timeoutMs: integer(get, 'MOORING_WEBHOOK_TIMEOUT_MS', 15_000, 100, 60_000),
    }),
    rateLimit: Object.freeze({
      windowSeconds: integer(get, 'MOORING_RATE_LIMIT_WINDOW_SECONDS', 10, 1, 3600),
      perIp: integer(get, 'MOORING_RATE_LIMIT_PER_IP', 20_000, 0, 100_000_000),
      perCredential: integer(get, 'MOORING_RATE_LIMIT_PER_CREDENTIAL', 10_000, 0, 100_000_000),
      authFailures: integer(get, 'MOORING_AUTH_FAILURE_LIMIT', 100, 0, 1_000_000),
      authFailureWindowSeconds: integer(get, 'MOORING_AUTH_FAILURE_WINDOW_SECONDS', 300, 1, 86_400),
    }),
    odataTimeoutMs: integer(get, 'MOORING_ODATA_TIMEOUT_MS', 10_000, 10, 600_000),
    odataAnonymousTimeoutMs: integer(get, 'MOORING_ODATA_ANONYMOUS_TIMEOUT_MS', 2000, 10, 600_000),
  });
}

function metricsConfig(get: Getter): MetricsConfig {
  const token = get('MOORING_METRICS_TOKEN');
  // Compared in constant time, but a short token could still be guessed: ask for a generated one.
  if (token !== undefined && !/^[\x21-\x7e]{16,256}$/.test(token)) {
    throw new ConfigError(
      'MOORING_METRICS_TOKEN is invalid: expected 16 to 256 printable characters without spaces (e.g. `openssl rand -hex 24`)',
    );
  }
  const port = get('MOORING_METRICS_PORT');
  return Object.freeze({
    token,
    port: port === undefined ? undefined : integer(get, 'MOORING_METRICS_PORT', 0, 0, 65_535),
    host: get('MOORING_METRICS_HOST') ?? '127.0.0.1',
  });
}

function invalid(name: string, value: string, expected: string): ConfigError {
  const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
  return new ConfigError(`${name}=${shown} is invalid: expected ${expected}`);
}

type Getter = (name: string) => string | undefined;

function integer(get: Getter, name: string, fallback: number, min: number, max: number): number {
  const raw = get(name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw invalid(name, raw, `an integer from ${min} to ${max}`);
  const value = Number(raw);
  if (value < min || value > max) throw invalid(name, raw, `an integer from ${min} to ${max}`);
  return value;
}

function boolean(get: Getter, name: string, fallback: boolean): boolean {
  const raw = get(name);
  if (raw === undefined) return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw invalid(name, raw, 'true or false');
}

function oneOf<T extends string>(get: Getter, name: string, allowed: readonly T[], fallback: T): T {
  const raw = get(name);
  if (raw === undefined) return fallback;
  const value = raw.toLowerCase();
  if (!(allowed as readonly string[]).includes(value))
    throw invalid(name, raw, `one of ${allowed.join(', ')}`);
  return value as T;
}

/** `KEY=value` lines; `#` comments; optional surrounding quotes. Only MOORING_* keys are taken. */
function readConfigFile(path: string | undefined, cwd: string): Record<string, string> {
  if (path === undefined || path.trim() === '') return {};
  let text: string;
  try {
    text = readFileSync(resolve(cwd, path), 'utf8');
  } catch {
    throw new ConfigError(`MOORING_CONFIG_FILE=${path} cannot be read: expected a readable KEY=value file`);
  }
  const values: Record<string, string> = {};
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const match = /^(MOORING_[A-Z0-9_]+)\s*=\s*(.*)$/.exec(trimmed);
    if (!match?.[1]) throw new ConfigError(`${path}:${index + 1}: expected MOORING_NAME=value`);
    values[match[1]] = (match[2] ?? '').replace(/^(['"])(.*)\1$/, '$2');
  }
  return values;
}

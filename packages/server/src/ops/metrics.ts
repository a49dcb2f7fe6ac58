import type { FastifyInstance, onResponseHookHandler } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { CredentialCache } from '../auth/credential-cache.js';
import type { Clock } from '../config/clock.js';
import type { Database } from '../db/database.js';
import type { Heartbeats } from '../devices/heartbeat.js';
import { HttpStats, type RouteSeries, UNMATCHED_ROUTE } from './http-stats.js';

/*
 * What `/metrics` reports (README "Metrics"). Every label value comes from the server's own code
 * (route patterns, methods, status codes, a fixed list of refusal reasons), never from what a client
 * sent, so no key, token, device uuid or URL can reach a label, and the number of series is bounded
 * whatever the traffic. Collected only when metrics are switched on (config.metrics).
 */

export interface MetricsSources {
  readonly db: Database;
  readonly cache: CredentialCache;
  readonly clock: Clock;
}

/** Methods Node's HTTP parser accepts that a route can carry; anything else is counted as `other`. */
const METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Why a 401 was sent, read back from the challenge the error handler wrote (http/error-handler.ts). */
export type AuthFailureReason =
  | 'login'
  | 'missing_credential'
  | 'invalid_credential'
  | 'key_header_only'
  | 'session_required'
  | 'signature_required'
  | `signature_${string}`
  | 'other';

/** Signature refusals are a closed union in the verifier; the cap only guards against a future bug. */
const MAX_SIGNATURE_REASONS = 32;

export class Metrics {
  readonly registry = new Registry();
  readonly http = new HttpStats();
  private readonly authFailures: Counter<'reason'>;
  private readonly signatureReasons = new Set<string>();
  private readonly flushDevices: Histogram;
  private readonly flushLag: Histogram;
  private readonly flushDuration: Histogram;
  private readonly sweepDuration: Histogram;
  private readonly transitions: Counter<'to'>;
  private heartbeats: Heartbeats | undefined;

  constructor(private readonly sources: MetricsSources) {
    const registers = [this.registry];
    // Resident memory, heap, CPU, file descriptors, GC and event-loop delay (perf_hooks), sampled
    // by prom-client itself; the event-loop monitor costs nothing per request.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 20 });
    new Gauge({
      name: 'mooring_info',
      help: 'Always 1; the database dialect as a label.',
      labelNames: ['dialect'],
      registers,
      collect(): void {
        this.set({ dialect: sources.db.dialect }, 1);
      },
    });
    this.authFailures = new Counter({
      name: 'mooring_auth_failures_total',
      help: 'Requests answered 401, by reason (no credential, an invalid one, a key in the wrong form, a refused signature, a failed login).',
      labelNames: ['reason'],
      registers,
    });
    const cache = sources.cache;
    new Counter({
      name: 'mooring_credential_cache_lookups_total',
      help: 'Credential cache lookups, by result (hit ratio: rate of hit / rate of all).',
      labelNames: ['result'],
      registers,
      collect(): void {
        this.reset();
        this.inc({ result: 'hit' }, cache.hits);
        this.inc({ result: 'miss' }, cache.misses);
      },
    });
    new Gauge({
      name: 'mooring_credential_cache_entries',
      help: 'Verified credentials held in memory.',
      registers,
      collect(): void {
        this.set(cache.size);
      },
    });
    new Counter({
      name: 'mooring_credential_cache_invalidations_total',
      help: 'Times the credential cache was emptied (a revocation here or on another instance).',
      registers,
      collect(): void {
        this.reset();
        this.inc(cache.invalidations);
      },
    });
    const pool = sources.db.pool;
    if (pool) {
      new Gauge({
        name: 'mooring_db_pool_connections',
        help: 'PostgreSQL pool connections, by state (in_use, idle).',
        labelNames: ['state'],
        registers,
        collect(): void {
          this.set({ state: 'in_use' }, pool.totalCount - pool.idleCount);
          this.set({ state: 'idle' }, pool.idleCount);
        },
      });
      new Gauge({
        name: 'mooring_db_pool_waiting',
        help: 'Queries waiting for a PostgreSQL pool connection.',
        registers,
        collect(): void {
          this.set(pool.waitingCount);
        },
      });
    }
    this.flushDevices = new Histogram({
      name: 'mooring_heartbeat_flush_devices',
      help: 'Devices written per heartbeat flush.',
      buckets: [0, 1, 10, 100, 1000, 10_000, 100_000],
      registers,
    });
    this.flushLag = new Histogram({
      name: 'mooring_heartbeat_flush_lag_seconds',
      help: 'Age of the oldest poll a flush wrote, when it was written (how late an online change can be).',
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers,
    });
    this.flushDuration = new Histogram({
      name: 'mooring_heartbeat_flush_duration_seconds',
      help: 'Time a heartbeat flush took.',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
    this.sweepDuration = new Histogram({
      name: 'mooring_heartbeat_sweep_duration_seconds',
      help: 'Time a sweep of overdue devices took.',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
    this.transitions = new Counter({
      name: 'mooring_heartbeat_transitions_total',
      help: 'Heartbeat state changes written by this instance, by new state.',
      labelNames: ['to'],
      registers,
    });
    const self = this;
    new Gauge({
      name: 'mooring_heartbeat_pending_devices',
      help: 'Devices whose polls wait in memory for the next flush (lost if the process is killed).',
      registers,
      collect(): void {
        this.set(self.heartbeats?.pendingDevices ?? 0);
      },
    });
  }

  /**
   * Counts every response by route pattern. Must run before any route is registered: each route gets
   * its own onResponse hook with its series bound in (no lookup, no promise per request); requests
   * that match no route are counted by one global hook.
   */
  watchRoutes(app: FastifyInstance): void {
    const http = this.http;
    app.addHook('onRoute', (route) => {
      const methods = [route.method].flat();
      const single = methods.length === 1 ? http.route(methods[0] as string, route.url) : undefined;
      const login = route.url === '/login_';
      const hook: onResponseHookHandler = (request, reply, done) => {
        const series: RouteSeries = single ?? http.route(methodLabel(request.method), route.url);
        const status = reply.statusCode;
        series.observe(status, reply.elapsedTime / 1000);
        if (status === 401) this.countAuthFailure(login, reply.getHeader('www-authenticate'));
        done();
      };
      route.onResponse = [...[route.onResponse ?? []].flat(), hook];
    });
    const unmatched = new Map<string, RouteSeries>();
    app.addHook('onResponse', (request, reply, done) => {
      // Also a dashboard path the fallback refused (reply.callNotFound switches to the 404 context).
      if (request.is404) {
        const method = methodLabel(request.method);
        let series = unmatched.get(method);
        if (series === undefined) {
          series = http.route(method, UNMATCHED_ROUTE);
          unmatched.set(method, series);
        }
        series.observe(reply.statusCode, reply.elapsedTime / 1000);
      }
      done();
    });
  }

  /** Flush sizes and lag, sweep durations and transitions from the heartbeat machine. */
  watchHeartbeats(heartbeats: Heartbeats): void {
    this.heartbeats = heartbeats;
    heartbeats.observer = {
      flushed: (result, oldestPollAt, durationMs) => {
        this.flushDevices.observe(result.devices);
        this.flushDuration.observe(durationMs / 1000);
        if (oldestPollAt !== undefined) {
          this.flushLag.observe(Math.max(0, this.sources.clock.now() - oldestPollAt) / 1000);
        }
        if (result.events > 0) this.transitions.inc({ to: 'online' }, result.events);
      },
      swept: (result, durationMs) => {
        this.sweepDuration.observe(durationMs / 1000);
        if (result.timeouts > 0) this.transitions.inc({ to: 'timeout' }, result.timeouts);
        if (result.offlines > 0) this.transitions.inc({ to: 'offline' }, result.offlines);
      },
    };
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The whole exposition: prom-client's metrics, then the request metrics. */
  async exposition(): Promise<string> {
    const text = await this.registry.metrics();
    return `${text.endsWith('\n') ? text : `${text}\n`}${this.http.exposition()}`;
  }

  private countAuthFailure(login: boolean, challenge: unknown): void {
    let reason = authFailureReason(login, challenge);
    if (reason.startsWith('signature_') && reason !== 'signature_required') {
      if (!this.signatureReasons.has(reason)) {
        if (this.signatureReasons.size >= MAX_SIGNATURE_REASONS) reason = 'other';
        else this.signatureReasons.add(reason);
      }
    }
    this.authFailures.inc({ reason });
  }
}

function methodLabel(method: string): string {
  return METHODS.has(method) ? method : 'other';
}

/**
 * The reason of a 401 from its `WWW-Authenticate` challenge: the error handler and the signature
 * hook are the only writers, so the set is closed (http/error-handler.ts, signatures/signed-requests.ts).
 */
export function authFailureReason(login: boolean, challenge: unknown): AuthFailureReason {
  if (login) return 'login';
  if (typeof challenge !== 'string') return 'other';
  const error = /\berror="([a-z_]{1,40})"/.exec(challenge)?.[1];
  if (challenge.startsWith('Signature')) {
    return error === undefined ? 'signature_required' : `signature_${error}`;
  }
  if (!challenge.startsWith('Bearer')) return 'other';
  switch (error) {
    case undefined:
      return 'missing_credential';
    case 'invalid_token':
      return 'invalid_credential';
    case 'invalid_request':
      return 'key_header_only';
    case 'insufficient_user_authentication':
      return 'session_required';
    default:
      return 'other';
  }
}

import { randomUUID } from 'node:crypto';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifySchema,
  LogController,
} from 'fastify';
import type { Logger } from 'pino';
import { registerAdminRoutes } from './admin/admin.routes.js';
import { registerApiKeyRoutes } from './api-keys/api-keys.routes.js';
import { checkKeyUpdate } from './api-keys/key-updates.js';
import { KeyVerifier } from './api-keys/key-verifier.js';
import { SigningKeys } from './api-keys/signing-keys.js';
import { registerKeyUsageRoutes } from './api-keys/usage.routes.js';
import { UsageTracker } from './api-keys/usage-tracker.js';
import { registerAuthentication } from './auth/authenticate.js';
import { CredentialCache } from './auth/credential-cache.js';
import { parseQuery } from './auth/credential-params.js';
import { CredentialVerifiers } from './auth/credential-verifier.js';
import { InvalidationBus } from './auth/invalidation-bus.js';
import { createThrottles, registerThrottling } from './auth/throttle.js';
import type { Clock } from './config/clock.js';
import type { Config } from './config/config.js';
import type { DerivedKeys } from './config/secrets.js';
import type { AppContext } from './context.js';
import { registerDashboard } from './dashboard/dashboard.routes.js';
import type { Database } from './db/database.js';
import { registerDeviceRoutes } from './devices/devices.routes.js';
import { registerFleetDetectionRoute } from './devices/fleet-detection.routes.js';
import { AppError } from './errors/app-error.js';
import { registerEventRoutes } from './events/events.routes.js';
import { EventNotifier } from './events/notifier.js';
import { sendError } from './http/error-handler.js';
import { registerGracefulClose } from './http/graceful-close.js';
import { hardeningOptions, registerHardening } from './http/hardening.js';
import { lazyRequestLogger } from './http/logger.js';
import { registerODataRoutes } from './odata/odata.routes.js';
import { ODataService } from './odata/odata.service.js';
import { ReadTags } from './odata/read-tags.js';
import { registerOpenApi } from './openapi/openapi.js';
import { Readiness, registerHealthRoutes } from './ops/health.js';
import { Metrics } from './ops/metrics.js';
import { metricsEnabled, registerMetricsRoute } from './ops/metrics-endpoint.js';
import { registerMembershipRoutes } from './organizations/membership.routes.js';
import { registerAuthRoutes } from './sessions/auth.routes.js';
import { SessionVerifier } from './sessions/session-verifier.js';
import { registerSessionRoutes } from './sessions/sessions.routes.js';
import { createSignedRequests } from './signatures/signed-requests.js';
import { createLoginLimiters, type LoginLimiters } from './users/password-attempts.js';
import { registerWebhookRoutes } from './webhooks/webhooks.routes.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Internals exposed for tests and metrics. */
    mooring: {
      cache: CredentialCache;
      usage: UsageTracker;
      ctx: AppContext;
      /** The `/v7` service (its read planner and plan cache). */
      odata: ODataService;
      /**
       * Every registered route (method, url) and its schema: the security matrix checks it covers them
       * all, the contract drift test that each schema is the contract's.
       */
      routes: readonly {
        readonly method: string;
        readonly url: string;
        readonly schema: FastifySchema | undefined;
      }[];
      /** `/metrics` (ops/metrics.ts); undefined unless a metrics token or port is configured. */
      metrics: Metrics | undefined;
      readiness: Readiness;
    };
  }
}

export interface AppDeps {
  readonly config: Config;
  readonly db: Database;
  readonly keys: DerivedKeys;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The dashboard's build folder; defaults to packages/dashboard/dist. */
  readonly dashboardDir?: string;
}

/** Builds the HTTP application. `main.ts` alone listens; tests use `app.inject()` or listen on port 0. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const cache = new CredentialCache(deps.clock);
  const bus = new InvalidationBus(deps.db, cache, deps.logger);
  const notifier = new EventNotifier(deps.db, deps.logger, deps.config.events.pollIntervalMs);
  const ctx: AppContext = {
    config: deps.config,
    db: deps.db,
    keys: deps.keys,
    clock: deps.clock,
    log: deps.logger,
    invalidateCredentials: () => bus.publish(),
    eventsWritten: () => notifier.signal(),
  };
  const usage = new UsageTracker(deps.db, deps.clock);
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    childLoggerFactory: lazyRequestLogger,
    // Fastify's "incoming request" / "request completed" lines are info: below that level (production
    // runs at warn) they would be dropped anyway, so they are not even prepared (two calls per request).
    logController: new LogController({ disableRequestLogging: !deps.logger.isLevelEnabled('info') }),
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    bodyLimit: deps.config.bodyLimitBytes,
    trustProxy: deps.config.trustProxy,
    return503OnClosing: true,
    // One query parser for routing, authentication and log redaction (auth/credential-params.ts).
    routerOptions: { maxParamLength: 512, querystringParser: parseQuery },
    ajv: { customOptions: { removeAdditional: false, allErrors: false } },
    ...hardeningOptions(deps.config),
  });

  app.setErrorHandler((error, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler((request, reply) =>
    sendError(
      new AppError('not_found', `No route for ${request.method} ${request.url.split('?')[0]}`),
      request,
      reply,
    ),
  );
  // API answers are never cached by intermediaries: several of them carry credentials.
  // Callback style, not async: every response passes here, and a promise per response is avoidable.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    done(null, payload);
  });

  const routes: { method: string; url: string; schema: FastifySchema | undefined }[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url, schema: route.schema });
  });
  // Before any route: each route gets its own response hook (ops/metrics.ts).
  const metrics = metricsEnabled(deps.config.metrics)
    ? new Metrics({ db: deps.db, cache, clock: deps.clock })
    : undefined;
  metrics?.watchRoutes(app);
  const readiness = new Readiness(deps.db, deps.logger);
  registerHardening(app, deps.config);
  registerGracefulClose(app);
  registerThrottling(app, createThrottles(deps.config.rateLimit, deps.clock));
  // The credential kinds the one authentication hook accepts (auth/credential-verifier.ts).
  const verifiers = new CredentialVerifiers()
    .addBearer(new SessionVerifier(ctx, cache))
    .addBearer(new KeyVerifier(ctx, cache))
    .addRequest(createSignedRequests(app, ctx, new SigningKeys(ctx, cache)));
  registerAuthentication(app, {
    verifiers,
    usage,
    freshLogin: { now: () => deps.clock.now(), seconds: deps.config.freshAuthSeconds },
  });
  await bus.start();
  usage.start();
  app.addHook('onClose', async () => {
    await usage.stop();
    await bus.close();
  });
  // Resource hooks reach the key policy through this, so resources/ does not import api-keys/.
  const odata = new ODataService(ctx, {
    invalidateCredentials: () => ctx.invalidateCredentials(),
    checkKeyUpdate: (db, ids, values, principal) => checkKeyUpdate(ctx, db, ids, values, principal),
  });
  app.addHook('onClose', () => odata.close());
  const tags = new ReadTags(deps.db, odata);
  await tags.start();
  app.addHook('onClose', async () => tags.close());
  app.decorate('mooring', { cache, usage, ctx, odata, routes, metrics, readiness });

  // One budget per password for /login_, the password change and re-authentication.
  const limiters: LoginLimiters = createLoginLimiters(deps.clock);
  // Before every route: the OpenAPI generator collects routes as they are added.
  await registerOpenApi(app);
  registerHealthRoutes(app, readiness);
  // On the API port only when no separate metrics port is set (main.ts starts that listener).
  const metricsToken = deps.config.metrics.token;
  if (metrics && metricsToken !== undefined && deps.config.metrics.port === undefined) {
    registerMetricsRoute(app, metrics, metricsToken);
  }
  registerAuthRoutes(app, ctx, limiters);
  registerSessionRoutes(app, ctx, limiters);
  registerAdminRoutes(app, ctx);
  registerMembershipRoutes(app, ctx);
  registerODataRoutes(app, odata, tags);
  registerApiKeyRoutes(app, ctx);
  registerKeyUsageRoutes(app, ctx);
  // Registration, state endpoints and the heartbeat flusher/sweeper (stopped, with a last flush, on close).
  registerDeviceRoutes(app, ctx);
  registerFleetDetectionRoute(app, ctx);
  // The event log's feed and stream, their wake-ups and maintenance (docs/events.md).
  await notifier.start();
  app.addHook('onClose', () => notifier.close());
  await registerEventRoutes(app, ctx, notifier);
  // Webhook endpoints and this instance's dispatcher, a consumer of the same log (docs/events.md).
  registerWebhookRoutes(app, ctx, notifier);
  metrics?.watchHeartbeats(app.devices.heartbeats);
  // Last: its wildcard must stay less specific than every API route.
  await registerDashboard(app, ctx, deps.dashboardDir);

  await app.ready();
  return app;
}

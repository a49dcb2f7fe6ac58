import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import type { Logger } from 'pino';
import type { MetricsConfig } from '../config/config.js';
import { AppError } from '../errors/app-error.js';
import type { Metrics } from './metrics.js';

/**
 * Where `/metrics` is served (README "Metrics"):
 * - no token and no port: nowhere (the default);
 * - a port: only on its own listener, `MOORING_METRICS_HOST` (loopback unless told otherwise), also
 *   behind the token when one is set; the API port answers 404 as for any unknown path;
 * - a token only: on the API port, behind `Authorization: Bearer <token>`.
 */
export function metricsEnabled(config: MetricsConfig): boolean {
  return config.token !== undefined || config.port !== undefined;
}

/**
 * Whether an `Authorization` header carries the metrics token. Both sides are hashed first, so the
 * comparison takes the same time whatever the presented value and its length.
 */
export function tokenMatches(expected: string, authorization: string | string[] | undefined): boolean {
  if (typeof authorization !== 'string') return false;
  const presented = /^Bearer +(\S+) *$/i.exec(authorization)?.[1];
  if (presented === undefined) return false;
  const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

/**
 * `/metrics` on the API port. The token is not a Mooring credential: its hook goes before the
 * authentication hook of the route, checks the token and removes the header, so authentication sees
 * an anonymous request rather than refusing an unknown bearer (and the token reaches nothing else).
 */
export function registerMetricsRoute(app: FastifyInstance, metrics: Metrics, token: string): void {
  const guard: onRequestHookHandler = (request, _reply, done) => {
    if (!tokenMatches(token, request.headers.authorization)) {
      done(new AppError('unauthorized', 'The metrics token is missing or wrong'));
      return;
    }
    delete request.raw.headers.authorization;
    done();
  };
  app.register(async (scope) => {
    // Runs after the authentication plugin's onRoute hook (inherited from the root), so the guard
    // lands first in the route's onRequest list.
    scope.addHook('onRoute', (route) => {
      route.onRequest = [guard, ...[route.onRequest ?? []].flat()];
    });
    scope.get(
      '/metrics',
      {
        config: { access: 'public', wire: 'mooring' },
        schema: {
          summary: 'Prometheus metrics (only when MOORING_METRICS_TOKEN is set; Bearer that token)',
          tags: ['meta'],
        },
      },
      async (_request, reply) => {
        reply.type(metrics.contentType);
        return metrics.exposition();
      },
    );
  });
}

export interface MetricsListener {
  readonly url: string;
  close(): Promise<void>;
}

/** The separate metrics listener (MOORING_METRICS_PORT): `GET /metrics` and nothing else. */
export async function startMetricsListener(
  metrics: Metrics,
  config: MetricsConfig,
  log: Logger,
): Promise<MetricsListener> {
  const port = config.port ?? 0;
  const send = (res: ServerResponse, status: number, headers: Record<string, string>, body = ''): void => {
    res.writeHead(status, { 'cache-control': 'no-store', ...headers });
    res.end(body);
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      send(res, 404, { 'content-type': 'text/plain; charset=utf-8' }, 'Not found: try GET /metrics\n');
      return;
    }
    if (config.token !== undefined && !tokenMatches(config.token, req.headers.authorization)) {
      send(res, 401, { 'www-authenticate': 'Bearer realm="mooring-metrics"' });
      return;
    }
    metrics.exposition().then(
      (text) => send(res, 200, { 'content-type': metrics.contentType }, req.method === 'HEAD' ? '' : text),
      (err: unknown) => {
        log.error({ err }, 'metrics collection failed');
        send(res, 500, { 'content-type': 'text/plain; charset=utf-8' }, 'Internal server error\n');
      },
    );
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  if (config.token === undefined && !isLoopback(config.host)) {
    log.warn(
      { host: config.host, port: address.port },
      'metrics are served without a token on a non-loopback address: set MOORING_METRICS_TOKEN or firewall the port',
    );
  }
  return {
    url: `http://${host}:${address.port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

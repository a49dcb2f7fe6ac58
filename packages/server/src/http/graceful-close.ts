import type { FastifyInstance } from 'fastify';

/** How soon, while closing, a connection whose answer has just finished is closed. */
const IDLE_SWEEP_MS = 50;

/**
 * A shutdown that does not wait out keep-alive. When `close()` starts, Fastify closes the connections
 * that are idle at that moment; a connection busy with a request then (a poll, a login) would stay
 * open after its answer until the keep-alive timeout (72 s), and `close()` — a SIGTERM, a rolling
 * restart — with it. While closing, the idle connections are closed again every `IDLE_SWEEP_MS`, so
 * shutdown takes as long as the longest request in flight. Nothing runs per request.
 */
export function registerGracefulClose(app: FastifyInstance): void {
  let sweep: NodeJS.Timeout | undefined;
  app.addHook('preClose', (done) => {
    sweep ??= setInterval(() => app.server.closeIdleConnections(), IDLE_SWEEP_MS);
    sweep.unref();
    done();
  });
  app.addHook('onClose', (_instance, done) => {
    clearInterval(sweep);
    done();
  });
}

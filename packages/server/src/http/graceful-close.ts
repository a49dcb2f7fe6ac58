import type { FastifyInstance } from 'fastify';

/**
 * A shutdown that does not wait out keep-alive. When `close()` starts, Fastify closes the connections
 * that are idle at that moment; a connection busy with a request then (a poll, a login) would stay
 * open after its answer until the keep-alive timeout (72 s), and `close()` — a SIGTERM, a rolling
 * restart — with it. While closing, each finished answer closes the idle connections again, so
 * shutdown takes as long as the longest request in flight.
 */
export function registerGracefulClose(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onResponse', (_request, _reply, done) => {
    // After this tick Node has marked the connection idle (the response has finished).
    if (closing) setImmediate(() => app.server.closeIdleConnections());
    done();
  });
}

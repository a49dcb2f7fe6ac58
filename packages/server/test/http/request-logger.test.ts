import type { FastifyBaseLogger } from 'fastify';
import Fastify from 'fastify';
import { describe, expect, it, vi } from 'vitest';
import { createLogger, lazyRequestLogger } from '../../src/http/logger.js';
import { LogCapture } from '../support/log-capture.js';

/*
 * The per-request logger is created lazily (a benchmark finding, docs/benchmarks.md): these tests pin
 * that nothing is lost by it — lines keep their reqId binding and redaction — and that a request
 * which logs nothing at the configured level creates no pino child.
 */
async function appWith(level: 'warn' | 'info', logs: LogCapture) {
  const logger = createLogger(level, logs);
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    childLoggerFactory: lazyRequestLogger,
    genReqId: () => 'req-1',
  });
  app.get('/quiet', async () => ({ ok: true }));
  app.get('/noisy', async (request) => {
    request.log.warn({ apikey: 'Secret-Key-Value-1' }, 'something odd');
    return { ok: true };
  });
  await app.ready();
  // Watched from here on: Fastify derives its own instance logger once while starting.
  const child = vi.spyOn(logger, 'child');
  return { app, child };
}

describe('lazy per-request logger', () => {
  it('at warn, a request that logs nothing creates no child logger and writes nothing', async () => {
    const logs = new LogCapture();
    const { app, child } = await appWith('warn', logs);
    const res = await app.inject({ method: 'GET', url: '/quiet' });
    expect(res.statusCode).toBe(200);
    expect(child).not.toHaveBeenCalled();
    expect(logs.lines).toEqual([]);
    await app.close();
  });

  it('a line that is written carries the reqId binding and is redacted', async () => {
    const logs = new LogCapture();
    const { app, child } = await appWith('warn', logs);
    await app.inject({ method: 'GET', url: '/noisy' });
    expect(child).toHaveBeenCalledTimes(1);
    const line = JSON.parse(logs.lines.find((l) => l.includes('something odd')) ?? '{}');
    expect(line).toMatchObject({ reqId: 'req-1', level: 40, apikey: '[REDACTED]' });
    await app.close();
  });

  it("at info, Fastify's request lines are still written with the reqId", async () => {
    const logs = new LogCapture();
    const { app } = await appWith('info', logs);
    await app.inject({ method: 'GET', url: '/quiet' });
    const lines = logs.lines.map((l) => JSON.parse(l) as { reqId?: string; msg?: string });
    expect(lines.map((l) => l.msg)).toEqual(['incoming request', 'request completed']);
    expect(lines.every((l) => l.reqId === 'req-1')).toBe(true);
    await app.close();
  });

  it('a route with its own log level is honoured', async () => {
    const logs = new LogCapture();
    const logger = createLogger('warn', logs);
    const app = Fastify({
      loggerInstance: logger as FastifyBaseLogger,
      childLoggerFactory: lazyRequestLogger,
    });
    app.get('/debug', { logLevel: 'info' }, async (request) => {
      request.log.info('route-level info');
      return {};
    });
    await app.inject({ method: 'GET', url: '/debug' });
    expect(logs.text()).toContain('route-level info');
    await app.close();
  });
});

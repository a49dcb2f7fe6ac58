import type { FastifyBaseLogger } from 'fastify';
import Fastify from 'fastify';
import type { Logger } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { createLogger, lazyRequestLogger } from '../../src/http/logger.js';
import { dialects } from '../support/databases.js';
import { LogCapture } from '../support/log-capture.js';
import { createTestApp } from '../support/test-app.js';

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

describe.each(dialects())("the app's request lines (%s)", (dialect) => {
  const messages = (logs: LogCapture): string[] =>
    logs.lines.map((l) => (JSON.parse(l) as { msg?: string }).msg ?? '');

  it('are written at info', async () => {
    const t = await createTestApp(dialect, { MOORING_LOG_LEVEL: 'info' });
    await t.app.inject({ method: 'GET', url: '/ping' });
    expect(messages(t.logs)).toEqual(expect.arrayContaining(['incoming request', 'request completed']));
    await t.close();
  });

  it('are not even prepared at warn, while a failing request is still logged', async () => {
    const t = await createTestApp(dialect, { MOORING_LOG_LEVEL: 'warn' });
    t.logs.lines.length = 0;
    // pino would drop the info lines anyway; the point is that no per-request log call is made
    // (each would ask the request logger whether info is enabled).
    const levelChecks = vi.spyOn(t.app.log as unknown as Logger, 'isLevelEnabled');
    await t.app.inject({ method: 'GET', url: '/ping' });
    expect(levelChecks).not.toHaveBeenCalled();
    expect(messages(t.logs)).toEqual([]);
    // A server error is our error handler's line, not Fastify's request logging.
    t.app.mooring.odata.readJson = () => {
      throw new Error('database on fire');
    };
    const res = await t.app.inject({ method: 'GET', url: '/v7/device' });
    expect(res.statusCode).toBe(500);
    expect(messages(t.logs)).toEqual(['request failed']);
    await t.close();
  });
});

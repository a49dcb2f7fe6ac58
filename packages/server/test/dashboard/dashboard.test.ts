import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { ManualClock } from '../../src/config/clock.js';
import { loadConfig } from '../../src/config/config.js';
import { deriveKeys } from '../../src/config/secrets.js';
import { createLogger } from '../../src/http/logger.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { LogCapture } from '../support/log-capture.js';
import { TEST_SECRET } from '../support/test-app.js';

// The dashboard plugin is storage-agnostic, so SQLite alone is enough here.
const INDEX =
  '<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head><body><div id="root"></div></body></html>';
const SCRIPT = 'console.log("dashboard")';

interface Started {
  app: FastifyInstance;
  logs: LogCapture;
  database: TestDatabase;
}

async function start(dashboardDir: string): Promise<Started> {
  const config = loadConfig({ MOORING_SECRET: TEST_SECRET, MOORING_LOG_LEVEL: 'info' });
  const database = await createTestDatabase('sqlite');
  const logs = new LogCapture();
  const app = await buildApp({
    config,
    db: database.db,
    keys: deriveKeys(TEST_SECRET),
    clock: new ManualClock(Date.UTC(2026, 0, 15, 12)),
    logger: createLogger('info', logs),
    dashboardDir,
  });
  return { app, logs, database };
}

describe('dashboard static files', () => {
  let dir: string;
  let s: Started;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mooring-dashboard-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), INDEX);
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), SCRIPT);
    writeFileSync(join(dir, 'assets', 'index-abc123.js.br'), brotliCompressSync(SCRIPT));
    writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(join(dir, '.secret'), 'dotfile');
    s = await start(dir);
  });
  afterAll(async () => {
    await s.app.close();
    await s.database.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at / with a strict CSP, no-cache and anti-framing headers', async () => {
    const res = await s.app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toBe(INDEX);
    expect(res.headers['cache-control']).toBe('no-cache');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
  });

  it('serves hashed assets with a long immutable cache and the security headers', async () => {
    const res = await s.app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.body).toBe(SCRIPT);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBeDefined();
  });

  it('sends the precompressed copy to a browser that accepts it, with the original type', async () => {
    const res = await s.app.inject({
      method: 'GET',
      url: '/assets/index-abc123.js',
      headers: { 'accept-encoding': 'br, gzip' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBe('br');
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(String(res.headers.vary)).toMatch(/accept-encoding/i);
    expect(brotliDecompressSync(res.rawPayload).toString()).toBe(SCRIPT);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('falls back to the plain file when no compressed copy exists for the encoding', async () => {
    const res = await s.app.inject({
      method: 'GET',
      url: '/assets/index-abc123.js',
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.body).toBe(SCRIPT);
  });

  it('answers HEAD like GET without a body', async () => {
    const res = await s.app.inject({ method: 'HEAD', url: '/assets/index-abc123.js' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
  });

  it('revalidates non-hashed files such as the icon', async () => {
    const res = await s.app.inject({ method: 'GET', url: '/favicon.svg' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it.each([
    '/fleets',
    '/fleets/12',
    '/devices',
    '/devices/0123abcd',
    '/keys',
    '/account?tab=sessions',
    '/sign-in',
  ])('falls back to index.html for the client route %s', async (url) => {
    const res = await s.app.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(INDEX);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toBeDefined();
  });

  it.each([
    '/assets/missing-000.js',
    '/favicon.ico',
    '/.secret',
    '/assets/../index.html.bak',
    '/assets/index-abc123.js.br',
  ])('does not answer a missing or hidden file %s with HTML', async (url) => {
    const res = await s.app.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(404);
    expect(res.body).not.toContain('<html');
  });

  it('answers a malformed percent-encoding with a 400, not the app', async () => {
    const res = await s.app.inject({ method: 'GET', url: '/%E0%A4%A' });
    expect(res.statusCode).toBe(400);
    expect(res.body).not.toContain('<html');
  });

  it.each([
    ['/mooring/v1/nope', 404],
    ['/v7', 404],
    ['/api-key/nothing', 404],
    ['/device/v9/x', 404],
    ['/actor/v2/whoami', 404],
    ['/user/v9', 404],
    ['/openapi.json/x', 404],
    ['/docs/x', 404],
    ['/metrics/x', 404],
  ])('never shadows the API path %s', async (url, status) => {
    const res = await s.app.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(status);
    expect(res.body).not.toContain('<html');
    expect(res.headers['content-security-policy']).toBeUndefined();
  });

  it('keeps the API 404 body exactly as without the dashboard', async () => {
    const res = await s.app.inject({ method: 'GET', url: '/mooring/v1/nope' });
    expect(res.json()).toMatchObject({ error: { code: 'not_found' } });
    const balena = await s.app.inject({ method: 'GET', url: '/device/v9/x' });
    expect(balena.headers['content-type']).toMatch(/^application\/json/);
    expect(balena.json()).toBe('No route for GET /device/v9/x');
  });

  it('leaves API routes and their no-store cache policy alone', async () => {
    const ping = await s.app.inject({ method: 'GET', url: '/ping' });
    expect(ping.statusCode).toBe(200);
    expect(ping.body).toBe('OK');
    expect(ping.headers['cache-control']).toBe('no-store');
    expect(ping.headers['content-security-policy']).toBeUndefined();
    const whoami = await s.app.inject({ method: 'GET', url: '/actor/v1/whoami' });
    expect(whoami.statusCode).toBe(401);
  });

  it('does not serve the dashboard for other methods', async () => {
    const res = await s.app.inject({ method: 'POST', url: '/fleets', payload: {} });
    expect(res.statusCode).toBe(404);
  });

  it('refuses a bad credential even on the public static route (uniform 401)', async () => {
    const res = await s.app.inject({ method: 'GET', url: '/', headers: { authorization: 'Bearer nope' } });
    expect(res.statusCode).toBe(401);
  });
});

describe('dashboard not built', () => {
  it('still starts, logs a hint, and answers / with a clear 404 while the API works', async () => {
    const s = await start(join(tmpdir(), 'mooring-no-such-dashboard-dir'));
    try {
      expect(s.logs.text()).toContain('dashboard is not built');
      const res = await s.app.inject({ method: 'GET', url: '/' });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({
        error: { code: 'not_found', message: expect.stringContaining('npm run build') },
      });
      const ping = await s.app.inject({ method: 'GET', url: '/ping' });
      expect(ping.statusCode).toBe(200);
    } finally {
      await s.app.close();
      await s.database.destroy();
    }
  });
});

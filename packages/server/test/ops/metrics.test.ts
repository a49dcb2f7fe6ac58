import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { authFailureReason } from '../../src/ops/metrics.js';
import { startMetricsListener } from '../../src/ops/metrics-endpoint.js';
import { fleetWithKey, MANUAL_HEARTBEAT_ENV, poll, register } from '../devices/support.js';
import { dialects } from '../support/databases.js';
import { newUuid } from '../support/fleet-fixtures.js';
import { recordLogText, recordSecret } from '../support/secret-ledger.js';
import {
  ADMIN_PASSWORD,
  bearer,
  createTestApp,
  loginAs,
  TEST_SECRET,
  type TestApp,
} from '../support/test-app.js';

const TOKEN = 'metrics-token-0123456789abcdef-XYZ';

/** The value of one sample line, e.g. `mooring_auth_failures_total{reason="login"}`; 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/** Issue 22 §4: `/metrics` — off by default, protected when on, bounded labels, no secrets. */
describe.each(dialects())('metrics (%s)', (dialect) => {
  let t: TestApp;
  const scrape = async (): Promise<string> => {
    const res = await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer(TOKEN) });
    expect(res.statusCode).toBe(200);
    // Into the run's log files too: the suite-wide secret scan reads what a scraper stores.
    recordLogText(res.body);
    return res.body;
  };

  beforeAll(async () => {
    recordSecret('master-secret', TOKEN);
    t = await createTestApp(dialect, { ...MANUAL_HEARTBEAT_ENV, MOORING_METRICS_TOKEN: TOKEN });
  });
  afterAll(async () => {
    await t.close();
  });

  it('is off unless a token or a port is configured: /metrics is the API 404', async () => {
    const off = await createTestApp(dialect);
    try {
      expect(off.app.mooring.metrics).toBeUndefined();
      const res = await off.app.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toMatch(/json/);
      // A bearer that is no Mooring credential is refused like on any other path.
      expect(
        (await off.app.inject({ method: 'GET', url: '/metrics', headers: bearer(TOKEN) })).statusCode,
      ).toBe(401);
    } finally {
      await off.close();
    }
  });

  it('wants the metrics token: none, a wrong one or a Mooring session token is a 401', async () => {
    const session = await loginAs(t.app, 'admin', ADMIN_PASSWORD);
    for (const headers of [{}, bearer(`${TOKEN}x`), bearer(session), { authorization: TOKEN }]) {
      const res = await t.app.inject({ method: 'GET', url: '/metrics', headers });
      expect(res.statusCode).toBe(401);
      expect(res.body).not.toContain('mooring_http');
    }
    const ok = await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer(TOKEN) });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(ok.headers['cache-control']).toBe('no-store');
    const head = await t.app.inject({ method: 'HEAD', url: '/metrics', headers: bearer(TOKEN) });
    expect(head.statusCode).toBe(200);
  });

  it('reports requests by route pattern and status, latency, process and event-loop figures', async () => {
    await t.app.inject({ method: 'GET', url: '/ping' });
    await t.app.inject({ method: 'GET', url: '/mooring/no/such/path' });
    await t.app.inject({ method: 'DELETE', url: '/no-route' });
    const text = await scrape();
    expect(
      sample(text, 'mooring_http_requests_total{method="GET",route="/ping",status="200"}'),
    ).toBeGreaterThan(0);
    expect(
      sample(text, 'mooring_http_requests_total{method="GET",route="(unmatched)",status="404"}'),
    ).toBeGreaterThan(0);
    expect(
      sample(text, 'mooring_http_requests_total{method="DELETE",route="(unmatched)",status="404"}'),
    ).toBeGreaterThan(0);
    expect(
      sample(
        text,
        'mooring_http_request_duration_seconds_count{method="GET",route="/ping",status_class="2xx"}',
      ),
    ).toBeGreaterThan(0);
    expect(text).toMatch(
      /mooring_http_request_duration_seconds_bucket\{method="GET",route="\/ping",status_class="2xx",le="\+Inf"\} \d+/,
    );
    for (const name of [
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_p99_seconds',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(text).toMatch(new RegExp(`^${name} \\d`, 'm'));
    }
    expect(sample(text, `mooring_info{dialect="${dialect}"}`)).toBe(1);
    if (dialect === 'postgres') {
      expect(text).toMatch(/^mooring_db_pool_connections\{state="in_use"\} \d+$/m);
      expect(text).toMatch(/^mooring_db_pool_waiting \d+$/m);
    } else {
      expect(text).not.toContain('mooring_db_pool');
    }
  });

  it('counts authentication failures by reason, and credential-cache hits and misses', async () => {
    const before = await scrape();
    await t.app.inject({ method: 'GET', url: '/actor/v1/whoami' });
    await t.app.inject({ method: 'GET', url: '/actor/v1/whoami', headers: bearer('not-a-credential') });
    await t.app.inject({
      method: 'POST',
      url: '/login_',
      payload: { username: 'admin', password: 'wrong password!' },
    });
    const session = await loginAs(t.app, 'admin', ADMIN_PASSWORD);
    for (let i = 0; i < 3; i++)
      await t.app.inject({ method: 'GET', url: '/actor/v1/whoami', headers: bearer(session) });
    const after = await scrape();
    const delta = (series: string): number => sample(after, series) - sample(before, series);
    expect(delta('mooring_auth_failures_total{reason="missing_credential"}')).toBe(1);
    expect(delta('mooring_auth_failures_total{reason="invalid_credential"}')).toBe(1);
    expect(delta('mooring_auth_failures_total{reason="login"}')).toBe(1);
    expect(delta('mooring_credential_cache_lookups_total{result="hit"}')).toBeGreaterThanOrEqual(2);
    expect(delta('mooring_credential_cache_lookups_total{result="miss"}')).toBeGreaterThanOrEqual(1);
    expect(after).toMatch(/^mooring_credential_cache_entries \d+$/m);
  });

  it('reports heartbeat flush sizes, lag and transitions, and sweep durations', async () => {
    const a = await fleetWithKey(t);
    const devices = [
      await register(t.app, a.provisioningKey, a.fleet.id),
      await register(t.app, a.provisioningKey, a.fleet.id),
    ];
    const before = await scrape();
    for (const d of devices) expect((await poll(t.app, d)).status).toBe(200);
    expect(sample(await scrape(), 'mooring_heartbeat_pending_devices')).toBe(2);
    t.clock.advance(1500);
    await t.app.devices.heartbeats.flush();
    await t.app.devices.heartbeats.sweep();
    const after = await scrape();
    const delta = (series: string): number => sample(after, series) - sample(before, series);
    expect(delta('mooring_heartbeat_flush_devices_sum')).toBe(2);
    expect(delta('mooring_heartbeat_transitions_total{to="online"}')).toBe(2);
    // The oldest poll waited 1.5 s (the injected clock) before its flush.
    expect(delta('mooring_heartbeat_flush_lag_seconds_sum')).toBeCloseTo(1.5, 3);
    expect(delta('mooring_heartbeat_sweep_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'mooring_heartbeat_pending_devices')).toBe(0);
    expect(
      delta('mooring_http_requests_total{method="GET",route="/device/v3/:uuid/state",status="200"}'),
    ).toBe(2);
  });

  it('keeps labels bounded: distinct URLs, uuids and keys add no series', async () => {
    const burst = async (): Promise<void> => {
      for (let i = 0; i < 60; i++) {
        const uuid = newUuid();
        await t.app.inject({ method: 'GET', url: `/v7/device(uuid='${uuid}')?$select=id` });
        await t.app.inject({ method: 'GET', url: `/device/v3/${uuid}/state?apikey=mk_d_${uuid}` });
        await t.app.inject({ method: 'GET', url: `/x-${uuid}/${i}` });
        await t.app.inject({ method: 'GET', url: `/api-key/${uuid}` });
        await t.app.inject({ method: 'GET', url: '/actor/v1/whoami', headers: bearer(`k${uuid}`) });
      }
    };
    await burst();
    const metrics = t.app.mooring.metrics;
    if (!metrics) throw new Error('metrics are on in this app');
    const first = metrics.http.cardinality();
    const firstText = await scrape();
    await burst();
    expect(metrics.http.cardinality()).toEqual(first);
    const secondText = await scrape();
    const seriesOf = (text: string): string[] =>
      text
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .map((l) => l.slice(0, l.lastIndexOf(' ')));
    expect(new Set(seriesOf(secondText))).toEqual(new Set(seriesOf(firstText)));
    // Every route label is a registered pattern or the one "(unmatched)" bucket.
    const patterns = new Set([...t.app.mooring.routes.map((r) => r.url), '(unmatched)']);
    for (const m of secondText.matchAll(/route="([^"]*)"/g)) expect(patterns).toContain(m[1]);
    expect(secondText).not.toMatch(/[0-9a-f]{32}/);
  });

  it('leaks no secret: password, session token, API keys, the master secret and its own token', async () => {
    const session = await loginAs(t.app, 'admin', ADMIN_PASSWORD);
    const created = await t.app.inject({
      method: 'POST',
      url: '/api-key/user/full',
      headers: bearer(session),
      payload: { name: 'scraper-test', expiryDate: null },
    });
    expect(created.statusCode).toBe(200);
    const key = JSON.parse(created.body) as string;
    await t.app.inject({ method: 'GET', url: `/actor/v1/whoami?apikey=${key}` });
    await t.app.inject({ method: 'GET', url: '/actor/v1/whoami', headers: bearer(key) });
    const text = await scrape();
    for (const secret of [ADMIN_PASSWORD, session, key, TEST_SECRET, TOKEN])
      expect(text).not.toContain(secret);
    expect(text).not.toMatch(/mk_[a-z]_/);
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}/);
  });

  it('classifies 401 challenges into a closed set of reasons', () => {
    expect(authFailureReason(true, 'Bearer realm="mooring"')).toBe('login');
    expect(authFailureReason(false, 'Bearer realm="mooring"')).toBe('missing_credential');
    expect(authFailureReason(false, 'Bearer realm="mooring", error="invalid_token"')).toBe(
      'invalid_credential',
    );
    expect(authFailureReason(false, 'Bearer realm="mooring", error="invalid_request"')).toBe(
      'key_header_only',
    );
    expect(authFailureReason(false, 'Bearer realm="mooring", error="insufficient_user_authentication"')).toBe(
      'session_required',
    );
    expect(authFailureReason(false, 'Signature realm="mooring"')).toBe('signature_required');
    expect(authFailureReason(false, 'Signature error="replayed", error_description="x"')).toBe(
      'signature_replayed',
    );
    expect(authFailureReason(false, 'Signature error="<script>"')).toBe('signature_required');
    expect(authFailureReason(false, undefined)).toBe('other');
    expect(authFailureReason(false, 'Basic realm="x"')).toBe('other');
  });
});

describe('metrics on their own port (MOORING_METRICS_PORT)', () => {
  it('serves /metrics only there (loopback), behind the token when set; the API port answers 404', async () => {
    const t = await createTestApp('sqlite', { MOORING_METRICS_PORT: '0', MOORING_METRICS_TOKEN: TOKEN });
    const metrics = t.app.mooring.metrics;
    if (!metrics) throw new Error('metrics are on in this app');
    const listener = await startMetricsListener(
      metrics,
      loadConfig({ MOORING_METRICS_TOKEN: TOKEN }).metrics,
      t.ctx.log,
    );
    try {
      expect(listener.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
      expect((await fetch(listener.url)).status).toBe(401);
      const ok = await fetch(listener.url, { headers: bearer(TOKEN) });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('mooring_http_requests_total');
      expect((await fetch(listener.url.replace('/metrics', '/'), { headers: bearer(TOKEN) })).status).toBe(
        404,
      );
    } finally {
      await listener.close();
      await t.close();
    }
  });

  it('refuses a short token at start', () => {
    expect(() => loadConfig({ MOORING_METRICS_TOKEN: 'short' })).toThrow(/MOORING_METRICS_TOKEN is invalid/);
    expect(loadConfig({}).metrics).toEqual({ token: undefined, port: undefined, host: '127.0.0.1' });
  });
});

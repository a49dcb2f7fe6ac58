/**
 * `npm run bench -- scale` (issue #21 point 4): many devices on one machine.
 *
 *   node --import tsx scripts/bench-scale.ts [--devices=1000000] [--fleets=1000] [--pollers=100000]
 *       [--minutes=5] [--interval=60] [--duration=5] [--rounds=2] [--connections=50] [--skip-build]
 *       [--server-node-args=--max-old-space-size=192]
 *
 * 1. Seeds two SQLite databases with the HTTP benchmark's seed (2 organizations, 10 members, 1,000
 *    named keys, 10,000 devices in `--fleets` fleets); the large one then gets the other devices
 *    (`--devices` in all) and one device key per poller by direct SQL in one transaction.
 * 2. Starts Mooring on each (start-up timed to the "listening" line, RSS sampled), and times the
 *    status read (status-bearer) on both, alternating, `--rounds` × `--duration` s: throughput and
 *    p99 of the large database ÷ the small one.
 * 3. Stops the small one; `--pollers` devices of the large database poll their state
 *    (`GET /device/v3/:uuid/state`, own device key, `If-None-Match` with its last ETag as the
 *    supervisor sends it) once every `--interval` s, spread evenly, open loop, for `--minutes`:
 *    server CPU (% of one core, /proc), RSS, answers, and from /metrics the
 *    heartbeat flushes (rows written ÷ polls: at most one write per device per flush interval) and the
 *    credential cache's hit ratio.
 * Every loop is bounded in count and time. Prints `BENCH_JSON {…}`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateApiKey } from '@mooring/protocol';
import SQLite from 'better-sqlite3';
import { hashApiKey } from '../packages/server/src/api-keys/key-hash.js';
import { deriveKeys } from '../packages/server/src/config/secrets.js';
import { openDatabase } from '../packages/server/src/db/database.js';
import { migrateToLatest } from '../packages/server/src/db/migrate.js';
import { verifyScenario } from './bench/check.js';
import { ensureBuilt, machine } from './bench/environment.js';
import { cursor, drive, type LoadResult } from './bench/load.js';
import { parseOptions } from './bench/options.js';
import { rssSampler, type ServerProcess, startMooring } from './bench/processes.js';
import { deviceStatusBearer, type Scenario } from './bench/scenarios.js';
import { DEFAULT_SIZES, heartbeatFor, type SeedResult, seedDatabase } from './bench/seed.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const given = (name: string): string | undefined =>
  argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const positive = (name: string, fallback: number): number => {
  const raw = given(name);
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
  return n;
};
const base = parseOptions(argv.filter((a) => !a.startsWith('--devices=') && !a.startsWith('--fleets=')));
const opts = {
  devices: Math.floor(positive('devices', 1_000_000)),
  fleets: Math.floor(positive('fleets', 1_000)),
  pollers: Math.floor(positive('pollers', 100_000)),
  minutes: positive('minutes', 5),
  intervalS: positive('interval', 60),
  duration: base.duration,
  rounds: given('rounds') === undefined ? 2 : base.rounds,
  warmup: base.warmup,
  connections: base.connections,
  /** Node flags for the servers, e.g. `--server-node-args=--max-old-space-size=192` (comma-separated). */
  serverNodeArgs: given('server-node-args')?.split(',').filter(Boolean) ?? [],
};
const SMALL = DEFAULT_SIZES.devices;
if (opts.devices < SMALL) throw new Error(`--devices must be at least ${SMALL}`);
if (opts.pollers > opts.devices - SMALL) throw new Error('--pollers must not exceed --devices − 10,000');
const log = (line: string): void => void process.stdout.write(`${line}\n`);
const MB = 1024 * 1024;
const METRICS_TOKEN = randomBytes(24).toString('hex');

/** The HTTP benchmark's seed in `fleets` fleets, through the real migrations. */
async function seedBase(file: string, pepper: Uint8Array, now: number): Promise<SeedResult> {
  const db = openDatabase({ dialect: 'sqlite', file });
  try {
    await migrateToLatest(db);
    return await seedDatabase(db, pepper, { ...DEFAULT_SIZES, fleets: opts.fleets, deviceKeys: 0 }, now);
  } finally {
    await db.close();
  }
}

/** The other devices and one device key per poller, by direct SQL in one transaction. */
function seedBulk(
  file: string,
  pepper: Uint8Array,
  seed: SeedResult,
  now: number,
): { uuid: string; key: string }[] {
  const db = new SQLite(file);
  const pollers: { uuid: string; key: string }[] = [];
  try {
    const typeId = (
      db.prepare('SELECT id FROM device_type WHERE slug = ?').get(seed.deviceTypeSlug) as { id: number }
    ).id;
    const actor = db.prepare('INSERT INTO actor (created_at) VALUES (?)');
    const device = db.prepare(
      `INSERT INTO device (created_at, modified_at, actor, uuid, device_name, is_of__device_type,
         belongs_to__application, api_heartbeat_state, changed_api_heartbeat_state_on__date,
         last_connectivity_event, last_api_heartbeat_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const key = db.prepare(
      `INSERT INTO api_key (created_at, modified_at, is_of__actor, kind, public_id, key_hash, display_prefix)
       VALUES (?, ?, ?, 'device', ?, ?, ?)`,
    );
    db.transaction(() => {
      for (let i = SMALL; i < opts.devices; i++) {
        const actorId = Number(actor.run(now).lastInsertRowid);
        const uuid = randomBytes(16).toString('hex');
        const state = heartbeatFor(i);
        const seen = state === 'unknown' ? null : now - (i % 3600) * 1000;
        const fleet = (seed.fleets[i % seed.fleets.length] as { id: number }).id;
        device.run(
          now,
          now,
          actorId,
          uuid,
          `device-${String(i).padStart(7, '0')}`,
          typeId,
          fleet,
          state,
          seen,
          seen,
          seen,
        );
        if (i - SMALL < opts.pollers) {
          const generated = generateApiKey('device');
          key.run(
            now,
            now,
            actorId,
            generated.publicId,
            hashApiKey(pepper, generated.key),
            `mk_d_${generated.publicId}`,
          );
          pollers.push({ uuid, key: generated.key });
        }
      }
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  return pollers;
}

function startScaleServer(dataDir: string, secret: string): Promise<ServerProcess> {
  return startMooring({
    dataDir,
    secret,
    env: { MOORING_METRICS_TOKEN: METRICS_TOKEN },
    timeoutMs: 120_000,
    nodeArgs: opts.serverNodeArgs,
  });
}

/** The sums of the metrics this benchmark reads, by name (labels folded into the name). */
async function metrics(url: string): Promise<Map<string, number>> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  const out = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (line.startsWith('#') || line === '') continue;
    const [name, value] = line.split(/ (?=[^ ]+$)/);
    if (name !== undefined && value !== undefined) out.set(name, Number(value));
  }
  return out;
}
const metric = (m: Map<string, number>, prefix: string): number =>
  [...m].filter(([k]) => k.startsWith(prefix)).reduce((s, [, v]) => s + v, 0);

interface PollOutcome {
  sent: number;
  ok: number;
  failed: number;
  skipped: number;
  latencies: number[];
}

/**
 * Open-loop pollers: poller i polls at (i / pollers + k) × interval; at most `maxInFlight` requests
 * outstanding (a poll due while that many wait is counted as skipped, not queued).
 */
async function poll(
  url: string,
  pollers: readonly { uuid: string; key: string }[],
  seconds: number,
  onTick: (elapsedS: number) => void,
): Promise<PollOutcome> {
  const target = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const out: PollOutcome = { sent: 0, ok: 0, failed: 0, skipped: 0, latencies: [] };
  const maxInFlight = 2_000;
  let inFlight = 0;
  const perSecond = pollers.length / opts.intervalS;
  const started = performance.now();
  let next = 0; // polls scheduled so far (index into the endless round-robin)
  let lastTick = 0;
  // Each device sends the ETag of its last document, as the supervisor does: 304 while unchanged.
  const etags = new Map<string, string>();
  const one = (p: { uuid: string; key: string }): void => {
    inFlight++;
    out.sent++;
    const t0 = performance.now();
    const etag = etags.get(p.uuid);
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: `/device/v3/${p.uuid}/state`,
        headers: { authorization: `Bearer ${p.key}`, ...(etag ? { 'if-none-match': etag } : {}) },
        agent,
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          inFlight--;
          const tag = res.headers.etag;
          if (res.statusCode === 200 && typeof tag === 'string') etags.set(p.uuid, tag);
          if (res.statusCode === 200 || res.statusCode === 304) out.ok++;
          else out.failed++;
          if (out.latencies.length < 1_000_000) out.latencies.push(performance.now() - t0);
        });
      },
    );
    req.on('error', () => {
      inFlight--;
      out.failed++;
    });
    req.end();
  };
  while (true) {
    const elapsed = (performance.now() - started) / 1000;
    if (elapsed >= seconds) break;
    const due = Math.floor(elapsed * perSecond);
    for (; next < due; next++) {
      if (inFlight >= maxInFlight) out.skipped++;
      else one(pollers[next % pollers.length] as { uuid: string; key: string });
    }
    if (elapsed - lastTick >= 10) {
      lastTick = elapsed;
      onTick(elapsed);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  for (let wait = 0; inFlight > 0 && wait < 500; wait++) await new Promise((r) => setTimeout(r, 20));
  agent.destroy();
  return out;
}

const p = (sorted: readonly number[], q: number): number => sorted[Math.floor((sorted.length - 1) * q)] ?? 0;

async function main(): Promise<void> {
  const env = machine(ROOT);
  log(`machine: ${env.cores} × ${env.cpu}, ${env.memoryGb} GB, load ${env.loadAverage.join(' ')}`);
  log(`node ${env.node}, commit ${env.commit}`);
  log(ensureBuilt(ROOT, base.skipBuild));
  const secret = randomBytes(32).toString('hex');
  const pepper = deriveKeys(secret).apiKeyPepper;
  const dirs = {
    small: mkdtempSync(join(tmpdir(), 'mooring-scale-')),
    large: mkdtempSync(join(tmpdir(), 'mooring-scale-')),
  };
  const servers: ServerProcess[] = [];
  try {
    const now = Date.now();
    let t0 = performance.now();
    const smallSeed = await seedBase(join(dirs.small, 'mooring.sqlite'), pepper, now);
    const largeSeed = await seedBase(join(dirs.large, 'mooring.sqlite'), pepper, now);
    const pollers = seedBulk(join(dirs.large, 'mooring.sqlite'), pepper, largeSeed, now);
    log(
      `seeded ${SMALL.toLocaleString('en-US')} and ${opts.devices.toLocaleString('en-US')} devices in ${opts.fleets} fleets, ` +
        `${pollers.length.toLocaleString('en-US')} device keys, in ${Math.round(performance.now() - t0)} ms`,
    );

    const small = await startScaleServer(dirs.small, secret);
    servers.push(small);
    const large = await startScaleServer(dirs.large, secret);
    servers.push(large);
    log(
      `start-up to listening: ${Math.round(small.startupMs)} ms (10,000 devices), ${Math.round(large.startupMs)} ms ` +
        `(${opts.devices.toLocaleString('en-US')}); RSS ${((small.rss() ?? 0) / MB).toFixed(0)} / ${((large.rss() ?? 0) / MB).toFixed(0)} MB`,
    );

    // Status reads, small and large alternating.
    const reads = new Map<ServerProcess, { scenario: Scenario; loads: LoadResult[] }>([
      [small, { scenario: deviceStatusBearer(smallSeed), loads: [] }],
      [large, { scenario: deviceStatusBearer(largeSeed), loads: [] }],
    ]);
    const sources = new Map<ServerProcess, ReturnType<typeof cursor>>();
    for (const [server, { scenario }] of reads) {
      const send = async (r: { path: string; headers: Readonly<Record<string, string>> }) => {
        const res = await fetch(server.url + r.path, { headers: r.headers });
        return { status: res.status, body: await res.text() };
      };
      const problem = await verifyScenario(send, scenario, 20);
      if (problem) throw new Error(`status read not measurable: ${problem}`);
      const source = cursor(scenario.requests);
      for (let i = 0; i < 10 && source.taken < scenario.requests.length; i++) {
        await drive(server.url, source, { seconds: Math.max(1, opts.warmup), connections: opts.connections });
      }
      sources.set(server, source);
    }
    const largeRss = rssSampler(large);
    for (let r = 0; r < opts.rounds; r++) {
      for (const server of [small, large]) {
        const load = await drive(
          server.url,
          sources.get(server) as ReturnType<typeof cursor>,
          { seconds: opts.duration, connections: opts.connections },
          server.cpuMs,
        );
        reads.get(server)?.loads.push(load);
        log(
          `  status read, ${server === small ? 'small' : 'large'}: ${Math.round(load.requestsPerSecond)} req/s, ` +
            `p99 ${load.p99Ms} ms, ${load.cpuUsPerRequest?.toFixed(0) ?? '?'} µs CPU/req`,
        );
      }
    }
    const best = (s: ServerProcess) => {
      const loads = reads.get(s)?.loads ?? [];
      const rates = loads.map((l) => l.requestsPerSecond).sort((a, b) => a - b);
      const p99s = loads.map((l) => l.p99Ms).sort((a, b) => a - b);
      return {
        rps: p(rates, 0.5),
        p99: p(p99s, 0.5),
        cpuUs: p(
          loads.map((l) => l.cpuUsPerRequest ?? 0).sort((a, b) => a - b),
          0.5,
        ),
      };
    };
    const readSmall = best(small);
    const readLarge = best(large);
    await small.stop();
    servers.splice(servers.indexOf(small), 1);

    // Pollers.
    log(
      `\n${pollers.length.toLocaleString('en-US')} pollers every ${opts.intervalS} s (${Math.round(pollers.length / opts.intervalS)} polls/s) for ${opts.minutes} min …`,
    );
    const before = await metrics(large.url);
    const cpuStart = large.cpuMs() ?? 0;
    t0 = performance.now();
    let steadyCpu: { cpu: number; at: number } | undefined;
    let steadyMetrics: Map<string, number> | undefined;
    const outcome = await poll(large.url, pollers, opts.minutes * 60, (elapsed) => {
      const rss = `RSS ${((large.rss() ?? 0) / MB).toFixed(0)} MB`;
      const cpu = `CPU ${((((large.cpuMs() ?? 0) - cpuStart) / (performance.now() - t0)) * 100).toFixed(0)} % of one core so far`;
      // Where the memory is: V8 heap in use / reserved, and memory outside the heap (Buffers, native).
      void metrics(large.url).then((m) => {
        const of = (name: string): string => (metric(m, name) / MB).toFixed(0);
        log(
          `  ${Math.round(elapsed)} s: ${rss} (heap used ${of('nodejs_heap_size_used_bytes')} of ` +
            `${of('nodejs_heap_size_total_bytes')} MB, external ${of('nodejs_external_memory_bytes')} MB), ${cpu}`,
        );
      });
      // Steady state: after every poller has polled once (first interval).
      if (steadyCpu === undefined && elapsed >= opts.intervalS) {
        steadyCpu = { cpu: large.cpuMs() ?? 0, at: performance.now() };
        void metrics(large.url).then((m) => {
          steadyMetrics = m;
        });
      }
    });
    const wallMs = performance.now() - t0;
    const cpuUsed = (large.cpuMs() ?? 0) - cpuStart;
    const cpuPct = (cpuUsed / wallMs) * 100;
    // When the load generator could not keep the rate (polls skipped), the CPU share at the full
    // rate is projected from the CPU per answered poll.
    const cpuUsPerPoll = outcome.ok === 0 ? 0 : (cpuUsed * 1000) / outcome.ok;
    const fullRatePct = (cpuUsPerPoll * (pollers.length / opts.intervalS)) / 1e4;
    const steadyPct = steadyCpu
      ? (((large.cpuMs() ?? 0) - steadyCpu.cpu) / (performance.now() - steadyCpu.at)) * 100
      : undefined;
    const cpuMeasured = outcome.skipped > 0 ? fullRatePct : (steadyPct ?? cpuPct);
    await new Promise((r) => setTimeout(r, 2_500)); // the last flush
    const after = await metrics(large.url);
    const rssPeak = largeRss.stop();
    const flushed =
      metric(after, 'mooring_heartbeat_flush_devices_sum') -
      metric(before, 'mooring_heartbeat_flush_devices_sum');
    const flushes =
      metric(after, 'mooring_heartbeat_flush_devices_count') -
      metric(before, 'mooring_heartbeat_flush_devices_count');
    const lookups = (m: Map<string, number>, result: string) =>
      metric(m, `mooring_credential_cache_lookups_total{result="${result}"}`);
    const from = steadyMetrics ?? before;
    const hits = lookups(after, 'hit') - lookups(from, 'hit');
    const misses = lookups(after, 'miss') - lookups(from, 'miss');
    const lat = outcome.latencies.sort((a, b) => a - b);
    const writesPerPoll = outcome.ok === 0 ? 0 : flushed / outcome.ok;

    const targets = {
      'start-up (large)': {
        op: '≤',
        target: 2000,
        unit: ' ms',
        measured: large.startupMs,
        pass: large.startupMs <= 2000,
      },
      'RSS peak (large)': {
        op: '≤',
        target: 300,
        unit: ' MB',
        measured: (rssPeak ?? 0) / MB,
        pass: (rssPeak ?? 0) / MB <= 300,
      },
      'status read rate large ÷ small': {
        op: '≥',
        target: 0.9,
        unit: '×',
        measured: readLarge.rps / readSmall.rps,
        pass: readLarge.rps / readSmall.rps >= 0.9,
      },
      'status read p99 large ÷ small': {
        op: '≤',
        target: 1.1,
        unit: '×',
        measured: readLarge.p99 / readSmall.p99,
        pass: readLarge.p99 / readSmall.p99 <= 1.1,
      },
      'server CPU under pollers (% of one core)': {
        op: '≤',
        target: 60,
        unit: ' %',
        measured: cpuMeasured,
        pass: cpuMeasured <= 60,
      },
      'DB rows written per poll': {
        op: '≤',
        target: 1,
        unit: '',
        measured: writesPerPoll,
        pass: writesPerPoll <= 1,
      },
    } as const;

    log(
      `\nstatus read, 10,000 devices: ${Math.round(readSmall.rps)} req/s, p99 ${readSmall.p99} ms, ${readSmall.cpuUs.toFixed(0)} µs CPU/req`,
    );
    log(
      `status read, ${opts.devices.toLocaleString('en-US')} devices: ${Math.round(readLarge.rps)} req/s, p99 ${readLarge.p99} ms, ${readLarge.cpuUs.toFixed(0)} µs CPU/req`,
    );
    log(
      `pollers: ${outcome.sent} sent, ${outcome.ok} answered 200 or 304, ${outcome.failed} failed, ${outcome.skipped} skipped (2,000 in flight); ` +
        `p50 ${p(lat, 0.5).toFixed(1)} ms, p99 ${p(lat, 0.99).toFixed(1)} ms`,
    );
    log(
      `server CPU: ${cpuPct.toFixed(0)} % of one core over the run, ${steadyPct?.toFixed(0) ?? '?'} % after the first interval; ` +
        `${cpuUsPerPoll.toFixed(0)} µs per answered poll, so ${fullRatePct.toFixed(0)} % at the full rate` +
        `${outcome.skipped > 0 ? ' (polls were skipped: the target uses this projection)' : ''}; RSS peak ${((rssPeak ?? 0) / MB).toFixed(0)} MB`,
    );
    log(
      `heartbeat flushes: ${flushes} writing ${flushed} device rows for ${outcome.ok} polls (${writesPerPoll.toFixed(3)} per poll; each flush writes a device at most once); ` +
        `credential cache after the first interval: ${hits} hits, ${misses} misses, ${metric(after, 'mooring_credential_cache_entries')} entries`,
    );
    for (const [id, t] of Object.entries(targets)) {
      log(
        `${t.pass ? 'PASS' : 'MISS'} ${id} ${t.op} ${t.target}${t.unit}: ${t.measured.toFixed(2)}${t.unit}`,
      );
    }
    log(
      `BENCH_JSON ${JSON.stringify({
        kind: 'scale',
        machine: env,
        options: opts,
        startupMs: { small: Math.round(small.startupMs), large: Math.round(large.startupMs) },
        statusRead: { small: readSmall, large: readLarge },
        pollers: { ...outcome, latencies: undefined, p50Ms: p(lat, 0.5), p99Ms: p(lat, 0.99) },
        cpuPercent: { run: cpuPct, steady: steadyPct, usPerPoll: cpuUsPerPoll, fullRate: fullRatePct },
        rssPeakBytes: rssPeak,
        flushes: { count: flushes, rows: flushed, perPoll: writesPerPoll },
        credentialCache: { hits, misses },
        targets,
      })}`,
    );
  } finally {
    for (const s of servers) await s.stop();
    rmSync(dirs.small, { recursive: true, force: true });
    rmSync(dirs.large, { recursive: true, force: true });
  }
}

await main();

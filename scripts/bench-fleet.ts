/**
 * Fleet-status benchmark (issue #21, target 3): one fleet of 10,000 devices, read whole by
 *   GET /v7/device?$filter=belongs_to__application eq <id>&$select=uuid,is_online,api_heartbeat_state,mooring_last_heartbeat_at
 * Mooring (child process, production mode, SQLite) against the reference design of
 * scripts/bench-fleet-reference.ts (Fastify + the same indexed SQLite query + JSON.stringify, own
 * process), paired per round: rows per second, target ≥ 0.7 of the reference. Then the conditional
 * poll of the unchanged list (If-None-Match → 304) against one device's status read: target: the
 * poll costs no more server CPU than the status read. Then the cost of the change-counter triggers
 * in the heartbeat flush (10,000 devices, one UPDATE per 500), with and without the triggers.
 *
 *   node --import tsx scripts/bench-fleet.ts [--duration=5] [--rounds=3] [--warmup=3] [--skip-build] [--devices=10000]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import { deriveKeys } from '../packages/server/src/config/secrets.js';
import { openDatabase } from '../packages/server/src/db/database.js';
import { migrateToLatest } from '../packages/server/src/db/migrate.js';
import { ensureBuilt, machine } from './bench/environment.js';
import { cursor, drive, type LoadResult } from './bench/load.js';
import { parseOptions } from './bench/options.js';
import { type ServerProcess, startMooring, startServer } from './bench/processes.js';
import { type BenchRequest, deviceStatusPath, wireUrl } from './bench/scenarios.js';
import { seedDatabase } from './bench/seed.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const options = parseOptions(process.argv.slice(2));
const log = (line: string): void => void process.stdout.write(`${line}\n`);
export const FLEET_STATUS_SELECT = 'uuid,is_online,api_heartbeat_state,mooring_last_heartbeat_at';
/** A 10,000-row answer is ~1 MB: a few connections keep the server busy without queueing megabytes. */
const CONNECTIONS = 4;

const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] as number;

async function main(): Promise<void> {
  const env = machine(ROOT);
  log(
    `machine: ${env.cores} × ${env.cpu}, load ${env.loadAverage.join(' ')}; node ${env.node}, commit ${env.commit}`,
  );
  log(ensureBuilt(ROOT, options.skipBuild));
  const devices = options.sizes.devices;
  const dataDir = mkdtempSync(join(tmpdir(), 'mooring-bench-fleet-'));
  const secret = randomBytes(32).toString('hex');
  const file = join(dataDir, 'mooring.sqlite');
  const db = openDatabase({ dialect: 'sqlite', file });
  await migrateToLatest(db);
  const seed = await seedDatabase(db, deriveKeys(secret).apiKeyPepper, {
    organizations: 1,
    usersPerOrganization: 2,
    fleets: 1,
    devices,
    namedKeys: 10,
    deviceKeys: 10,
  });
  await db.close();
  const fleet = seed.fleets[0] as { id: number };
  const key = (seed.namedKeys[0] as { key: string }).key;
  const headers = { authorization: `Bearer ${key}` };
  const listPath = wireUrl(
    `/v7/device?$filter=belongs_to__application eq ${fleet.id}&$select=${FLEET_STATUS_SELECT}`,
  );
  log(`seeded one fleet of ${devices} devices (${dataDir})`);

  const servers: ServerProcess[] = [];
  try {
    const mooring = await startMooring({ dataDir, secret });
    servers.push(mooring);
    const reference = await startServer({
      name: 'fleet-reference',
      command: [process.execPath, '--import', 'tsx', 'scripts/bench-fleet-reference.ts'],
      cwd: ROOT,
      env: { NODE_ENV: 'production', BENCH_REFERENCE_DB: file },
      ready: /listening on (http:\/\/[^\s]+)/,
    });
    servers.push(reference);

    // Both must answer the same bytes before anything is timed.
    const ours = await fetch(mooring.url + listPath, { headers });
    const oursBody = await ours.text();
    const theirs = await (await fetch(reference.url + listPath)).text();
    const rows = (JSON.parse(oursBody) as { d: unknown[] }).d.length;
    if (ours.status !== 200 || rows !== devices)
      throw new Error(`fleet list answered ${ours.status}, ${rows} rows`);
    log(
      `answers: ${oursBody.length} bytes, identical to the reference: ${oursBody === theirs ? 'yes' : 'NO'}`,
    );
    const etag = ours.headers.get('etag');
    if (!etag) throw new Error('the fleet list carries no ETag');

    const list: BenchRequest[] = [
      {
        method: 'GET',
        path: listPath,
        headers,
        expect: { kind: 'fleet-devices', fleet: fleet.id, count: devices, slug: '' },
      },
    ];
    const conditional: BenchRequest[] = [
      { ...(list[0] as BenchRequest), headers: { ...headers, 'if-none-match': etag } },
    ];
    const status: BenchRequest[] = seed.devices.slice(0, 2000).map((d) => ({
      method: 'GET',
      path: deviceStatusPath(d.uuid),
      headers,
      expect: { kind: 'device-status', uuid: d.uuid, heartbeat: d.heartbeat },
    }));
    const notModified = await fetch(mooring.url + listPath, { headers: conditional[0]?.headers });
    if (notModified.status !== 304) throw new Error(`conditional poll answered ${notModified.status}`);

    const run = (
      server: ServerProcess,
      requests: BenchRequest[],
      connections: number,
      seconds = options.duration,
    ) => drive(server.url, cursor(requests), { seconds, connections }, server.cpuMs);
    log('\nwarm-up …');
    await run(mooring, list, CONNECTIONS, options.warmup || 1);
    await run(reference, list, CONNECTIONS, options.warmup || 1);
    await run(mooring, status, options.connections, options.warmup || 1);
    await run(mooring, conditional, options.connections, options.warmup || 1);

    const fleetRounds: { ratio: number; mooring: LoadResult; reference: LoadResult }[] = [];
    const pollRounds: { ratio: number; poll: LoadResult; status: LoadResult }[] = [];
    for (let r = 0; r < options.rounds; r++) {
      const ref = await run(reference, list, CONNECTIONS);
      const ours = await run(mooring, list, CONNECTIONS);
      fleetRounds.push({
        ratio: ours.requestsPerSecond / ref.requestsPerSecond,
        mooring: ours,
        reference: ref,
      });
      log(
        `  fleet list: Mooring ${Math.round(ours.requestsPerSecond * devices).toLocaleString('en-US')} rows/s ` +
          `(${ours.cpuUsPerRequest?.toFixed(0)} µs CPU per list), reference ${Math.round(ref.requestsPerSecond * devices).toLocaleString('en-US')} rows/s ` +
          `(${ref.cpuUsPerRequest?.toFixed(0)} µs) → ${(ours.requestsPerSecond / ref.requestsPerSecond).toFixed(2)}`,
      );
      const one = await run(mooring, status, options.connections);
      const poll = await run(mooring, conditional, options.connections);
      const ratio = (poll.cpuUsPerRequest ?? Number.NaN) / (one.cpuUsPerRequest ?? Number.NaN);
      pollRounds.push({ ratio, poll, status: one });
      log(
        `  304 poll: ${Math.round(poll.requestsPerSecond)} req/s, ${poll.cpuUsPerRequest?.toFixed(1)} µs CPU; ` +
          `status read: ${Math.round(one.requestsPerSecond)} req/s, ${one.cpuUsPerRequest?.toFixed(1)} µs CPU → ${ratio.toFixed(2)} of a status read`,
      );
    }
    for (const server of servers.splice(0)) await server.stop();

    const triggers = flushCost(file, devices);
    log(
      `\nheartbeat flush of ${devices} devices (UPDATE … WHERE id IN 500 ids, one transaction): ` +
        `${triggers.withMs.toFixed(1)} ms with the change-counter triggers, ${triggers.withoutMs.toFixed(1)} ms without ` +
        `(+${((triggers.withMs / triggers.withoutMs - 1) * 100).toFixed(0)} %, ${(((triggers.withMs - triggers.withoutMs) * 1000) / devices).toFixed(2)} µs per row)`,
    );

    const fleetRatio = median(fleetRounds.map((r) => r.ratio));
    const pollRatio = median(pollRounds.map((r) => r.ratio));
    const targets = {
      'fleet-list-rows': { target: 0.7, measured: fleetRatio, pass: fleetRatio >= 0.7 },
      'poll-304-vs-status-read': { target: 1, op: '≤', measured: pollRatio, pass: pollRatio <= 1 },
    };
    log(
      `\n${fleetRatio >= 0.7 ? 'PASS' : 'MISS'} fleet list rows/s ≥ 0.7 × reference (median ${fleetRatio.toFixed(2)})`,
    );
    log(
      `${pollRatio <= 1 ? 'PASS' : 'MISS'} 304 poll CPU ≤ one status read (median ${pollRatio.toFixed(2)})`,
    );
    log(
      `BENCH_JSON ${JSON.stringify({ kind: 'fleet', machine: env, devices, fleetRounds, pollRounds, triggers, targets })}`,
    );
  } finally {
    for (const server of servers) await server.stop();
    if (!options.keep) rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * The flush's write pattern (devices/heartbeat.repository.ts: last heartbeat and due time per device,
 * in chunks of 500, one transaction) on a copy of the seeded database, alternately with the `device`
 * triggers and without them (dropped, then re-created as the migration makes them); median of 7 each.
 */
function flushCost(file: string, devices: number): { withMs: number; withoutMs: number } {
  const copy = `${file}.flush`;
  const source = new SQLite(file);
  source.exec(`VACUUM INTO '${copy}'`);
  source.close();
  const db = new SQLite(copy);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const ids = (db.prepare('SELECT id FROM device ORDER BY id').pluck().all() as number[]).slice(0, devices);
  const triggers = db
    .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'device'")
    .all() as { name: string; sql: string }[];
  let at = Date.now();
  const flush = (): number => {
    at += 1000;
    const started = performance.now();
    db.transaction(() => {
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        db.prepare(
          `UPDATE device SET last_api_heartbeat_at = ?, heartbeat_due_at = ? WHERE id IN (${chunk.map(() => '?').join(',')})`,
        ).run(at, at + 900_000, ...chunk);
      }
    })();
    return performance.now() - started;
  };
  const withRuns: number[] = [];
  const withoutRuns: number[] = [];
  flush();
  for (let r = 0; r < 7; r++) {
    withRuns.push(flush());
    for (const t of triggers) db.exec(`DROP TRIGGER "${t.name}"`);
    withoutRuns.push(flush());
    for (const t of triggers) db.exec(t.sql);
  }
  db.close();
  return { withMs: median(withRuns), withoutMs: median(withoutRuns) };
}

await main();

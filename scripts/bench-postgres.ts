/**
 * `npm run bench -- postgres` (issue #21 point 5): the status read and the heartbeat scenario on
 * PostgreSQL beside SQLite. Two Mooring processes (production mode) on the same seed, one per
 * database, both listening for the whole run; the rounds alternate SQLite and PostgreSQL per
 * scenario so both see the same machine, and each ratio is PostgreSQL ÷ SQLite of the same round.
 *
 *   node --import tsx scripts/bench-postgres.ts [--duration=5] [--rounds=3] [--warmup=3]
 *       [--connections=50] [--devices=10000] [--postgres=<admin url>] [--skip-build]
 *
 * PostgreSQL: MOORING_BENCH_DATABASE_URL or `--postgres=<url>` (a database of its own is created and
 * dropped there), else a throwaway cluster from scripts/pg-throwaway.sh. Prints `BENCH_JSON {…}`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deriveKeys } from '../packages/server/src/config/secrets.js';
import { openDatabase } from '../packages/server/src/db/database.js';
import { migrateToLatest } from '../packages/server/src/db/migrate.js';
import { verifyScenario } from './bench/check.js';
import { ensureBuilt, machine } from './bench/environment.js';
import { type Cursor, cursor, drive, type LoadResult } from './bench/load.js';
import { parseOptions } from './bench/options.js';
import { benchPostgres } from './bench/postgres.js';
import { type ServerProcess, startMooring } from './bench/processes.js';
import { type BenchRequest, deviceHeartbeats, deviceStatusBearer, type Scenario } from './bench/scenarios.js';
import { seedDatabase } from './bench/seed.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const options = parseOptions(argv);
const flag = (name: string): string | undefined =>
  argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const log = (line: string): void => void process.stdout.write(`${line}\n`);

/** PostgreSQL ÷ SQLite targets (issue #21 point 5); the heartbeat is reported without one. */
const TARGETS: Readonly<Record<string, number>> = { 'status-bearer': 0.5 };

interface Side {
  readonly dialect: 'sqlite' | 'postgres';
  readonly server: ServerProcess;
}

function startOn(dataDir: string, secret: string, databaseUrl?: string): Promise<ServerProcess> {
  return startMooring({
    dataDir,
    secret,
    name: databaseUrl ? 'mooring (postgres)' : 'mooring (sqlite)',
    env: databaseUrl ? { MOORING_DATABASE_URL: databaseUrl } : {},
  });
}

const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] ?? 0;

async function main(): Promise<void> {
  const env = machine(ROOT);
  log(`machine: ${env.cores} × ${env.cpu}, ${env.memoryGb} GB, load ${env.loadAverage.join(' ')}`);
  log(`node ${env.node}, commit ${env.commit}`);
  log(ensureBuilt(ROOT, options.skipBuild));

  const secret = randomBytes(32).toString('hex');
  const pepper = deriveKeys(secret).apiKeyPepper;
  const dirs = [
    mkdtempSync(join(tmpdir(), 'mooring-bench-pg-')),
    mkdtempSync(join(tmpdir(), 'mooring-bench-pg-')),
  ];
  const postgres = await benchPostgres(ROOT, process.env.MOORING_BENCH_DATABASE_URL ?? flag('postgres'));
  const sides: Side[] = [];
  try {
    // The same rows in both databases: one seed, its keys and uuids written twice.
    const sqliteDb = openDatabase({ dialect: 'sqlite', file: join(dirs[0] as string, 'mooring.sqlite') });
    await migrateToLatest(sqliteDb);
    const now = Date.now();
    const seed = await seedDatabase(sqliteDb, pepper, options.sizes, now);
    await sqliteDb.close();
    const pgDb = openDatabase({ dialect: 'postgres', connectionString: postgres.url, maxConnections: 2 });
    await migrateToLatest(pgDb);
    const pgSeed = await seedDatabase(pgDb, pepper, options.sizes, now);
    await pgDb.close();
    log(`seeded ${options.sizes.devices} devices in each database`);

    sides.push({ dialect: 'sqlite', server: await startOn(dirs[0] as string, secret) });
    sides.push({ dialect: 'postgres', server: await startOn(dirs[1] as string, secret, postgres.url) });
    for (const s of sides) log(`${s.server.name} listening after ${Math.round(s.server.startupMs)} ms`);

    const scenariosOf = (dialect: Side['dialect']): Scenario[] => {
      const which = dialect === 'sqlite' ? seed : pgSeed;
      return [deviceStatusBearer(which), deviceHeartbeats(which)];
    };
    const results: Record<string, unknown>[] = [];
    const targets: Record<string, { target: number; measured: number; pass: boolean; op: '≥'; unit: '×' }> =
      {};
    for (const [index, id] of ['status-bearer', 'heartbeat'].entries()) {
      const per = new Map<Side, { source: Cursor; loads: LoadResult[] }>();
      for (const side of sides) {
        const scenario = scenariosOf(side.dialect)[index] as Scenario;
        const send = async (request: BenchRequest) => {
          const res = await fetch(side.server.url + request.path, { headers: request.headers });
          return { status: res.status, body: await res.text() };
        };
        const problem = await verifyScenario(send, scenario, 20);
        if (problem) throw new Error(`${id} on ${side.dialect} is not measurable: ${problem}`);
        const source = cursor(scenario.requests);
        // Untimed: every credential and URL once (caches, prepared statements, page cache).
        for (let i = 0; i < 10 && source.taken < scenario.requests.length; i++) {
          await drive(side.server.url, source, {
            seconds: Math.max(1, options.warmup),
            connections: options.connections,
          });
        }
        per.set(side, { source, loads: [] });
      }
      log(`\n${id}:`);
      const ratios: number[] = [];
      for (let r = 0; r < options.rounds; r++) {
        for (const side of sides) {
          const entry = per.get(side) as { source: Cursor; loads: LoadResult[] };
          const load = await drive(
            side.server.url,
            entry.source,
            { seconds: options.duration, connections: options.connections },
            side.server.cpuMs,
          );
          entry.loads.push(load);
          log(
            `  ${side.dialect.padEnd(8)} ${Math.round(load.requestsPerSecond)} req/s, p50 ${load.p50Ms} ms, ` +
              `p99 ${load.p99Ms} ms, ${load.cpuUsPerRequest?.toFixed(0) ?? '?'} µs CPU/req (Mooring only)` +
              (load.non2xx || load.errors ? `, ${load.non2xx} non-2xx, ${load.errors} errors` : ''),
          );
        }
        const [sq, pgLoad] = sides.map((s) => per.get(s)?.loads[r] as LoadResult);
        ratios.push((pgLoad as LoadResult).requestsPerSecond / (sq as LoadResult).requestsPerSecond);
      }
      const ratio = median(ratios);
      const clean = sides.every((s) => per.get(s)?.loads.every((l) => l.non2xx === 0 && l.errors === 0));
      log(`  postgres ÷ sqlite: ${ratio.toFixed(2)} (rounds ${ratios.map((x) => x.toFixed(2)).join(' / ')})`);
      const target = TARGETS[id];
      if (target !== undefined) {
        targets[`${id} postgres ÷ sqlite`] = {
          target,
          measured: ratio,
          pass: clean && ratio >= target,
          op: '≥',
          unit: '×',
        };
      }
      results.push({
        id,
        ratio,
        ratios,
        ...Object.fromEntries(sides.map((s) => [s.dialect, per.get(s)?.loads])),
      });
    }
    log('');
    for (const [name, t] of Object.entries(targets)) {
      log(`${t.pass ? 'PASS' : 'MISS'} ${name} ≥ ${t.target}×: ${t.measured.toFixed(2)}×`);
    }
    log(
      `BENCH_JSON ${JSON.stringify({ kind: 'postgres', machine: env, sizes: options.sizes, results, targets })}`,
    );
  } finally {
    for (const side of sides) await side.server.stop();
    await postgres.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

await main();

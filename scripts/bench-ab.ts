/**
 * A/B of two server builds on the same seeded database, for "what did this change buy"
 * (docs/benchmarks.md). Both builds' apps and a bare Fastify run in this one process, each on its
 * own port; autocannon runs in a child (scripts/bench/autocannon-child.ts). Per scenario the builds
 * take turns `--rounds` times, each timed run preceded by a short ceiling run, and the CPU time of
 * this process per answered request is reported: the servers are the only thing running here while
 * the child drives one of them.
 *
 *   node --import tsx scripts/bench-ab.ts <dist A> <dist B> [--only=status-bearer,whoami] \
 *        [--duration=3] [--rounds=2]
 *
 * `<dist>` is a built `packages/server/dist` (for an older commit: `git worktree add /tmp/old <commit>`,
 * `npx tsc -b packages/server` there, with node_modules linked). The signed scenarios are not here
 * (they need keys created through the API and single-use requests): use bench-http for those.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import type { buildApp as BuildApp } from '../packages/server/src/app.js';
import type { systemClock as SystemClock } from '../packages/server/src/config/clock.js';
import type { loadConfig as LoadConfig } from '../packages/server/src/config/config.js';
import type { deriveKeys as DeriveKeys } from '../packages/server/src/config/secrets.js';
import type { openDatabase as OpenDatabase } from '../packages/server/src/db/database.js';
import type { migrateToLatest as MigrateToLatest } from '../packages/server/src/db/migrate.js';
import type { createLogger as CreateLogger } from '../packages/server/src/http/logger.js';
import type { LoadResult } from './bench/load.js';
import * as scenarios from './bench/scenarios.js';
import { SEED_PASSWORD, seedDatabase } from './bench/seed.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const flag = (name: string): string | undefined =>
  args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const [distA, distB] = args.filter((a) => !a.startsWith('--'));
if (!distA || !distB) {
  process.stderr.write('usage: bench-ab.ts <dist A> <dist B> [--only=…] [--duration=3] [--rounds=2]\n');
  process.exit(2);
}
const only = flag('only')?.split(',');
const seconds = Number(flag('duration') ?? 3);
const rounds = Number(flag('rounds') ?? 2);

interface ServerModules {
  readonly buildApp: typeof BuildApp;
  readonly loadConfig: typeof LoadConfig;
  readonly deriveKeys: typeof DeriveKeys;
  readonly openDatabase: typeof OpenDatabase;
  readonly migrateToLatest: typeof MigrateToLatest;
  readonly createLogger: typeof CreateLogger;
  readonly systemClock: typeof SystemClock;
}

async function load(dist: string): Promise<ServerModules> {
  const from = async <T>(path: string): Promise<T> => (await import(join(resolve(dist), path))) as T;
  return {
    ...(await from<Pick<ServerModules, 'buildApp'>>('app.js')),
    ...(await from<Pick<ServerModules, 'loadConfig'>>('config/config.js')),
    ...(await from<Pick<ServerModules, 'deriveKeys'>>('config/secrets.js')),
    ...(await from<Pick<ServerModules, 'openDatabase'>>('db/database.js')),
    ...(await from<Pick<ServerModules, 'migrateToLatest'>>('db/migrate.js')),
    ...(await from<Pick<ServerModules, 'createLogger'>>('http/logger.js')),
    ...(await from<Pick<ServerModules, 'systemClock'>>('config/clock.js')),
  };
}

const dataDir = mkdtempSync(join(tmpdir(), 'mooring-ab-'));
const secret = randomBytes(32).toString('hex');
const env = {
  NODE_ENV: 'production',
  MOORING_LOG_LEVEL: 'warn',
  MOORING_DATA_DIR: dataDir,
  MOORING_SECRET: secret,
  MOORING_RATE_LIMIT_PER_CREDENTIAL: '0',
  MOORING_RATE_LIMIT_PER_IP: '0',
};

/** One build's app, on its own connection to the shared database file (the first one seeds it). */
async function start(dist: string, seedFirst: boolean) {
  const m = await load(dist);
  const db = m.openDatabase({ dialect: 'sqlite', file: join(dataDir, 'mooring.sqlite') });
  await m.migrateToLatest(db);
  const seed = seedFirst ? await seedDatabase(db, m.deriveKeys(secret).apiKeyPepper) : undefined;
  const app = await m.buildApp({
    config: m.loadConfig(env),
    db,
    keys: m.deriveKeys(secret),
    clock: m.systemClock,
    logger: m.createLogger('warn'),
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url, seed };
}

function drive(file: string, url: string, secs: number): Promise<LoadResult> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'scripts/bench/autocannon-child.ts'), file, url, String(secs)],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on('exit', () => {
      try {
        done(JSON.parse(out) as LoadResult);
      } catch {
        fail(new Error(`load generator failed: ${out}`));
      }
    });
  });
}

async function timed(file: string, url: string, secs: number): Promise<{ rps: number; cpuUs: number }> {
  const before = process.cpuUsage();
  const result = await drive(file, url, secs);
  const used = process.cpuUsage(before);
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx answers`);
  return { rps: result.requestsPerSecond, cpuUs: (used.user + used.system) / result.total };
}

const a = await start(distA, true);
const b = await start(distB, false);
const seed = a.seed;
if (!seed) throw new Error('not seeded');
const ceiling: FastifyInstance = Fastify({ logger: false });
const body = scenarios.deviceStatusBody('0123456789abcdef0123456789abcdef');
ceiling.get('/*', (_request, reply) => {
  reply.type('application/json').send(body);
});
const ceilingUrl = await ceiling.listen({ host: '127.0.0.1', port: 0 });

const tokens: string[] = [];
for (const user of scenarios.workingSet(seed).users) {
  const res = await a.app.inject({
    method: 'POST',
    url: '/login_',
    payload: { username: user.username, password: SEED_PASSWORD },
  });
  tokens.push(res.body);
}
const all = [
  scenarios.deviceStatusBearer(seed),
  scenarios.deviceStatusQueryKey(seed),
  scenarios.deviceStatusSession(seed, tokens),
  scenarios.fleetDeviceList(seed),
  scenarios.deviceHeartbeats(seed),
  scenarios.whoami(seed),
];
const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? 0;
const ceilingFile = join(dataDir, 'ceiling.json');
writeFileSync(ceilingFile, JSON.stringify(scenarios.deviceStatusBearer(seed).requests));

process.stdout.write(
  `A = ${distA}\nB = ${distB}\n${seconds} s per run, ${rounds} rounds, 50 connections\n\n`,
);
process.stdout.write('scenario            A µs/req  B µs/req   B/A   A req/s  B req/s  ceiling µs/req\n');
try {
  for (const scenario of all) {
    if (only && !only.includes(scenario.id)) continue;
    const file = join(dataDir, `${scenario.id}.json`);
    writeFileSync(file, JSON.stringify(scenario.requests));
    const runs = { a: [] as { rps: number; cpuUs: number }[], b: [] as { rps: number; cpuUs: number }[] };
    const ceilings: number[] = [];
    for (const server of [a, b]) await drive(file, server.url, 2); // warm-up: JIT, caches
    for (let round = 0; round < rounds; round++) {
      for (const [name, server] of [
        ['a', a],
        ['b', b],
      ] as const) {
        ceilings.push((await timed(ceilingFile, ceilingUrl, 1)).cpuUs);
        runs[name].push(await timed(file, server.url, seconds));
      }
    }
    const cpuA = median(runs.a.map((r) => r.cpuUs));
    const cpuB = median(runs.b.map((r) => r.cpuUs));
    process.stdout.write(
      `${scenario.id.padEnd(18)} ${cpuA.toFixed(1).padStart(9)} ${cpuB.toFixed(1).padStart(9)} ${(cpuB / cpuA).toFixed(2).padStart(5)} ` +
        `${Math.round(median(runs.a.map((r) => r.rps)))
          .toString()
          .padStart(9)} ${Math.round(median(runs.b.map((r) => r.rps)))
          .toString()
          .padStart(8)} ` +
        `${median(ceilings).toFixed(1).padStart(15)}\n`,
    );
  }
} finally {
  await a.app.close();
  await b.app.close();
  await ceiling.close();
  rmSync(dataDir, { recursive: true, force: true });
}

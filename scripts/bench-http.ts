/**
 * HTTP benchmark (issue #9): Mooring in a child process (production mode, SQLite, logging at warn)
 * on a freshly seeded database, against a bare Fastify ceiling measured in the same run, both driven
 * by autocannon with fixed duration and connections. Prints per scenario requests/s, p50/p99 latency
 * and the ratio to the ceiling; start-up time, RSS; PASS/MISS per target; one `BENCH_JSON {…}` line.
 *
 *   node --import tsx scripts/bench-http.ts [--duration=10] [--warmup=3] [--connections=50]
 *       [--only=status-bearer,whoami] [--skip-build] [--cpu-prof[=dir]] [--devices=10000]
 *       [--fleets=20] [--keys=1000] [--device-keys=1000] [--keep]
 *
 * Each scenario is checked (200 + expected body on a sample of its requests) before it is timed; a
 * scenario that fails the check, or whose feature is not there yet, is reported as not measurable.
 * The ceiling is timed right before each scenario; each ratio uses that paired ceiling run.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deriveKeys } from '../packages/server/src/config/secrets.js';
import { openDatabase } from '../packages/server/src/db/database.js';
import { migrateToLatest } from '../packages/server/src/db/migrate.js';
import { verifyScenario } from './bench/check.js';
import { ensureBuilt, machine } from './bench/environment.js';
import { type Cursor, cursor, drive, type LoadResult } from './bench/load.js';
import { parseOptions } from './bench/options.js';
import { rssSampler, type ServerProcess, startMooring, startServer } from './bench/processes.js';
import { summarizeProfile } from './bench/profile.js';
import { REFERENCES, writeReferenceDatabase } from './bench/reference.js';
import {
  mb,
  type ReferenceOutcome,
  referenceLine,
  type ScenarioOutcome,
  scenarioTable,
  targetLines,
  targetsOf,
} from './bench/report.js';
import {
  type BenchRequest,
  deviceHeartbeats,
  deviceStatusBearer,
  deviceStatusQueryKey,
  deviceStatusSession,
  fleetDeviceList,
  type Scenario,
  type Send,
  whoami,
  workingSet,
} from './bench/scenarios.js';
import { seedDatabase } from './bench/seed.js';
import {
  type MissingScenario,
  signedScenarios,
  type VerificationCost,
  verificationCost,
} from './bench/signed.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const options = parseOptions(process.argv.slice(2));
const log = (line: string): void => void process.stdout.write(`${line}\n`);

function sender(base: string): Send {
  return async (request: BenchRequest) => {
    const res = await fetch(base + request.path, { method: request.method, headers: request.headers });
    return { status: res.status, body: await res.text() };
  };
}

/** Whether the reference design answers the first requests with Mooring's status and bytes. */
async function referenceAgrees(
  referenceUrl: string,
  mooringUrl: string,
  requests: readonly BenchRequest[],
): Promise<boolean> {
  for (const request of requests.slice(0, 20)) {
    const [ours, theirs] = await Promise.all(
      [mooringUrl, referenceUrl].map(async (base) => {
        const res = await fetch(base + request.path, { headers: request.headers });
        return `${res.status} ${await res.text()}`;
      }),
    );
    if (ours !== theirs) {
      log(`reference design left out: it answered ${theirs} where Mooring answered ${ours}`);
      return false;
    }
  }
  return true;
}

async function login(base: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${base}/login_`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) throw new Error(`login of ${username} answered ${res.status}`);
  return res.text();
}

/** Warm-up (untimed) then the timed run, through one cursor so single-use requests stay unique. */
/** Untimed traffic before a scenario's first timed round: JIT, caches, SQLite page cache. */
async function warmUp(
  server: ServerProcess,
  source: Cursor,
  total: number,
  singleUse: boolean,
): Promise<void> {
  const connections = options.connections;
  if (options.warmup > 0) await drive(server.url, source, { seconds: options.warmup, connections });
  // Steady state means every credential and URL was seen once (caches warm), however slow the
  // machine is today; single-use lists have nothing to warm per request.
  for (let extra = 0; !singleUse && source.taken < total && extra < 10; extra++) {
    await drive(server.url, source, { seconds: options.warmup || 1, connections });
  }
}

/** One timed round; `overrun` counts single-use requests sent a second time (0 when unused). */
async function timedRound(server: ServerProcess, source: Cursor): Promise<LoadResult & { overrun: number }> {
  const overrunBefore = source.overrun;
  const load = await drive(
    server.url,
    source,
    { seconds: options.duration, connections: options.connections },
    server.cpuMs,
  );
  return { ...load, overrun: source.overrun - overrunBefore };
}

interface Round {
  readonly load: LoadResult & { overrun: number };
  /** The ceiling timed right before this round. */
  readonly ceiling: LoadResult;
  /** Scenarios with a reference design: that design, timed between the ceiling and Mooring. */
  readonly reference?: LoadResult;
}

interface Measured {
  /** What the report needs of the scenario; not its requests (kept out so they can be collected). */
  readonly scenario: Pick<Scenario, 'id' | 'title' | 'target'>;
  /** Every timed round, in order. */
  readonly rounds?: readonly Round[];
  /** The round with the median ratio: the one reported (its rate, latencies and CPU belong together). */
  readonly median?: Round;
  readonly problem?: string;
  /** The reference design timed in its rounds, if any. */
  readonly reference?: { readonly design: string; readonly target: number };
}

const aboutOf = ({ id, title, target }: Scenario | MissingScenario): Measured['scenario'] => ({
  id,
  title,
  target,
});

const ratioOf = (round: Round): number => round.load.requestsPerSecond / round.ceiling.requestsPerSecond;

/** The middle value, the lower one of an even count (as the reported round); undefined for none. */
function medianOf(values: readonly number[]): number | undefined {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** The reference design's rate in the reported round, and its share of the ceiling in every round. */
function referenceOf(
  rounds: readonly Round[],
  median: Round,
  about: { readonly design: string; readonly target: number },
): ReferenceOutcome {
  const rps = median.reference?.requestsPerSecond ?? 0;
  const ofCeiling = rounds.map((r) => (r.reference?.requestsPerSecond ?? 0) / r.ceiling.requestsPerSecond);
  return {
    design: about.design,
    target: about.target,
    requestsPerSecond: rps,
    ...(median.reference?.cpuUsPerRequest === undefined
      ? {}
      : { cpuUsPerRequest: median.reference.cpuUsPerRequest }),
    p99Ms: median.reference?.p99Ms ?? 0,
    ofCeiling,
    ofCeilingMedian: medianOf(ofCeiling) ?? 0,
    mooringOfReference: median.load.requestsPerSecond / rps,
  };
}

function medianRound(rounds: readonly Round[]): Round {
  const sorted = [...rounds].sort((a, b) => ratioOf(a) - ratioOf(b));
  return sorted[Math.floor((sorted.length - 1) / 2)] as Round;
}

const wanted = (id: string): boolean => !options.only || options.only.includes(id);

async function main(): Promise<void> {
  const env = machine(ROOT);
  log(`machine: ${env.cores} × ${env.cpu}, ${env.memoryGb} GB, load ${env.loadAverage.join(' ')}`);
  log(`node ${env.node}, commit ${env.commit}`);
  log(ensureBuilt(ROOT, options.skipBuild));

  const dataDir = mkdtempSync(join(tmpdir(), 'mooring-bench-'));
  const secret = randomBytes(32).toString('hex');
  const seedStarted = performance.now();
  const db = openDatabase({ dialect: 'sqlite', file: join(dataDir, 'mooring.sqlite') });
  await migrateToLatest(db);
  const seed = await seedDatabase(db, deriveKeys(secret).apiKeyPepper, options.sizes);
  await db.close();
  const s = options.sizes;
  log(
    `seeded ${s.devices} devices in ${s.fleets} fleets, ${s.namedKeys} named keys, ${s.deviceKeys} device keys ` +
      `in ${Math.round(performance.now() - seedStarted)} ms (${dataDir})`,
  );

  const servers: ServerProcess[] = [];
  try {
    const profDir = options.cpuProfDir === undefined ? undefined : resolve(ROOT, options.cpuProfDir);
    const mooring = await startMooring({
      dataDir,
      secret,
      // The signed requests are all signed before the first scenario; on a slow machine the later
      // rounds of the HMAC scenario came more than the default 300 s after `created` (401s).
      env: { MOORING_SIGNATURE_MAX_SKEW_SECONDS: '3600' },
      nodeArgs: profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [],
    });
    servers.push(mooring);
    const ceiling = await startServer({
      name: 'ceiling',
      command: [process.execPath, '--import', 'tsx', 'scripts/bench-ceiling.ts'],
      cwd: ROOT,
      env: { NODE_ENV: 'production' },
      ready: /listening on (http:\/\/[^\s]+)/,
    });
    servers.push(ceiling);
    log(`mooring listening after ${Math.round(mooring.startupMs)} ms, RSS ${mb(mooring.rss())}`);

    const send = sender(mooring.url);
    const members = workingSet(seed).users;
    const tokens = await Promise.all(members.map((u) => login(mooring.url, u.username, u.password)));
    // The reference design knows the session tokens too (as opaque bearer values), so it is
    // written and started after the logins.
    const referenceDb = join(dataDir, 'reference.sqlite');
    writeReferenceDatabase(
      referenceDb,
      seed,
      tokens.map((token, i) => ({ token, user: (members[i] as { id: number }).id })),
    );
    const reference = await startServer({
      name: 'reference',
      command: [process.execPath, '--import', 'tsx', 'scripts/bench-reference.ts'],
      cwd: ROOT,
      env: { NODE_ENV: 'production', BENCH_REFERENCE_DB: referenceDb },
      ready: /listening on (http:\/\/[^\s]+)/,
    });
    servers.push(reference);
    const signedReference = await startServer({
      name: 'signed reference',
      command: [process.execPath, '--import', 'tsx', 'scripts/bench-reference.ts'],
      cwd: ROOT,
      env: { NODE_ENV: 'production', BENCH_REFERENCE_DB: referenceDb, BENCH_REFERENCE_KIND: 'signed' },
      ready: /listening on (http:\/\/[^\s]+)/,
    });
    servers.push(signedReference);
    const scenarios: (Scenario | MissingScenario)[] = [
      deviceStatusBearer(seed),
      deviceStatusQueryKey(seed),
      deviceStatusSession(seed, tokens),
    ];

    // The ceiling is timed right before each scenario (half the duration): the machine is shared,
    // so a ceiling measured minutes earlier would make the ratio mostly noise.
    const ceilingRequests = deviceStatusBearer(seed).requests;
    const ceilingSource = cursor(ceilingRequests);
    const ceilingSeconds = Math.max(1, options.duration / 2);
    const ceilingRuns: LoadResult[] = [];
    const timeCeiling = async (): Promise<LoadResult> => {
      const load = await drive(
        ceiling.url,
        ceilingSource,
        { seconds: ceilingSeconds, connections: options.connections },
        ceiling.cpuMs,
      );
      ceilingRuns.push(load);
      return load;
    };
    // A ceiling run that collapses (once seen: 4,698 requests/s between runs of 34,000–40,000) would
    // make its round's ratio meaningless and pull the median: such a run is timed again, once.
    const pairedCeiling = async (): Promise<LoadResult> => {
      const load = await timeCeiling();
      const typical = medianOf(ceilingRuns.slice(0, -1).map((r) => r.requestsPerSecond));
      if (typical === undefined || load.requestsPerSecond >= typical / 2) return load;
      log(
        `  ceiling run collapsed (${Math.round(load.requestsPerSecond)} req/s, typical ${Math.round(typical)}): timed again`,
      );
      ceilingRuns.pop();
      return timeCeiling();
    };
    log('\nceiling warm-up …');
    await drive(ceiling.url, ceilingSource, {
      seconds: Math.max(1, options.warmup),
      connections: options.connections,
    });
    const first = await timeCeiling();
    log(`  ${Math.round(first.requestsPerSecond)} req/s`);

    // Each signed request is sent once. Verification makes a signed read cost more than a bearer
    // one, so a signed scenario runs well below the ceiling (at most ~0.35 of it so far): 0.75× the
    // first ceiling rate leaves room on a machine whose speed varies, and a replay is counted and
    // voids the scenario. A bigger set is not free: it lives in this process's heap, next to the load
    // generator, whose GC pauses then show up as stalls in the timed runs.
    const budget = Math.min(
      400_000,
      Math.ceil(first.requestsPerSecond * (options.duration * options.rounds + options.warmup) * 0.75) + 40,
    );
    const wantSigned = wanted('status-sig-ed25519') || wanted('status-sig-hmac');
    if (wantSigned) log(`\nsigning ${budget} requests per algorithm …`);
    scenarios.push(
      ...(wantSigned ? await signedScenarios(mooring.url, seed, tokens[0] as string, budget) : []),
    );
    // Timed here, before any load, so nothing else competes for the core.
    const verification = wantSigned ? verificationCost() : undefined;
    scenarios.push(fleetDeviceList(seed), deviceHeartbeats(seed), whoami(seed));

    const sampler = rssSampler(mooring);
    let profileSkipMs: number | undefined;
    const measured: Measured[] = [];
    // Taken off the list one by one, so a measured scenario's requests (hundreds of thousands of
    // signed ones) can be collected before the next is timed.
    for (let scenario = scenarios.shift(); scenario !== undefined; scenario = scenarios.shift()) {
      if (!wanted(scenario.id)) continue;
      if ('missing' in scenario) {
        log(`\n${scenario.id}: not measurable: ${scenario.missing}`);
        measured.push({ scenario: aboutOf(scenario), problem: scenario.missing });
        continue;
      }
      // Single-use requests: 20 for the check, 20 to compare with the reference design, the rest timed.
      const extra = scenario.singleUse ? scenario.requests.slice(0, 20) : undefined;
      const agree = scenario.singleUse ? scenario.requests.slice(20, 40) : scenario.requests;
      const timed = extra ? scenario.requests.slice(40) : scenario.requests;
      const problem = await verifyScenario(send, scenario, 20, extra ?? scenario.requests);
      if (problem) {
        log(`\n${scenario.id}: not measurable: ${problem}`);
        measured.push({ scenario: aboutOf(scenario), problem });
        continue;
      }
      log(`\n${scenario.id}: ${scenario.title} …`);
      const source = cursor(timed);
      await warmUp(mooring, source, timed.length, scenario.singleUse);
      const rounds: Round[] = [];
      // The reference design answers exactly this scenario's requests (and must answer them alike).
      const about = REFERENCES[scenario.id];
      const referenceServer = about?.design === 'signed' ? signedReference : reference;
      const withReference =
        about !== undefined && (await referenceAgrees(referenceServer.url, mooring.url, agree));
      const referenceSource = cursor(timed);
      if (withReference) await warmUp(referenceServer, referenceSource, timed.length, false);
      for (let r = 0; r < options.rounds; r++) {
        const paired = await pairedCeiling();
        const referenceLoad = withReference ? await timedRound(referenceServer, referenceSource) : undefined;
        profileSkipMs ??= performance.now() - mooring.spawnedAt;
        const load = await timedRound(mooring, source);
        rounds.push({
          load: { ...load, overrun: scenario.singleUse ? load.overrun : 0 },
          ceiling: paired,
          ...(referenceLoad ? { reference: referenceLoad } : {}),
        });
        log(
          `  ${Math.round(load.requestsPerSecond)} req/s, p50 ${load.p50Ms} ms, p99 ${load.p99Ms} ms, ` +
            `RSS ${mb(mooring.rss())}; ceiling just before: ${Math.round(paired.requestsPerSecond)} req/s ` +
            `(ratio ${ratioOf(rounds[r] as Round).toFixed(2)})` +
            (referenceLoad
              ? `; reference design: ${Math.round(referenceLoad.requestsPerSecond)} req/s (${(referenceLoad.requestsPerSecond / paired.requestsPerSecond).toFixed(2)} of the ceiling)`
              : ''),
        );
      }
      measured.push({
        scenario: aboutOf(scenario),
        rounds,
        median: medianRound(rounds),
        ...(withReference && about ? { reference: about } : {}),
      });
    }
    const rssPeak = sampler.stop();
    const rssAfter = mooring.rss();

    const rates = ceilingRuns.map((r) => r.requestsPerSecond);
    const ceilingRps = rates.reduce((x, y) => x + y, 0) / rates.length;
    const cpus = ceilingRuns.flatMap((r) => (r.cpuUsPerRequest === undefined ? [] : [r.cpuUsPerRequest]));
    const ceilingLoad: LoadResult = {
      ...first,
      ...(cpus.length > 0 ? { cpuUsPerRequest: cpus.reduce((x, y) => x + y, 0) / cpus.length } : {}),
      requestsPerSecond: ceilingRps,
      p50Ms: Math.max(...ceilingRuns.map((r) => r.p50Ms)),
      p99Ms: Math.max(...ceilingRuns.map((r) => r.p99Ms)),
    };
    const outcomes: ScenarioOutcome[] = measured.map(({ scenario, rounds, median, problem, reference }) => ({
      id: scenario.id,
      title: scenario.title,
      target: scenario.target,
      ...(median && rounds
        ? {
            // Answers that were not 2xx in any round void the scenario (see targetsOf), not only the median's.
            load: {
              ...median.load,
              non2xx: rounds.reduce((n, r) => n + r.load.non2xx, 0),
              errors: rounds.reduce((n, r) => n + r.load.errors, 0),
            },
            ratio: ratioOf(median),
            ...(median.reference && reference ? { reference: referenceOf(rounds, median, reference) } : {}),
            ratios: rounds.map(ratioOf),
            p99s: rounds.map((r) => r.load.p99Ms),
            ceiling: median.ceiling.requestsPerSecond,
            ...(median.ceiling.cpuUsPerRequest === undefined
              ? {}
              : { ceilingCpuUs: median.ceiling.cpuUsPerRequest }),
          }
        : {}),
      ...(median?.load.overrun ? { overrun: median.load.overrun } : {}),
      ...(problem ? { notMeasurable: problem } : {}),
    }));
    const targets = targetsOf(outcomes, rssPeak, mooring.startupMs);

    log(
      `\n${options.rounds} × ${options.duration} s per scenario after ${options.warmup} s warm-up, ${options.connections} connections; each row is the round with the median ratio`,
    );
    log(`ceiling runs: ${rates.map(Math.round).join(', ')} req/s (each ratio uses the run just before it)`);
    log(scenarioTable(ceilingLoad, outcomes));
    const referenceText = referenceLine(outcomes);
    if (referenceText) log(referenceText);
    if (verification) log(verificationLine(verification, ceilingRps, env.cores));
    log(
      `\nstart-up to listening: ${Math.round(mooring.startupMs)} ms; RSS peak ${mb(rssPeak)}, after the run ${mb(rssAfter)}`,
    );
    log(targetLines(targets));
    const warnings = mooring.stderr().trim();
    if (warnings !== '') log(`\nMooring stderr (last lines):\n${warnings.split('\n').slice(-10).join('\n')}`);

    log(
      `BENCH_JSON ${JSON.stringify({
        kind: 'http',
        machine: env,
        options: {
          duration: options.duration,
          rounds: options.rounds,
          warmup: options.warmup,
          connections: options.connections,
          sizes: options.sizes,
        },
        ceiling: { runs: rates, mean: ceilingRps },
        startupMs: Math.round(mooring.startupMs),
        rssPeakBytes: rssPeak,
        rssAfterBytes: rssAfter,
        ...(verification ? { verification } : {}),
        scenarios: outcomes,
        targets: Object.fromEntries(targets.map((t) => [t.id, t])),
      })}`,
    );

    // Stopped here (not only in finally) so the --cpu-prof profile is written before it is read.
    for (const server of servers.splice(0)) await server.stop();
    if (profDir) {
      const newest = readdirSync(profDir)
        .filter((f) => f.endsWith('.cpuprofile'))
        .sort()
        .pop();
      if (newest)
        log(
          `\nCPU profile ${join(profDir, newest)}\n${summarizeProfile(join(profDir, newest), 30, Math.round(profileSkipMs ?? 0))}`,
        );
    }
  } finally {
    for (const server of servers) await server.stop();
    if (!options.keep) rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Scenario 4's floor: at a ratio of 0.4 every one of those requests costs one verification, so the
 * share of the machine that verification alone takes follows from the measured cost.
 */
function verificationLine(cost: VerificationCost, ceilingRps: number, cores: number): string {
  const cpuShare = (us: number): string => ((0.4 * ceilingRps * us) / 1e6).toFixed(2);
  return (
    `\nsignature verification on this machine (node:crypto, one core): Ed25519 ${cost.ed25519Us.toFixed(1)} µs, ` +
    `HMAC-SHA256 ${cost.hmacSha256Us.toFixed(1)} µs (per core: ${Math.round(1e6 / cost.ed25519Us).toLocaleString('en-US')} ` +
    `and ${Math.round(1e6 / cost.hmacSha256Us).toLocaleString('en-US')} verifications/s); at 0.4 of the ceiling's mean (${Math.round(0.4 * ceilingRps)} ` +
    `signed requests/s) verification alone takes ${cpuShare(cost.ed25519Us)} (Ed25519) and ` +
    `${cpuShare(cost.hmacSha256Us)} (HMAC) of the ${cores} cores, before the request's own work and the load generator`
  );
}

await main();

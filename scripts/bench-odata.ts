/**
 * OData micro-benchmark: how many captured balena-sdk URLs per second we turn into SQL, against the
 * reference parser (`@balena/odata-parser`, what pinejs uses) merely parsing them. All in one process.
 *
 *   (a) reference   `@balena/odata-parser` parse only
 *   (b) cold        parseODataUrl + compileRead + final SQL text + bindValues (no cache of any kind)
 *   (c) cached      ReadPlanner.prepare + plan.bind: exactly what `ODataService.read()` does before
 *                   running SQL, for a URL it has seen (the steady state of polling clients)
 *   (d) new URL     parseODataUrl + PlanCache hit by shape + bind: a URL not seen before whose shape
 *                   was (e.g. another device's uuid) (informational)
 *   (e) cold PG     (b) for PostgreSQL: `$n` numbering scans (and flattens) the whole text (info)
 *   (f) cold+prep   (b) through a fresh PlanCache, i.e. also the SQLite prepare (informational)
 *   (g) parse       parseODataUrl alone (informational)
 *
 * Targets (issue): (b) ≥ 10× (a), (c) ≥ 100× (a). Prints a table, PASS/MISS per target and one line
 * `BENCH_JSON {…}` for scripts/bench.mjs. Always exits 0 unless the setup itself fails.
 *
 *   node --import tsx scripts/bench-odata.ts [--duration-ms=1000] [--rounds=3] [--warmup-ms=500]
 *                                            [--only=reference,cold] [--per-url] [--clock=cpu|wall]
 *
 * Each round runs every contender for `duration-ms`, one after the other; the reported rate is the
 * median over the rounds (interleaving keeps background load from favouring one contender).
 *
 * `--only` runs a subset (handy under `node --cpu-prof`); ratios need `reference` in the set.
 * `--per-url` also prints the slowest URLs for (a) and (b), measured one URL at a time.
 */
import odataParser from '@balena/odata-parser';
import type { Principal } from '../packages/server/src/auth/principal.js';
import { type Database, openDatabase } from '../packages/server/src/db/database.js';
import { migrateToLatest } from '../packages/server/src/db/migrate.js';
import { finishSql } from '../packages/server/src/db/sql/fragment.js';
import { bindValues } from '../packages/server/src/db/sql/values.js';
import type { ParsedRequest } from '../packages/server/src/odata/ast.js';
import { CompileEnv } from '../packages/server/src/odata/compiler/scope.js';
import { compileRead } from '../packages/server/src/odata/compiler/select.js';
import { parseODataUrl } from '../packages/server/src/odata/parse-url.js';
import { PlanCache } from '../packages/server/src/odata/plan-cache.js';
import { ReadPlanner } from '../packages/server/src/odata/read-planner.js';
import { principalShape } from '../packages/server/src/permissions/permissions.js';
import { canEverRead } from '../packages/server/src/resources/access.js';
import { type ResourceDef, resourceDef } from '../packages/server/src/resources/model.js';
import { CAPTURED_URLS } from '../packages/server/test/odata/support/captured-urls.js';

function option(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  const value = arg ? Number(arg.slice(name.length + 3)) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

const DURATION_MS = option('duration-ms', 1000);
const ROUNDS = option('rounds', 3);
const WARMUP_MS = option('warmup-ms', 500);
const ONLY = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const PER_URL = process.argv.includes('--per-url');

const PRINCIPAL: Principal = {
  actorId: 1,
  kind: 'user',
  via: 'session',
  userId: 1,
  applicationId: undefined,
  deviceId: undefined,
  isAdmin: false,
  sessionId: 's',
  authTime: 0,
  apiKeyId: undefined,
  limits: undefined,
};

/** Keeps results observable so the optimiser cannot drop the work. */
let sink = 0;

/** What `ODataService.read()` does before running the statement (minus its error paths). */
function requireReadable(request: ParsedRequest): ResourceDef {
  const def = resourceDef(request.resource);
  if (!def) throw new Error(`unknown resource ${request.resource}`);
  if (!canEverRead(def.name, PRINCIPAL)) throw new Error(`cannot read ${def.name}`);
  return def;
}

/**
 * Which clock a rate is measured on. `cpu` (default): this process's user+system CPU time, GC and
 * helper threads included. On the shared 2-core machine other processes take the CPU at random;
 * wall time then charges their time to whichever contender was running, CPU time does not.
 */
const CLOCK = process.argv.find((a) => a.startsWith('--clock='))?.slice('--clock='.length) ?? 'cpu';
if (CLOCK !== 'cpu' && CLOCK !== 'wall') throw new Error('--clock must be cpu or wall');

/** Elapsed nanoseconds since `start()` on the chosen clock. */
function stopwatch(): () => number {
  if (CLOCK === 'wall') {
    const start = process.hrtime.bigint();
    return () => Number(process.hrtime.bigint() - start);
  }
  const start = process.cpuUsage();
  return () => {
    const d = process.cpuUsage(start);
    return (d.user + d.system) * 1000;
  };
}

/** Runs `fn` over the URL list repeatedly for `ms`; returns URLs/s. The clock is read once per pass. */
function measure(urls: readonly string[], ms: number, fn: (url: string) => void): number {
  const budget = ms * 1e6;
  const elapsed = stopwatch();
  let done = 0;
  let ns = 0;
  do {
    for (const url of urls) fn(url);
    done += urls.length;
    ns = elapsed();
  } while (ns < budget);
  return (done * 1e9) / ns;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

async function main(): Promise<void> {
  // The path after `/v7`, still percent-encoded: what both parsers receive in the server.
  const all = CAPTURED_URLS.map((u) => u.replace(/^\/v7(?=\/)/, ''));

  const db: Database = openDatabase({ dialect: 'sqlite', file: ':memory:' });
  await migrateToLatest(db); // only (d) and the warm cache of (c) prepare statements

  // Keep only URLs every contender handles, so all four loops do the same set.
  const urls: string[] = [];
  const skipped: { url: string; why: string }[] = [];
  for (const url of all) {
    try {
      odataParser.parse(url);
      const request = parseODataUrl(url);
      const def = requireReadable(request);
      compileRead(new CompileEnv(db.dialect, PRINCIPAL), def, request);
      urls.push(url);
    } catch (err) {
      skipped.push({ url, why: err instanceof Error ? err.message : String(err) });
    }
  }
  if (urls.length === 0) throw new Error('no usable URLs');

  const contenders: { id: string; label: string; fn: (url: string) => void }[] = [
    {
      id: 'reference',
      label: '(a) @balena/odata-parser parse only',
      fn: (url) => {
        sink ^= odataParser.parse(url).binds.length;
      },
    },
    {
      id: 'cold',
      label: '(b) ours: parse + compile → SQL (no cache)',
      fn: (url) => {
        const request = parseODataUrl(url);
        const def = requireReadable(request);
        const { query } = compileRead(new CompileEnv(db.dialect, PRINCIPAL), def, request);
        const text = finishSql(query.text, db.dialect);
        sink ^= text.length ^ bindValues(query.slots, request.params, PRINCIPAL).length;
      },
    },
  ];

  // (c) runs the service's own read path. Each call gets a fresh string, as the route's
  // `request.url.slice(3)` does, so the URL map really hashes the URL on every request.
  const planner = new ReadPlanner(new PlanCache(db), db.dialect);
  const withPrefix = new Map(urls.map((u) => [u, `/v7${u}`]));
  contenders.push({
    id: 'cached',
    label: '(c) ours: read path, URL seen before',
    fn: (url) => {
      const { request, plan } = planner.prepare((withPrefix.get(url) as string).slice(3), PRINCIPAL);
      if (!plan) throw new Error('not readable');
      sink ^= plan.bind(request.params, PRINCIPAL).length;
    },
  });

  const warm = new PlanCache(db);
  contenders.push({
    id: 'newUrl',
    label: '(d) ours: parse + plan hit by shape (info)',
    fn: (url) => {
      const request = parseODataUrl(url);
      const def = requireReadable(request);
      const plan = warm.get(`GET|${principalShape(PRINCIPAL)}|${request.shapeKey}`, () =>
        compileRead(new CompileEnv(db.dialect, PRINCIPAL), def, request),
      );
      sink ^= plan.bind(request.params, PRINCIPAL).length;
    },
  });
  contenders.push({
    id: 'coldPg',
    label: '(e) ours: (b) for PostgreSQL ($n) (info)',
    fn: (url) => {
      const request = parseODataUrl(url);
      const def = requireReadable(request);
      const { query } = compileRead(new CompileEnv('postgres', PRINCIPAL), def, request);
      const text = finishSql(query.text, 'postgres');
      sink ^= text.length ^ bindValues(query.slots, request.params, PRINCIPAL).length;
    },
  });
  contenders.push({
    id: 'coldPrepare',
    label: '(f) ours: (b) + SQLite prepare (info)',
    fn: (url) => {
      const request = parseODataUrl(url);
      const def = requireReadable(request);
      const plan = new PlanCache(db).get(`GET|${principalShape(PRINCIPAL)}|${request.shapeKey}`, () =>
        compileRead(new CompileEnv(db.dialect, PRINCIPAL), def, request),
      );
      sink ^= plan.bind(request.params, PRINCIPAL).length;
    },
  });

  contenders.push({
    id: 'parse',
    label: '(g) ours: parse only (info)',
    fn: (url) => {
      sink ^= parseODataUrl(url).params.length;
    },
  });

  if (ONLY) contenders.splice(0, contenders.length, ...contenders.filter((c) => ONLY.includes(c.id)));
  for (const c of contenders) measure(urls, WARMUP_MS, c.fn);
  const missesAfterWarmup = warm.misses;
  const urlMissesAfterWarmup = planner.urlMisses;
  const samples = new Map<string, number[]>(contenders.map((c) => [c.id, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of contenders) samples.get(c.id)?.push(measure(urls, DURATION_MS, c.fn));
  }
  const rate: Record<string, number> = {};
  for (const [id, list] of samples) rate[id] = median(list);
  if (warm.misses !== missesAfterWarmup) throw new Error('the warm plan cache missed during (d)');
  if (planner.urlMisses !== urlMissesAfterWarmup) throw new Error('the read path missed during (c)');
  await db.close();

  const ref = rate.reference ?? Number.NaN;
  const ratios = {
    cold: (rate.cold ?? Number.NaN) / ref,
    cached: (rate.cached ?? Number.NaN) / ref,
    newUrl: (rate.newUrl ?? Number.NaN) / ref,
    coldPg: (rate.coldPg ?? Number.NaN) / ref,
    coldPrepare: (rate.coldPrepare ?? Number.NaN) / ref,
    parse: (rate.parse ?? Number.NaN) / ref,
  };
  const targets = [
    { id: 'cold', label: 'cold parse+compile ≥ 10× reference', ratio: ratios.cold, target: 10 },
    { id: 'cached', label: 'cached read path ≥ 100× reference', ratio: ratios.cached, target: 100 },
  ]
    .filter((t) => !Number.isNaN(t.ratio))
    .map((t) => ({ ...t, pass: t.ratio >= t.target }));

  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log(
    `OData micro-benchmark: ${urls.length} captured URLs (${skipped.length} skipped), ` +
      `median of ${ROUNDS} × ${DURATION_MS} ms (${CLOCK} time) per contender after ${WARMUP_MS} ms warm-up, node ${process.version}`,
  );
  for (const s of skipped) console.log(`  skipped ${s.url}: ${s.why}`);
  console.log('');
  console.log(`${'contender'.padEnd(46)}${'URLs/s'.padStart(14)}${'× (a)'.padStart(10)}`);
  for (const c of contenders) {
    const r = rate[c.id] ?? Number.NaN;
    const ratio = Number.isNaN(ref) ? 'n/a' : (r / ref).toFixed(2);
    console.log(`${c.label.padEnd(46)}${fmt(r).padStart(14)}${ratio.padStart(10)}`);
  }
  console.log('');
  for (const t of targets) {
    console.log(`${t.pass ? 'PASS' : 'MISS'}  ${t.label}: ${t.ratio.toFixed(2)}×`);
  }
  if (PER_URL) {
    const reference = contenders.find((c) => c.id === 'reference');
    const cold = contenders.find((c) => c.id === 'cold');
    if (!reference || !cold) throw new Error('--per-url needs the reference and cold contenders');
    const rows = urls.map((url) => {
      const us = (fn: (u: string) => void) => 1e6 / measure([url], Math.max(50, DURATION_MS / 40), fn);
      return { url, reference: us(reference.fn), cold: us(cold.fn) };
    });
    rows.sort((x, y) => y.cold - x.cold);
    console.log('');
    console.log(`${'cold µs'.padStart(9)}${'ref µs'.padStart(9)}  URL (slowest cold first)`);
    for (const r of rows.slice(0, 15)) {
      console.log(`${r.cold.toFixed(1).padStart(9)}${r.reference.toFixed(1).padStart(9)}  ${r.url}`);
    }
  }
  console.log(
    `BENCH_JSON ${JSON.stringify({
      name: 'odata',
      node: process.version,
      urls: urls.length,
      skipped: skipped.length,
      durationMs: DURATION_MS,
      clock: CLOCK,
      rounds: ROUNDS,
      urlsPerSecond: Object.fromEntries(Object.entries(rate).map(([k, v]) => [k, Math.round(v)])),
      ratios: Object.fromEntries(
        Object.entries(ratios)
          .filter(([, v]) => !Number.isNaN(v))
          .map(([k, v]) => [k, Number(v.toFixed(2))]),
      ),
      targets: Object.fromEntries(targets.map((t) => [t.id, { target: t.target, pass: t.pass }])),
      sink: sink & 1,
    })}`,
  );
}

await main();

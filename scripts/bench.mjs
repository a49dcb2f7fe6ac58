/**
 * `npm run bench`: runs each benchmark step in its own child process, streams its output, and prints
 * a summary at the end. A step reports its machine-readable result as one stdout line
 * `BENCH_JSON {...}`. See docs/benchmarks.md.
 *
 *   npm run bench                  all steps
 *   npm run bench -- odata         only the named steps
 *   npm run bench -- odata --json  also print every result as one JSON array at the end
 *   npm run bench -- http --duration=5 --connections=20   other flags are passed to the steps
 *
 * To add a step (e.g. the HTTP scenarios: Mooring child process vs a bare Fastify ceiling, driven by
 * autocannon), append to STEPS; its script prints BENCH_JSON and the summary below shows it.
 * Steps that crash make the exit code 1; a missed target does not (benchmarks are not tests).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** @type {{ name: string; description: string; command: string[]; onlyWhenNamed?: boolean }[]} */
const STEPS = [
  {
    name: 'odata',
    description: 'OData parse+compile vs @balena/odata-parser (in-process micro-benchmark)',
    command: [process.execPath, '--import', 'tsx', 'scripts/bench-odata.ts'],
  },
  {
    name: 'http',
    description: 'HTTP scenarios: Mooring child process vs a bare Fastify ceiling, driven by autocannon',
    command: [process.execPath, '--import', 'tsx', 'scripts/bench-http.ts'],
  },
  {
    name: 'postgres',
    description: 'Status read and heartbeats on PostgreSQL beside SQLite (two Mooring child processes)',
    command: [process.execPath, '--import', 'tsx', 'scripts/bench-postgres.ts'],
  },
  {
    name: 'scale',
    description:
      '1,000,000 devices: start-up, RSS, status reads vs 10,000 devices, 100,000 pollers (takes ~10 min)',
    command: [process.execPath, '--import', 'tsx', 'scripts/bench-scale.ts'],
  },
  {
    name: 'fleet',
    description: 'Fleet status: a 10,000-device list vs a reference server, 304 polls, trigger cost',
    command: [process.execPath, '--import', 'tsx', 'scripts/bench-fleet.ts'],
  },
  {
    name: 'events',
    description: 'Events: SSE burst and latency, webhooks, stream vs polling CPU (Mooring child process)',
    command: [process.execPath, '--import', 'tsx', 'scripts/bench-events.ts'],
  },
];

/** Runs one step, echoing its output; resolves with its exit code and parsed BENCH_JSON lines. */
function runStep(step) {
  return new Promise((resolve) => {
    const [bin, ...args] = step.command;
    const child = spawn(bin, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const results = [];
    let pending = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('BENCH_JSON ')) results.push(JSON.parse(line.slice('BENCH_JSON '.length)));
      }
    });
    child.on('error', (err) => resolve({ code: 1, results, error: err.message }));
    child.on('close', (code, signal) => resolve({ code: code ?? 1, signal, results }));
  });
}

function summarise(result) {
  const lines = [];
  for (const [id, rate] of Object.entries(result.urlsPerSecond ?? {})) {
    const ratio = result.ratios?.[id];
    lines.push(
      `  ${id.padEnd(14)}${rate.toLocaleString('en-US').padStart(12)} /s${ratio === undefined ? '' : `  ${ratio}× reference`}`,
    );
  }
  for (const o of result.scenarios ?? []) {
    const rate = o.load
      ? `${Math.round(o.load.requestsPerSecond).toLocaleString('en-US')} /s`
      : 'not measurable';
    const ratio = o.ratio === undefined ? '' : `  ${o.ratio.toFixed(2)}× ceiling, p99 ${o.load.p99Ms} ms`;
    lines.push(`  ${o.id.padEnd(20)}${rate.padStart(16)}${ratio}`);
    const ref = o.reference;
    if (ref) {
      const refRate = `${Math.round(ref.requestsPerSecond).toLocaleString('en-US')} /s`;
      lines.push(
        `  ${'  reference design'.padEnd(20)}${refRate.padStart(16)}  ${ref.ofCeilingMedian.toFixed(2)}× ceiling; ${o.id} ${ref.mooringOfReference.toFixed(2)}× of it`,
      );
    }
  }
  if (result.kind === 'postgres') {
    for (const r of result.results ?? [])
      lines.push(`  ${r.id.padEnd(20)}  postgres ÷ sqlite ${r.ratio.toFixed(2)}`);
  }
  for (const [id, t] of Object.entries(result.targets ?? {})) {
    const measured = typeof t.measured === 'number' ? ` (${Math.round(t.measured * 100) / 100})` : '';
    lines.push(`  ${t.pass ? 'PASS' : 'MISS'} ${id} ${t.op ?? '≥'} ${t.target}${t.unit ?? '×'}${measured}`);
  }
  return lines.join('\n');
}

const args = process.argv.slice(2);
const wanted = args.filter((a) => !a.startsWith('--'));
const unknown = wanted.filter((name) => !STEPS.some((s) => s.name === name));
if (unknown.length > 0) {
  console.error(`unknown step(s): ${unknown.join(', ')}; known: ${STEPS.map((s) => s.name).join(', ')}`);
  process.exit(2);
}
const steps =
  wanted.length > 0 ? STEPS.filter((s) => wanted.includes(s.name)) : STEPS.filter((s) => !s.onlyWhenNamed);
// Other flags (e.g. `--duration=5` for http, `--rounds=5` for odata) go to every step; each ignores the rest.
const passThrough = args.filter((a) => a.startsWith('--') && a !== '--json');
for (const step of steps) step.command = [...step.command, ...passThrough];

const outcomes = [];
for (const step of steps) {
  console.log(`\n=== ${step.name}: ${step.description}\n`);
  outcomes.push({ step, ...(await runStep(step)) });
}

console.log('\n=== summary');
for (const { step, code, signal, error, results } of outcomes) {
  const status = code === 0 ? 'ok' : `FAILED (${error ?? (signal ? `signal ${signal}` : `exit ${code}`)})`;
  console.log(`${step.name}: ${status}`);
  for (const result of results) console.log(summarise(result));
}
if (args.includes('--json')) {
  console.log(JSON.stringify(outcomes.flatMap((o) => o.results.map((r) => ({ step: o.step.name, ...r })))));
}
process.exitCode = outcomes.every((o) => o.code === 0) ? 0 : 1;

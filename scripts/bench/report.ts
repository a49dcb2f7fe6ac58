/** Tables, PASS/MISS lines and the BENCH_JSON record of the HTTP benchmark. */
import type { LoadResult } from './load.js';

export interface ScenarioOutcome {
  readonly id: string;
  readonly title: string;
  readonly target: number;
  /** Set when the scenario was timed. */
  readonly load?: LoadResult;
  readonly ratio?: number;
  /** The ratio of every timed round (`ratio` is their median; `load` is that round's). */
  readonly ratios?: readonly number[];
  /** The p99 latency of every timed round, in ms. */
  readonly p99s?: readonly number[];
  /** The paired ceiling run the ratio is relative to (req/s). */
  readonly ceiling?: number;
  /** The paired ceiling's server CPU per request (µs). */
  readonly ceilingCpuUs?: number;
  /** Why it was not timed (its answers were wrong, or the feature is missing). */
  readonly notMeasurable?: string;
  /** Single-use requests that had to be replayed because the precomputed set ran out. */
  readonly overrun?: number;
  /** The scenario's reference design (scripts/bench-reference.ts), timed in the same rounds. */
  readonly reference?: ReferenceOutcome;
}

export interface ReferenceOutcome {
  /** 'plain' (credential + two lookups) or 'signed' (one verification over a precomputed base). */
  readonly design: string;
  /** Target for Mooring ÷ reference. */
  readonly target: number;
  /** In the reported round. */
  readonly requestsPerSecond: number;
  readonly cpuUsPerRequest?: number;
  readonly p99Ms: number;
  /** Reference req/s ÷ the paired ceiling's, every round. */
  readonly ofCeiling: readonly number[];
  /** The median of those. */
  readonly ofCeilingMedian: number;
  /** Mooring's req/s ÷ the reference's in the reported round. */
  readonly mooringOfReference: number;
}

export interface Target {
  readonly id: string;
  readonly op: '≥' | '≤';
  readonly target: number;
  readonly unit: string;
  readonly measured: number | undefined;
  readonly pass: boolean;
}

export const LIMITS = { p99Ms: 20, rssMb: 250, startupMs: 1500 } as const;

const MB = 1024 * 1024;
const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export function targetsOf(
  outcomes: readonly ScenarioOutcome[],
  rssPeakBytes: number | undefined,
  startupMs: number,
): Target[] {
  const targets: Target[] = [];
  const check = (id: string, op: '≥' | '≤', target: number, unit: string, measured: number | undefined) =>
    targets.push({
      id,
      op,
      target,
      unit,
      measured,
      pass: measured !== undefined && (op === '≥' ? measured >= target : measured <= target),
    });
  // A run with non-2xx answers (e.g. replayed signatures) did not measure the scenario: no PASS.
  const clean = (o: ScenarioOutcome): number | undefined => (o.load?.non2xx ? undefined : o.ratio);
  for (const o of outcomes) check(`${o.id} ratio`, '≥', o.target, '×', clean(o));
  for (const o of outcomes) {
    if (o.reference && clean(o) !== undefined) {
      check(`${o.id} of reference`, '≥', o.reference.target, '×', o.reference.mooringOfReference);
    }
  }
  for (const o of outcomes) if (o.load) check(`${o.id} p99`, '≤', LIMITS.p99Ms, ' ms', o.load.p99Ms);
  check('RSS peak', '≤', LIMITS.rssMb, ' MB', rssPeakBytes === undefined ? undefined : rssPeakBytes / MB);
  check('start-up to listening', '≤', LIMITS.startupMs, ' ms', startupMs);
  return targets;
}

/** Ceiling CPU per request ÷ scenario CPU per request: the ratio if the server were the bottleneck. */
export function cpuRatio(o: ScenarioOutcome): number | undefined {
  const mine = o.load?.cpuUsPerRequest;
  return mine === undefined || o.ceilingCpuUs === undefined || mine === 0 ? undefined : o.ceilingCpuUs / mine;
}

export function scenarioTable(ceiling: LoadResult, outcomes: readonly ScenarioOutcome[]): string {
  const head = [
    'scenario',
    'req/s',
    'p50 ms',
    'p99 ms',
    'CPU µs/req',
    'ceiling',
    'ratio',
    'rounds',
    'CPU ratio',
    'target',
    '',
  ];
  const rows: string[][] = [
    [
      'ceiling (bare Fastify, mean)',
      fmt(ceiling.requestsPerSecond),
      `≤ ${ceiling.p50Ms}`,
      `≤ ${ceiling.p99Ms}`,
      ceiling.cpuUsPerRequest === undefined ? '?' : fmt(ceiling.cpuUsPerRequest),
    ],
  ];
  for (const o of outcomes) {
    if (!o.load || o.ratio === undefined) {
      rows.push([
        o.id,
        '—',
        '—',
        '—',
        '—',
        '—',
        '—',
        `≥ ${o.target}`,
        `not measurable: ${o.notMeasurable ?? '?'}`,
      ]);
      continue;
    }
    const notes: string[] = [o.ratio >= o.target && o.load.non2xx === 0 ? 'PASS' : 'MISS'];
    if (o.load.non2xx > 0 || o.load.errors > 0)
      notes.push(`${o.load.non2xx} non-2xx, ${o.load.errors} errors`);
    if (o.overrun) notes.push(`${o.overrun} replayed (precomputed set too small)`);
    rows.push([
      o.id,
      fmt(o.load.requestsPerSecond),
      String(o.load.p50Ms),
      String(o.load.p99Ms),
      o.load.cpuUsPerRequest === undefined ? '?' : fmt(o.load.cpuUsPerRequest),
      o.ceiling === undefined ? '?' : fmt(o.ceiling),
      fmt(o.ratio, 2),
      (o.ratios ?? [o.ratio]).map((r) => fmt(r, 2)).join(' / '),
      cpuRatio(o) === undefined ? '?' : fmt(cpuRatio(o) as number, 2),
      `≥ ${o.target}`,
      notes.join('; '),
    ]);
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) =>
        i === 0 || i === cells.length - 1 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

export function targetLines(targets: readonly Target[]): string {
  return targets
    .map((t) => {
      const measured =
        t.measured === undefined ? 'not measured' : `${fmt(t.measured, t.unit === '×' ? 2 : 1)}${t.unit}`;
      return `${t.pass ? 'PASS' : 'MISS'} ${t.id} ${t.op} ${t.target}${t.unit}: ${measured}`;
    })
    .join('\n');
}

export const mb = (bytes: number | undefined): string =>
  bytes === undefined ? '?' : `${fmt(bytes / MB, 1)} MB`;

/**
 * The reference design's lines under the table: what the minimal correct design (Fastify + SHA-256
 * of the credential + two indexed lookups) reaches here for each scenario it answers, so each ratio
 * target can be read against the simplest design on this machine.
 */
export function referenceLine(outcomes: readonly ScenarioOutcome[]): string | undefined {
  const lines = outcomes.flatMap((o) => {
    const ref = o.reference;
    if (!ref) return [];
    const shares = ref.ofCeiling.map((r) => r.toFixed(2));
    return [
      `  ${o.id} (${ref.design}): ${fmt(ref.requestsPerSecond)} req/s, p99 ${ref.p99Ms} ms` +
        `${ref.cpuUsPerRequest === undefined ? '' : `, ${fmt(ref.cpuUsPerRequest)} µs CPU/req`}; ` +
        `${ref.ofCeilingMedian.toFixed(2)} of the ceiling (rounds ${shares.join(' / ')}); ` +
        `Mooring ${ref.mooringOfReference.toFixed(2)} of it (target ≥ ${ref.target}), ` +
        `of the ceiling ${o.ratio?.toFixed(2) ?? '?'}` +
        (ref.cpuUsPerRequest !== undefined && o.load?.cpuUsPerRequest
          ? `; by server CPU per request ${(ref.cpuUsPerRequest / o.load.cpuUsPerRequest).toFixed(2)}`
          : ''),
    ];
  });
  if (lines.length === 0) return undefined;
  return [
    '\nreference designs (scripts/bench-reference.ts): plain = Fastify + SHA-256 of the credential + two indexed SQLite lookups; signed = bare Fastify + one verification over a precomputed signature base',
    ...lines,
  ].join('\n');
}

/**
 * Reads a V8 `.cpuprofile` (from `node --cpu-prof`) and lists the functions with the most self time,
 * and the most inclusive time per source file, so "where does the time go" is one command:
 *
 *   node --import tsx scripts/bench/profile.ts bench-profiles/CPU.….cpuprofile [--top=30] [--skip-ms=N]
 *
 * `--skip-ms` ignores the first N ms of the profile (start-up, seeding logins); bench-http passes the
 * time from spawn to its first timed run.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly hitCount?: number;
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Only the samples taken `skipMs` or later after the profile started (drops start-up work). */
function fromMs(profile: CpuProfile, skipMs: number): CpuProfile {
  if (skipMs <= 0) return profile;
  let t = 0;
  let first = profile.samples.length;
  for (let i = 0; i < profile.timeDeltas.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (t >= skipMs * 1000) {
      first = i;
      break;
    }
  }
  return { ...profile, samples: profile.samples.slice(first), timeDeltas: profile.timeDeltas.slice(first) };
}

export interface ProfileLine {
  readonly name: string;
  readonly percent: number;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url === '' ? '' : relative(ROOT, url.replace(/^file:\/\//, ''));
  return `${functionName || '(anonymous)'} ${file === '' ? '' : `${file}:${lineNumber + 1}`}`.trim();
}

/** Self time per function (percent of all samples, idle and GC included so the rest is honest). */
export function selfTime(profile: CpuProfile, top: number): ProfileLine[] {
  const counts = new Map<number, number>();
  for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
  const byLabel = new Map<string, number>();
  for (const node of profile.nodes) {
    const n = counts.get(node.id) ?? 0;
    if (n > 0) byLabel.set(label(node), (byLabel.get(label(node)) ?? 0) + n);
  }
  const total = profile.samples.length || 1;
  return [...byLabel]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, n]) => ({ name, percent: (100 * n) / total }));
}

/** Samples under each package/file (first frame from that file on the stack counts once). */
export function inclusiveByFile(profile: CpuProfile, top: number): ProfileLine[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const group = (url: string): string => {
    const path = relative(ROOT, url.replace(/^file:\/\//, ''));
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
    return pkg ? `[${pkg}]` : path;
  };
  const counts = new Map<string, number>();
  for (const sample of profile.samples) {
    const seen = new Set<string>();
    for (let id: number | undefined = sample; id !== undefined; id = parent.get(id)) {
      const url = byId.get(id)?.callFrame.url ?? '';
      if (url !== '') seen.add(group(url));
    }
    for (const g of seen) counts.set(g, (counts.get(g) ?? 0) + 1);
  }
  const total = profile.samples.length || 1;
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, n]) => ({ name, percent: (100 * n) / total }));
}

export function summarizeProfile(path: string, top = 25, skipMs = 0): string {
  const profile = fromMs(JSON.parse(readFileSync(path, 'utf8')) as CpuProfile, skipMs);
  const lines = (rows: ProfileLine[]): string =>
    rows.map((r) => `${r.percent.toFixed(1).padStart(6)} %  ${r.name}`).join('\n');
  return [
    `self time, top ${top} (${profile.samples.length} samples${skipMs > 0 ? `, from ${skipMs} ms on` : ''}):`,
    lines(selfTime(profile, top)),
    '',
    'inclusive time by package / file:',
    lines(inclusiveByFile(profile, top)),
    '',
    // Seen in session 7: readJson at 35 % self time here, its SQLite statement at 6 % under perf.
    'note: time inside native calls (better-sqlite3, node:crypto) can be charged to the JavaScript',
    'function that made the call; for native costs use perf (docs/benchmarks.md, session 7)',
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: profile.ts <file.cpuprofile> [--top=N]\n');
    process.exit(2);
  }
  const top = Number(process.argv.find((a) => a.startsWith('--top='))?.slice(6) ?? 25);
  const skip = Number(process.argv.find((a) => a.startsWith('--skip-ms='))?.slice(10) ?? 0);
  process.stdout.write(`${summarizeProfile(file, top, skip)}\n`);
}

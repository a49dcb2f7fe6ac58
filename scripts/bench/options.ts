/** Command-line flags of scripts/bench-http.ts (`--name=value`; see docs/benchmarks.md). */
import { DEFAULT_SIZES, type SeedSizes } from './seed.js';

export interface HttpBenchOptions {
  /** Timed seconds per scenario. */
  readonly duration: number;
  /** Untimed seconds per scenario before the timed run (JIT, caches, SQLite page cache). */
  readonly warmup: number;
  readonly connections: number;
  /** Timed ceiling + scenario pairs per scenario; the pair with the median ratio is reported. */
  readonly rounds: number;
  /** Scenario ids to run (default all); the ceiling always runs. */
  readonly only: readonly string[] | undefined;
  /** Reuse packages/server/dist even when sources are newer. */
  readonly skipBuild: boolean;
  /** Directory for `--cpu-prof` of the Mooring child; undefined = no profile. */
  readonly cpuProfDir: string | undefined;
  readonly sizes: SeedSizes;
  /** Keep the temporary data directory (database, secret) for inspection. */
  readonly keep: boolean;
}

export function parseOptions(argv: readonly string[]): HttpBenchOptions {
  const value = (name: string): string | undefined => {
    const arg = argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
    if (arg === undefined) return undefined;
    return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : '';
  };
  const number = (name: string, fallback: number, min: number): number => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}`);
    return n;
  };
  const prof = value('cpu-prof');
  return {
    duration: number('duration', 5, 1),
    warmup: number('warmup', 3, 0),
    connections: Math.floor(number('connections', 50, 1)),
    rounds: Math.floor(number('rounds', 3, 1)),
    only: value('only')
      ?.split(',')
      .filter((s) => s !== ''),
    skipBuild: value('skip-build') !== undefined,
    cpuProfDir: prof === undefined ? undefined : prof === '' ? 'bench-profiles' : prof,
    sizes: {
      ...DEFAULT_SIZES,
      devices: Math.floor(number('devices', DEFAULT_SIZES.devices, 100)),
      fleets: Math.floor(number('fleets', DEFAULT_SIZES.fleets, 2)),
      namedKeys: Math.floor(number('keys', DEFAULT_SIZES.namedKeys, 10)),
      deviceKeys: Math.floor(number('device-keys', DEFAULT_SIZES.deviceKeys, 10)),
    },
    keep: value('keep') !== undefined,
  };
}

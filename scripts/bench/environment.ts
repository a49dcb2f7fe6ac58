/** Build freshness, machine and commit facts for the HTTP benchmark report. */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Runs `npm run build` unless packages/server/dist/main.js is newer than every source file of the
 * server and protocol packages. Returns what it did, for the log.
 */
export function ensureBuilt(root: string, skip: boolean): string {
  const main = join(root, 'packages/server/dist/main.js');
  let built = 0;
  try {
    built = statSync(main).mtimeMs;
  } catch {
    built = 0;
  }
  if (skip && built > 0) return 'using the existing build (--skip-build)';
  const sources = Math.max(
    newestMtime(join(root, 'packages/server/src')),
    newestMtime(join(root, 'packages/protocol/src')),
  );
  if (built > sources) return 'build is fresh';
  const result = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`npm run build failed (exit ${result.status})`);
  return 'built with npm run build';
}

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly loadAverage: readonly number[];
  readonly node: string;
  readonly commit: string;
}

export function machine(root: string): Machine {
  let commit = 'unknown';
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root })
      .toString()
      .trim();
    commit = dirty === '' ? head : `${head}+uncommitted`;
  } catch {
    // not a git checkout: leave "unknown"
  }
  const list = cpus();
  return {
    cpu: list[0]?.model ?? 'unknown',
    cores: list.length,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    node: process.version,
    commit,
  };
}

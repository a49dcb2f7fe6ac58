import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

const DASHBOARD_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * A production build of the dashboard into a fresh temporary folder, from the current sources, so
 * the tests never depend on (nor race over) packages/dashboard/dist.
 */
export async function buildDashboard(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'mooring-dashboard-build-'));
  // Vitest sets NODE_ENV=test, and Vite would then bundle React's development build: the tests must
  // see (and measure) what `npm run build` ships.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      configFile: join(DASHBOARD_ROOT, 'vite.config.ts'),
      root: DASHBOARD_ROOT,
      mode: 'production',
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  return outDir;
}

/**
 * Every file of a build with its gzipped size (what a browser downloads with compression). The
 * build's own `.gz`/`.br` copies are left out: they are alternatives, not extra downloads.
 */
export function gzippedSizes(dir: string): Map<string, number> {
  const sizes = new Map<string, number>();
  const walk = (current: string): void => {
    for (const name of readdirSync(current)) {
      const path = join(current, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (!/\.(gz|br)$/.test(name))
        sizes.set(path.slice(dir.length + 1), gzipSync(readFileSync(path), { level: 9 }).length);
    }
  };
  walk(dir);
  return sizes;
}

import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './cli.js';

const LOCK = join(tmpdir(), `mooring-tsc-build-${Buffer.from(ROOT).toString('hex').slice(-24)}.lock`);
/** A lock older than this belongs to a build that died: taken over. */
const STALE_MS = 15 * 60_000;

/**
 * `tsc -b packages/cli` (protocol, server, SDK and CLI), one build at a time: vitest runs test files
 * in parallel processes, and two builds writing the same dist/ and .tsbuildinfo files at once can
 * leave either one broken. Incremental, so a no-op when everything is up to date. Resolves with the
 * compiler's exit status and output.
 */
export async function buildCli(): Promise<{ code: number; output: string }> {
  await acquire();
  try {
    return await new Promise((resolve) => {
      execFile(
        process.execPath,
        [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'packages/cli'],
        { cwd: ROOT, maxBuffer: 10_000_000 },
        (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
          resolve({ code, output: stdout + stderr });
        },
      );
    });
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

async function acquire(): Promise<void> {
  for (;;) {
    try {
      mkdirSync(LOCK); // atomic: exactly one process creates it
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > STALE_MS) rmSync(LOCK, { recursive: true, force: true });
      } catch {
        // released meanwhile
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

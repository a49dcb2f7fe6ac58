import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { scanForSecrets } from './secret-scan.js';

/**
 * Whether the PostgreSQL half of the suite runs (`dialects()` in databases.ts). Without
 * MOORING_TEST_DATABASE_URL it is skipped loudly on a workstation, but under CI it is a failure
 * (`.ci/run` starts a throwaway cluster), never a silent SQLite-only pass.
 */
export function postgresEnabled(
  env: Readonly<Record<string, string | undefined>> = process.env,
  warn: (message: string) => void = (message) => process.stderr.write(message),
): boolean {
  if (env.MOORING_TEST_DATABASE_URL) return true;
  const ci = env.CI;
  if (ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false') {
    throw new Error(
      'MOORING_TEST_DATABASE_URL is unset but CI is set: the PostgreSQL tests must run in CI ' +
        '(.ci/run starts a throwaway cluster)',
    );
  }
  warn(
    '\n*** SKIPPING every PostgreSQL test: MOORING_TEST_DATABASE_URL is not set, so this run covers ' +
      'SQLite only. Set it (README, "Tests") to run both dialects. ***\n\n',
  );
  return false;
}

/*
 * vitest globalSetup: one directory per run for captured log lines and recorded secrets (see
 * secret-ledger.ts), and, after every test file has finished, the scan that fails the run when any
 * secret appears in any log line. Runs in the main process, so the result does not depend on the
 * order or the parallelism of test files.
 */
const ROOT = resolve(import.meta.dirname, '../../../../test-output');

export function setup(): () => void {
  // Once per run, before any worker starts; throws (failing the run) under CI.
  postgresEnabled();
  const dir = join(ROOT, `run-${Date.now()}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  // Workers are forked after this and inherit the environment.
  process.env.MOORING_TEST_OUTPUT_DIR = dir;
  return () => {
    const { leaks, secrets, lines } = scanForSecrets(dir);
    const report = [
      `secret scan: ${secrets} secrets recorded, ${lines} log lines scanned, ${leaks.length} leaks`,
      ...leaks.slice(0, 50).map((l) => `  ${l.kind} ${l.masked} in ${l.file}:${l.line}`),
    ].join('\n');
    writeFileSync(join(dir, 'secret-scan.txt'), `${report}\n`);
    if (leaks.length > 0) {
      // vitest reports a teardown error but keeps the exit code of the tests; force a failing run.
      process.exitCode = 1;
      throw new Error(`Secrets found in captured log lines (${dir}):\n${report}`);
    }
    // Clean runs leave nothing behind but the summary.
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'secret-scan.txt'), `${report}\n`);
    process.stdout.write(`${report}\n`);
  };
}

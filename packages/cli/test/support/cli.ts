import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
/** The CLI's real entry, run by node through tsx (no build step needed on a clean clone). */
export const CLI_ENTRY = join(ROOT, 'packages/cli/src/main.ts');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  /** Extra environment; nothing else is inherited from the test process but PATH. */
  readonly env?: Record<string, string>;
  /** Written to stdin, which is then closed (stdin is a pipe, never a terminal). */
  readonly input?: string;
  readonly timeoutMs?: number;
}

/** A fresh, private configuration directory: each test gets its own stored sessions. */
export function tempConfigDir(): string {
  return mkdtempSync(join(tmpdir(), 'mooring-cli-'));
}

/** Runs `mooring <args>` as a separate node process and collects its output and exit status. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI_ENTRY, ...args], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? tmpdir(),
        TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.json'),
        NO_COLOR: '1',
        ...options.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 25_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildCli } from './support/build.js';
import { ROOT, tempConfigDir } from './support/cli.js';
import { ADMIN_PASSWORD, type ListeningServer, startListeningServer } from './support/server.js';

// Building the workspace with tsc on a busy two-core machine takes a minute or more.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 600_000 });

const BIN = join(ROOT, 'packages/cli/bin/mooring.js');

function run(
  command: string,
  args: readonly string[],
  options: { env?: Record<string, string>; input?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/**
 * The installed form: `bin/mooring.js` running the compiled `dist/`, with `@mooring/sdk` and
 * `@mooring/server` resolved through node_modules as a user gets them (no tsx, no path aliases).
 */
describe('the compiled mooring binary', () => {
  let server: ListeningServer;

  beforeAll(async () => {
    // Incremental: a no-op when dist/ is up to date, a full build on a clean clone.
    const build = await buildCli();
    expect(build.output).toBe('');
    expect(build.code).toBe(0);
    server = await startListeningServer('sqlite');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8')) as {
      version: string;
    };
    expect(await run(process.execPath, [BIN, '--version'])).toEqual({
      code: 0,
      stdout: `${version}\n`,
      stderr: '',
    });
  });

  it('logs in with a piped password and answers whoami', async () => {
    const env = { MOORING_CONFIG_DIR: tempConfigDir(), MOORING_API_URL: server.url };
    const login = await run(process.execPath, [BIN, 'login', '-u', 'admin'], {
      env,
      input: `${ADMIN_PASSWORD}\n`,
    });
    expect(login).toEqual({ code: 0, stdout: `Logged in to ${server.url} as admin.\n`, stderr: '' });
    const me = await run(process.execPath, [BIN, 'whoami', '--json'], { env });
    expect(me.code).toBe(0);
    expect(JSON.parse(me.stdout)).toMatchObject({
      credential: 'session',
      actor: { type: 'user', username: 'admin' },
    });
  });

  it('loads the compiled server for db migrate', async () => {
    const dataDir = tempConfigDir();
    const result = await run(process.execPath, [BIN, 'db', 'migrate', '--json'], {
      env: { MOORING_DATA_DIR: dataDir, MOORING_LOG_LEVEL: 'warn' },
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).applied).toContain('0001_foundation');
  });
});

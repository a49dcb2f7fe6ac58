import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { CLI_ENTRY, runCli, tempConfigDir } from './support/cli.js';

// Every test spawns several node processes; on a busy two-core machine each takes a second or more.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const PASSWORD = 'a long serve-test password';

describe('mooring serve and db migrate (SQLite in a fresh data directory)', () => {
  it('db migrate applies every migration once, then reports the database up to date', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mooring-data-'));
    const env = { MOORING_DATA_DIR: dataDir, MOORING_LOG_LEVEL: 'warn', MOORING_CONFIG_DIR: tempConfigDir() };
    const first = await runCli(['db', 'migrate', '--json'], { env });
    expect(first.code).toBe(0);
    const applied = JSON.parse(first.stdout) as { applied: string[]; dialect: string };
    expect(applied.dialect).toBe('sqlite');
    expect(applied.applied[0]).toBe('0001_foundation');
    expect(existsSync(join(dataDir, 'mooring.sqlite'))).toBe(true);

    const again = await runCli(['db', 'migrate'], { env });
    expect(again).toEqual({ code: 0, stdout: 'The sqlite database is up to date.\n', stderr: '' });
  });

  it('a bad server setting is a usage error naming the variable', async () => {
    const result = await runCli(['serve'], {
      env: { MOORING_PORT: 'abc', MOORING_CONFIG_DIR: tempConfigDir() },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'mooring: configuration error: MOORING_PORT=abc is invalid: expected an integer from 0 to 65535\n',
    );
  });

  it('serve listens, answers the CLI, and stops cleanly on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mooring-data-'));
    const child = spawn(process.execPath, ['--import', 'tsx', CLI_ENTRY, 'serve', '--port', '0'], {
      cwd: join(CLI_ENTRY, '../../../..'),
      env: {
        PATH: process.env.PATH ?? '',
        MOORING_DATA_DIR: dataDir,
        MOORING_ADMIN_PASSWORD: PASSWORD,
        MOORING_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          stdout += chunk;
          const match = /Mooring is listening on (http:\/\/\S+) \(database: sqlite\)/.exec(stdout);
          if (match?.[1] && stdout.includes('Created administrator')) resolve(match[1]);
        });
        void exited.then((code) => reject(new Error(`serve exited with ${code}: ${stdout}`)));
      });
      expect(stdout).toContain(
        'Created administrator "admin" in organization "admin" with the password from MOORING_ADMIN_PASSWORD.',
      );

      const env = { MOORING_CONFIG_DIR: tempConfigDir(), MOORING_API_URL: url };
      expect((await runCli(['login', '-u', 'admin'], { input: `${PASSWORD}\n`, env })).code).toBe(0);
      const me = await runCli(['whoami', '--json'], { env });
      expect(JSON.parse(me.stdout).actor.username).toBe('admin');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});

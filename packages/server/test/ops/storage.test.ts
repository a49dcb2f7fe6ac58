import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { lockDataDir, prepareDataDir, prepareStorage, StorageError } from '../../src/storage/data-dir.js';
import { ROOT, runServerToExit, startServerProcess } from '../support/server-process.js';

/*
 * Issue 22 §5: one process per SQLite data directory, and storage that cannot be written stops the
 * start with a message naming the path. Real processes (`node --import tsx src/main.ts`), because
 * the lock must hold between processes and be dropped by the kernel when one is killed.
 */

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const NOBODY = 65_534;
const isRoot = process.getuid?.() === 0;
const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'mooring-storage-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const pidIn = (dataDir: string): number =>
  (JSON.parse(readFileSync(join(dataDir, 'mooring.pid'), 'utf8')) as { pid: number }).pid;

describe('one process per SQLite data directory', () => {
  it('refuses a second process with a message naming the directory and the holder; a clean stop lets the next in', async () => {
    const dataDir = join(tempDir(), 'data');
    const first = await startServerProcess({ MOORING_DATA_DIR: dataDir });
    try {
      const holder = pidIn(dataDir);
      const second = await runServerToExit({ MOORING_DATA_DIR: dataDir });
      expect(second.code).toBe(3);
      expect(second.stderr).toContain(
        `the data directory ${dataDir} is in use by another Mooring process (pid ${holder}`,
      );
      expect(second.stdout).not.toContain('listening');
      // The first one never noticed.
      expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    } finally {
      await first.stop();
    }
    expect(existsSync(join(dataDir, 'mooring.pid'))).toBe(false);
    const third = await startServerProcess({ MOORING_DATA_DIR: dataDir });
    try {
      expect(third.stdout()).not.toContain('did not stop cleanly');
    } finally {
      await third.stop();
    }
  });

  it('after kill -9 the lock is free at once, and the next start says the previous one did not stop cleanly', async () => {
    const dataDir = join(tempDir(), 'data');
    const first = await startServerProcess({ MOORING_DATA_DIR: dataDir });
    const pid = pidIn(dataDir);
    process.kill(pid, 'SIGKILL');
    await first.stop();
    const next = await startServerProcess({ MOORING_DATA_DIR: dataDir });
    try {
      const line = await next.waitFor(/.*did not stop cleanly.*/);
      expect(JSON.parse(line[0])).toMatchObject({ level: 40, previousPid: pid, devicesHeld: 0 });
      expect((await fetch(`${next.url}/healthz`)).status).toBe(200);
    } finally {
      await next.stop();
    }
  });

  it('holds within one process too (a second lock on the same directory is refused), and releases', () => {
    const dir = tempDir();
    const lock = lockDataDir(dir);
    try {
      expect(() => lockDataDir(dir)).toThrow(StorageError);
      expect(() => lockDataDir(dir)).toThrow(
        `the data directory ${dir} is in use by another Mooring process (pid ${process.pid}`,
      );
    } finally {
      lock.release();
    }
    const again = lockDataDir(dir);
    expect(again.uncleanStop).toBeUndefined();
    again.release();
  });
});

describe('storage that cannot be written stops the start, naming the path', () => {
  it('a data directory below a regular file', async () => {
    const file = join(tempDir(), 'not-a-directory');
    writeFileSync(file, 'x');
    const dataDir = join(file, 'data');
    expect(() => prepareDataDir(dataDir)).toThrow(`the data directory ${dataDir} cannot be created`);
    const run = await runServerToExit({ MOORING_DATA_DIR: dataDir });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(
      `mooring: cannot start: the data directory ${dataDir} cannot be created: ENOTDIR`,
    );
    expect(run.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });

  /** `chattr +i` binds root too; it needs an ext2/3/4-like file system (the test says if it has none). */
  const immutable = (dir: string): boolean =>
    spawnSync('chattr', ['+i', dir], { stdio: 'ignore' }).status === 0;
  const chattrWorks = isRoot && immutable(tempDir());
  for (const dir of dirs) spawnSync('chattr', ['-i', dir], { stdio: 'ignore' });

  it.skipIf(!chattrWorks)(
    'an immutable data directory: refused on SQLite, accepted on PostgreSQL, where nothing is written there (needs chattr)',
    () => {
      const dir = tempDir();
      expect(immutable(dir)).toBe(true);
      try {
        const sqlite = loadConfig({ MOORING_DATA_DIR: dir });
        expect(() => prepareStorage(sqlite)).toThrow(`the data directory ${dir} is not writable: EPERM`);
        const postgres = loadConfig({
          MOORING_DATA_DIR: dir,
          MOORING_DATABASE_URL: 'postgres://u@127.0.0.1:1/db',
          MOORING_SECRET: 'storage-test-secret-0123456789abcdef',
        });
        expect(prepareStorage(postgres).uncleanStop).toBeUndefined();
      } finally {
        spawnSync('chattr', ['-i', dir], { stdio: 'ignore' });
      }
    },
  );

  /** As a service account would run it: permissions only bind a user that is not root. */
  function runAsNobody(
    env: Record<string, string>,
  ): Promise<{ code: number | null; stderr: string; stdout: string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      cwd: ROOT,
      uid: NOBODY,
      gid: NOBODY,
      env: {
        PATH: process.env.PATH ?? '',
        MOORING_HOST: '127.0.0.1',
        MOORING_PORT: '0',
        MOORING_LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    child.stderr?.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    return new Promise((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  it.skipIf(!isRoot)(
    'a data directory the server user may not write (run as nobody; needs root to switch user)',
    async () => {
      const parent = tempDir();
      chmodSync(parent, 0o755);
      const dataDir = join(parent, 'data');
      prepareDataDir(dataDir); // root's
      chmodSync(dataDir, 0o755); // nobody may enter and read, not write
      const run = await runAsNobody({ MOORING_DATA_DIR: dataDir });
      expect(run.code).toBe(3);
      expect(run.stderr).toContain(`the data directory ${dataDir} is not writable: EACCES`);
    },
  );

  it.skipIf(!isRoot)('a database file the server user may not write (run as nobody)', async () => {
    const parent = tempDir();
    chmodSync(parent, 0o755);
    const dataDir = join(parent, 'data');
    const secret = 'storage-test-secret-0123456789abcdef';
    // A real database, made by a normal start as root, then left to a user that cannot write it.
    const first = await startServerProcess({ MOORING_DATA_DIR: dataDir, MOORING_SECRET: secret });
    await first.stop();
    // Everything is nobody's (the directory, the lock, the secret) except the database file.
    chownSync(dataDir, NOBODY, NOBODY);
    for (const name of readdirSync(dataDir)) chownSync(join(dataDir, name), NOBODY, NOBODY);
    const file = join(dataDir, 'mooring.sqlite');
    chownSync(file, 0, 0);
    chmodSync(file, 0o644);
    const run = await runAsNobody({ MOORING_DATA_DIR: dataDir, MOORING_SECRET: secret });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`the database ${file}`);
    expect(run.stderr).toMatch(/not writable|cannot be opened/);
    expect(run.stdout).not.toContain('listening');
  });
});

import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';

/*
 * The embedded deployment keeps state in memory that only one process may hold (the replay store of
 * signed requests, the heartbeat buffers): a second process on the same data directory would accept
 * a replayed nonce or lose polls. So the data directory is locked, and its storage proven writable,
 * before anything is served; each failure stops the start with a message naming the path.
 */

/** A start refused because of the data directory or the database file; the message names the path. */
export class StorageError extends Error {
  override readonly name = 'StorageError';
}

/** What the previous holder of the lock left behind when it did not stop cleanly (kill -9, crash). */
export interface UncleanStop {
  readonly pid: number;
  /** The last moment it was known alive (epoch ms, within {@link ALIVE_INTERVAL_MS}). */
  readonly aliveAt: number;
}

export interface Storage {
  /** Set when the previous process on this data directory was killed or crashed (SQLite only). */
  readonly uncleanStop: UncleanStop | undefined;
  /** Opens the database through `open`: errors name the file, and SQLite must accept a write. */
  openDatabase(open: () => Database): Database;
  /** Lets the next process in (after the database is closed); a clean stop. */
  release(): void;
}

/** How often the lock holder records that it is alive (the mtime of the pid file). */
export const ALIVE_INTERVAL_MS = 1000;
const LOCK_FILE = 'mooring.lock';
const PID_FILE = 'mooring.pid';

/**
 * Creates the data directory (0700) and proves it writable; on SQLite also locks it for this process.
 * PostgreSQL deployments only need the directory: any number of instances share the database.
 */
export function prepareStorage(config: Config): Storage {
  const dir = config.dataDir;
  if (config.databaseUrl !== undefined) {
    // Nothing is written there on PostgreSQL (the secret comes from MOORING_SECRET): a read-only
    // directory, as in a container with a read-only file system, is fine.
    createDataDir(dir);
    return { uncleanStop: undefined, openDatabase: (open) => open(), release: () => undefined };
  }
  prepareDataDir(dir);
  const lock = lockDataDir(dir);
  const file = join(dir, 'mooring.sqlite');
  return {
    uncleanStop: lock.uncleanStop,
    openDatabase: (open) => {
      try {
        const db = open();
        if (db.sqlite) assertWritable(db.sqlite, file);
        return db;
      } catch (error) {
        lock.release();
        if (error instanceof StorageError) throw error;
        throw new StorageError(`the database ${file} cannot be opened: ${describe(error)}`);
      }
    },
    release: () => lock.release(),
  };
}

/** mkdir -p (0700), then a file created, written, synced and removed: what the server will do there. */
export function prepareDataDir(dir: string): void {
  createDataDir(dir);
  const probe = join(dir, `.write-test-${process.pid}`);
  try {
    const fd = openSync(probe, 'w', 0o600);
    try {
      writeSync(fd, 'mooring');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    unlinkSync(probe);
  } catch (error) {
    rmSync(probe, { force: true });
    throw new StorageError(
      `the data directory ${dir} is not writable: ${describe(error)} (give the server's user write access, or set MOORING_DATA_DIR)`,
    );
  }
}

function createDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new StorageError(
      `the data directory ${dir} cannot be created: ${describe(error)} (MOORING_DATA_DIR)`,
    );
  }
  if (!statSync(dir).isDirectory()) {
    throw new StorageError(`the data directory ${dir} is not a directory (MOORING_DATA_DIR)`);
  }
}

/**
 * A write SQLite would really do (the schema version, rolled back). A database file that cannot be
 * written opens read-only without a word, passes migrations that have nothing to do, and would then
 * fail every write with a 500: refuse the start instead.
 */
function assertWritable(sqlite: SQLite.Database, file: string): void {
  try {
    const version = Number(sqlite.pragma('user_version', { simple: true }));
    sqlite.exec('BEGIN IMMEDIATE');
    try {
      sqlite.pragma(`user_version = ${version}`);
    } finally {
      sqlite.exec('ROLLBACK');
    }
  } catch (error) {
    throw new StorageError(`the database ${file} is not writable: ${describe(error)}`);
  }
}

export interface DataDirLock {
  readonly uncleanStop: UncleanStop | undefined;
  release(): void;
}

/**
 * An exclusive lock on `<dir>/mooring.lock`, held through SQLite's own file locking (POSIX advisory
 * locks on the lock database, kept by `locking_mode = EXCLUSIVE` for the life of the connection).
 * The kernel drops it when the process dies, however it dies, so there is no stale lock to detect
 * and no PID to trust; a second process, or a second open in this one, gets SQLITE_BUSY at once.
 * `mooring.pid` beside it only says who holds it (for the refusal message) and, if it is still
 * there when the lock is taken, that the previous holder never released it: it was killed.
 */
export function lockDataDir(dir: string): DataDirLock {
  const lockFile = join(dir, LOCK_FILE);
  const pidFile = join(dir, PID_FILE);
  let db: SQLite.Database;
  try {
    db = new SQLite(lockFile, { timeout: 0 });
  } catch (error) {
    throw new StorageError(`the lock file ${lockFile} cannot be opened: ${describe(error)}`);
  }
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS lock (pid INTEGER NOT NULL, started_at INTEGER NOT NULL)');
    db.exec('DELETE FROM lock');
    db.prepare('INSERT INTO lock (pid, started_at) VALUES (?, ?)').run(process.pid, Date.now());
    db.exec('COMMIT');
  } catch (error) {
    db.close();
    if ((error as { code?: unknown }).code === 'SQLITE_BUSY') {
      throw new StorageError(
        `the data directory ${dir} is in use by another Mooring process${holderOf(pidFile)}: ` +
          'one process per SQLite data directory (stop the other one, or give this one its own MOORING_DATA_DIR; ' +
          'for several instances use PostgreSQL)',
      );
    }
    throw new StorageError(`the lock file ${lockFile} cannot be locked: ${describe(error)}`);
  }
  const uncleanStop = previousHolder(pidFile);
  writeFileSync(
    pidFile,
    `${JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString() })}\n`,
    {
      mode: 0o600,
    },
  );
  const alive = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(pidFile, now, now);
    } catch {
      // Only a hint for the next start; the lock itself is what keeps others out.
    }
  }, ALIVE_INTERVAL_MS);
  alive.unref();
  let released = false;
  return {
    uncleanStop,
    release: () => {
      if (released) return;
      released = true;
      clearInterval(alive);
      rmSync(pidFile, { force: true });
      db.close();
    },
  };
}

function previousHolder(pidFile: string): UncleanStop | undefined {
  try {
    const aliveAt = statSync(pidFile).mtimeMs;
    const pid = Number((JSON.parse(readFileSync(pidFile, 'utf8')) as { pid?: unknown }).pid);
    return { pid: Number.isInteger(pid) ? pid : 0, aliveAt: Math.round(aliveAt) };
  } catch {
    return undefined;
  }
}

function holderOf(pidFile: string): string {
  try {
    const info = JSON.parse(readFileSync(pidFile, 'utf8')) as {
      pid?: unknown;
      host?: unknown;
      startedAt?: unknown;
    };
    return ` (pid ${String(info.pid)} on ${String(info.host)}, started ${String(info.startedAt)})`;
  } catch {
    return '';
  }
}

function describe(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown } | undefined;
  const message = typeof e?.message === 'string' ? e.message : String(error);
  return typeof e?.code === 'string' && !message.includes(e.code) ? `${e.code}: ${message}` : message;
}

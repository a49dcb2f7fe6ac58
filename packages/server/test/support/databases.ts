import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type Database, type DialectName, openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';

/**
 * The dialects every database test runs on: SQLite always; PostgreSQL when MOORING_TEST_DATABASE_URL
 * is set (CI always sets it). Use with `describe.each(dialects())`.
 */
export function dialects(): DialectName[] {
  return process.env.MOORING_TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];
}

export interface TestDatabase {
  readonly db: Database;
  /** Opens another handle onto the same database (a second "instance"). */
  reopen(): Database;
  /** Closes every handle and deletes the database. */
  destroy(): Promise<void>;
}

/** A fresh, migrated database: a temporary SQLite file, or a new PostgreSQL schema. */
export async function createTestDatabase(dialect: DialectName, migrate = true): Promise<TestDatabase> {
  const handles: Database[] = [];
  let cleanup: () => Promise<void>;
  let open: () => Database;
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'mooring-test-'));
    open = () => openDatabase({ dialect: 'sqlite', file: join(dir, 'test.sqlite') });
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const url = process.env.MOORING_TEST_DATABASE_URL;
    if (!url) throw new Error('MOORING_TEST_DATABASE_URL is not set');
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    open = () => openDatabase({ dialect: 'postgres', connectionString: url, schema, maxConnections: 5 });
    cleanup = async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP SCHEMA ${schema} CASCADE`);
      await c.end();
    };
  }
  const reopen = (): Database => {
    const handle = open();
    handles.push(handle);
    return handle;
  };
  const db = reopen();
  if (migrate) await migrateToLatest(db);
  return {
    db,
    reopen,
    destroy: async () => {
      for (const handle of handles) await handle.close();
      await cleanup();
    },
  };
}

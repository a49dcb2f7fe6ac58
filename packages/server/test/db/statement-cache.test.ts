import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { StatementCache } from '../../src/db/database.js';

/* Kysely prepares every statement anew on SQLite; the cache under it keeps them (db/database.ts). */
describe('SQLite statement cache under Kysely', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function open(max?: number) {
    const dir = mkdtempSync(join(tmpdir(), 'mooring-stmt-'));
    dirs.push(dir);
    const cache = new StatementCache(new SQLite(join(dir, 'db.sqlite')), max);
    const db = new Kysely<{ t: { id: number; name: string } }>({
      dialect: new SqliteDialect({ database: cache }),
    });
    return { cache, db };
  }

  it('prepares a repeated query once, with the right rows for every set of values', async () => {
    const { cache, db } = open();
    await sql`CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)`.execute(db);
    for (let i = 1; i <= 20; i++)
      await db
        .insertInto('t')
        .values({ id: i, name: `n${i}` })
        .execute();
    const before = cache.misses;
    for (let i = 1; i <= 20; i++) {
      const row = await db.selectFrom('t').select('name').where('id', '=', i).executeTakeFirst();
      expect(row?.name).toBe(`n${i}`);
    }
    expect(cache.misses - before).toBe(1);
    await db.destroy();
  });

  it('keeps a transaction working on reused statements (rollback undoes, commit keeps)', async () => {
    const { db } = open();
    await sql`CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)`.execute(db);
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('t').values({ id: 1, name: 'a' }).execute();
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('t').values({ id: 2, name: 'b' }).execute();
    });
    const rows = await db.selectFrom('t').select('id').execute();
    expect(rows).toEqual([{ id: 2 }]);
    await db.destroy();
  });

  it('stays bounded, dropping the least recently used statement first', async () => {
    const { cache, db } = open(3);
    const q = (n: number) => sql`SELECT ${sql.lit(n)} AS n`.execute(db);
    await q(1);
    await q(2);
    await q(3);
    await q(1); // 1 is now the most recent; 2 the oldest
    await q(4); // evicts 2
    expect(cache.size).toBe(3);
    const misses = cache.misses;
    await q(1);
    await q(3);
    await q(4);
    expect(cache.misses).toBe(misses);
    await q(2);
    expect(cache.misses).toBe(misses + 1);
    await db.destroy();
  });
});

import { describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/db/migrate.js';
import { migrationProvider } from '../../src/db/migrations/index.js';
import { createTestDatabase, dialects } from '../support/databases.js';

describe.each(dialects())('migrations (%s)', (dialect) => {
  it('run from empty, are idempotent, and create every table', async () => {
    const t = await createTestDatabase(dialect, false);
    try {
      const applied = await migrateToLatest(t.db);
      expect(applied).toEqual(Object.keys(await migrationProvider.getMigrations()));
      expect(await migrateToLatest(t.db)).toEqual([]);
      const tables = (await t.db.kysely.introspection.getTables()).map((table) => table.name);
      for (const name of [
        'actor',
        'user',
        'organization',
        'organization_membership',
        'session',
        'audit_event',
      ]) {
        expect(tables).toContain(name);
      }
    } finally {
      await t.destroy();
    }
  });

  it('store timestamps as epoch milliseconds and ids as integers on both dialects', async () => {
    const t = await createTestDatabase(dialect);
    try {
      const at = Date.UTC(2030, 5, 1, 12, 30, 45, 123);
      const row = await t.db.kysely
        .insertInto('actor')
        .values({ created_at: at })
        .returning(['id', 'created_at'])
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ id: 1, created_at: at });
    } finally {
      await t.destroy();
    }
  });
});

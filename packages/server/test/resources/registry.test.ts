import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TABLE_COLUMNS } from '../../src/db/schema.js';
import { REGISTRY, type ResourceDef } from '../../src/resources/model.js';
import { createTestDatabase, dialects } from '../support/databases.js';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '../../src');

/** Anything a resources/ module exports that has the shape of a resource declaration. */
function isResourceDef(value: unknown): value is ResourceDef {
  return (
    typeof value === 'object' &&
    value !== null &&
    ['name', 'table', 'fields', 'navigations', 'access', 'hooks'].every((key) => key in value)
  );
}

/** String literals of a TypeScript source, comments removed (enough for this code base's style). */
function stringLiterals(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return [...code.matchAll(/'([^'\\\n]*)'|"([^"\\\n]*)"|`([^`\\$]*)`/g)].map(
    (m) => m[1] ?? m[2] ?? m[3] ?? '',
  );
}

describe('the /v7 resource registry', () => {
  it('holds every resource declared in resources/, under its own name, once', async () => {
    const declared: ResourceDef[] = [];
    for (const file of readdirSync(join(SRC, 'resources')).filter((f) => f.endsWith('.ts'))) {
      const module: Record<string, unknown> = await import(join(SRC, 'resources', file));
      declared.push(...Object.values(module).filter(isResourceDef));
    }
    const names = declared.map((def) => def.name);
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual(Object.keys(REGISTRY).sort());
    for (const def of declared) expect(REGISTRY[def.name]).toBe(def);
    // The resources balena clients use, at least (COMPAT.md A5).
    for (const name of ['application', 'device', 'device_tag', 'api_key', 'organization', 'device_type'])
      expect(REGISTRY).toHaveProperty(name);
  });

  it('names only tables and columns of the typed schema, and only registered resources', () => {
    for (const def of Object.values(REGISTRY)) {
      const columns: Readonly<Record<string, true>> = TABLE_COLUMNS[def.table];
      expect(columns, def.name).toBeDefined();
      for (const [name, field] of Object.entries(def.fields)) {
        if (field.column !== undefined) expect(columns, `${def.name}.${name}`).toHaveProperty(field.column);
        else
          expect(field.computed, `${def.name}.${name} is neither a column nor computed`).toBeTypeOf(
            'function',
          );
      }
      for (const nav of Object.values(def.navigations)) expect(REGISTRY).toHaveProperty(nav.target);
      const parent = def.access.createParent;
      if (parent) {
        expect(REGISTRY).toHaveProperty(parent.resource);
        expect(def.fields).toHaveProperty(parent.field);
      }
      // A resource written through /v7 has a write rule for someone; one never written has none.
      const writable = Object.values(def.fields).some((f) => f.create || f.update);
      if (!writable) expect(def.access.readOnly, def.name).toEqual(['create', 'update', 'delete']);
    }
  });

  it('keeps resource names out of the generic OData service, its repository and write events', () => {
    const names = new Set([...Object.keys(REGISTRY), ...Object.values(REGISTRY).map((d) => d.table)]);
    for (const file of ['odata/odata.service.ts', 'odata/odata.repository.ts', 'events/lifecycle.ts']) {
      const literals = stringLiterals(readFileSync(join(SRC, file), 'utf8'));
      expect(literals.length, `${file} has string literals to check`).toBeGreaterThan(0);
      expect(
        literals.filter((text) => names.has(text)),
        file,
      ).toEqual([]);
    }
  });

  it('finds a resource name when one is there (the check above can fail)', () => {
    const sample = "if (def.name === 'device') x();\n// 'application'\n/* 'user' */ const t = \"api_key\";";
    expect(stringLiterals(sample)).toEqual(['device', 'api_key']);
  });
});

describe.each(dialects())('the typed schema (%s)', (dialect) => {
  it('covers exactly the tables and columns of a freshly migrated database', async () => {
    const t = await createTestDatabase(dialect);
    try {
      const tables = await t.db.kysely.introspection.getTables();
      const migrated = Object.fromEntries(
        tables.map((table) => [table.name, table.columns.map((c) => c.name).sort()]),
      );
      const typed = Object.fromEntries(
        Object.entries(TABLE_COLUMNS).map(([table, columns]) => [table, Object.keys(columns).sort()]),
      );
      expect(Object.keys(migrated).length).toBeGreaterThanOrEqual(26);
      expect(typed).toEqual(migrated);
    } finally {
      await t.destroy();
    }
  });
});

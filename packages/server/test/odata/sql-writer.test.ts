import { Kysely, sql as kyselySql, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/principal.js';
import type { DialectName } from '../../src/db/database.js';
import {
  type Fragment,
  finishSql,
  joinSql,
  quoteId,
  quoteLiteral,
  raw,
  ref,
  SqlBuilder,
  sql,
} from '../../src/db/sql/fragment.js';
import { ParamSlot, PrincipalSlot } from '../../src/db/sql/slots.js';
import { bindValues } from '../../src/db/sql/values.js';
import { CompileEnv } from '../../src/odata/compiler/scope.js';
import { compileRead } from '../../src/odata/compiler/select.js';
import { PlanCache, runPlan } from '../../src/odata/plan-cache.js';
import { mapRows } from '../../src/odata/row-mapper.js';
import { jsonArray } from '../../src/odata/sql/dialect.js';
import { rowFilter } from '../../src/resources/access.js';
import { resourceDef } from '../../src/resources/model.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';
import { parse } from './support/helpers.js';

const MEMBER: Principal = {
  actorId: 7,
  kind: 'user',
  via: 'session',
  userId: 3,
  applicationId: undefined,
  deviceId: undefined,
  isAdmin: false,
  sessionId: 's',
  authTime: 0,
  apiKeyId: undefined,
  limits: undefined,
};

const s0 = new ParamSlot(0, 'string');
const s1 = new ParamSlot(1, 'integer');
const user = new PrincipalSlot('userId');

function compile(dialect: DialectName, url: string, principal: Principal | null = MEMBER) {
  const request = parse(url);
  const def = resourceDef(request.resource);
  if (!def) throw new Error('unknown resource');
  const { query, shape } = compileRead(new CompileEnv(dialect, principal), def, request);
  return { text: finishSql(query.text, dialect), slots: query.slots, request, shape };
}

describe('SQL writer: quoting', () => {
  it('quotes identifiers SQL-standard, doubling embedded quotes', () => {
    expect(quoteId('user')).toBe('"user"');
    expect(quoteId('a"b')).toBe('"a""b"');
    expect(ref('t0', 'belongs_to__application').text).toBe('"t0"."belongs_to__application"');
  });

  it('quotes model names as string literals, doubling embedded quotes', () => {
    expect(quoteLiteral('slug')).toBe("'slug'");
    expect(quoteLiteral("it's")).toBe("'it''s'");
  });

  it('refuses plain strings and "?" in template text, so request text cannot reach SQL', () => {
    const input = "x' OR 1=1 --" as unknown as Fragment;
    expect(() => sql`a = ${input}`).toThrow(TypeError);
    expect(() => sql`a = ? AND ${s0}`).toThrow(TypeError);
  });
});

describe('SQL writer: slots and placeholders', () => {
  it('keeps slots in text order through nesting and joins', () => {
    const inner = sql`b = ${s1}`;
    const f = sql`a = ${s0} AND (${inner}) AND c IN (${joinSql([sql`${user}`, raw('NULL')])})`;
    expect(f.text).toBe('a = ? AND (b = ?) AND c IN (?, NULL)');
    expect(f.slots).toEqual([s0, s1, user]);
    const b = new SqlBuilder().raw('x = ').slot(s1).raw(' AND ').add(f).done();
    expect(b.text).toBe('x = ? AND a = ? AND (b = ?) AND c IN (?, NULL)');
    expect(b.slots).toEqual([s1, s0, s1, user]);
  });

  it('numbers placeholders $1…$n for PostgreSQL and keeps ? for SQLite', () => {
    const text = 'a = ? AND b IN (?, ?) AND c = ?';
    expect(finishSql(text, 'sqlite')).toBe(text);
    expect(finishSql(text, 'postgres')).toBe('a = $1 AND b IN ($2, $3) AND c = $4');
    expect(finishSql('SELECT 1', 'postgres')).toBe('SELECT 1');
    expect(finishSql('?', 'postgres')).toBe('$1');
  });

  it('embeds in Kysely templates with its slots as parameters, on both dialects', () => {
    const frag = rowFilter('device', 'read', MEMBER);
    if (frag.kind !== 'where') throw new Error('expected a predicate');
    const lite = new Kysely<unknown>({ dialect: new SqliteDialect({ database: async () => ({}) as never }) });
    const pgk = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool() }) });
    for (const [db, placeholder] of [
      [lite, '?'],
      [pgk, '$2'],
    ] as const) {
      const compiled =
        kyselySql`SELECT 1 FROM device t0 WHERE t0.id = ${5} AND ${frag.predicate('t0')}`.compile(db);
      expect(compiled.sql).toContain(`pm."user" = ${placeholder}`);
      expect(bindValues(compiled.parameters, [], MEMBER)).toEqual([5, 3]);
    }
  });
});

describe('SQL writer: compiled reads', () => {
  const nested =
    "/application?$select=id&$filter=app_name eq 'y'&$expand=owns__device($select=uuid;$filter=device_name eq 'x';$expand=is_of__device_type($select=slug))";

  it.each(['sqlite', 'postgres'] as const)('numbers a nested expand in text order (%s)', (dialect) => {
    const { text, slots, request } = compile(dialect, nested);
    const count = (text.match(dialect === 'postgres' ? /\$\d+/g : /\?/g) ?? []).length;
    expect(count).toBe(slots.length);
    if (dialect === 'postgres') {
      const numbers = (text.match(/\$(\d+)/g) ?? []).map((p) => Number(p.slice(1)));
      expect(numbers).toEqual(numbers.map((_, i) => i + 1));
    }
    // The expansion's literal precedes the root filter's in the text, and so in the values.
    const values = bindValues(slots, request.params, MEMBER);
    expect(values.filter((v) => typeof v === 'string')).toEqual(['x', 'y']);
    // One user id per permission predicate: application, device, device type is public.
    expect(values.filter((v) => v === 3)).toHaveLength(2);
  });

  it('aggregates expansions with each dialect’s JSON functions', () => {
    const lite = compile('sqlite', nested).text;
    expect(lite).toContain(
      'json_group_array(json_object(\'uuid\', "x"."uuid", \'is_of__device_type\', json("x"."is_of__device_type")))',
    );
    const postgres = compile('postgres', nested).text;
    expect(postgres).toContain("coalesce(json_agg(row_to_json(x)), '[]'::json)");
    expect(postgres).not.toContain('json_group_array');
  });

  it('names an expand count without json() on SQLite', () => {
    const f = jsonArray('sqlite', raw('SELECT 1'), {
      fields: [{ name: 'id', type: 'id' }],
      expands: [{ name: 'device_environment_variable', count: true }],
    });
    expect(f.text).toBe(
      '(SELECT json_group_array(json_object(\'id\', "x"."id", \'device_environment_variable\', "x"."device_environment_variable")) FROM (SELECT 1) x)',
    );
  });

  it('quotes the reserved table name user and binds keys as parameters', () => {
    const { text, slots } = compile('postgres', "/user(username='a''b')?$select=id");
    expect(text).toContain('FROM "user" "t0"');
    expect(text).not.toContain("a'b");
    expect(slots).toContainEqual(new ParamSlot(0, 'string'));
  });
});

describe.each(dialects())('SQL writer: nested expand runs (%s)', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(dialect);
  });
  afterAll(async () => {
    await t.destroy();
  });

  it('returns two levels of expansion with filters bound at each level', async () => {
    const url =
      "/cpu_architecture?$select=slug&$filter=slug eq 'armv7hf'&$expand=is_supported_by__device_type($select=slug;$filter=startswith(slug,'raspberry');$orderby=id asc;$expand=device_type_alias($select=is_referenced_by__alias;$orderby=id asc),is_of__cpu_architecture($select=slug))";
    const request = parse(url.replaceAll(' ', '%20').replaceAll("'", '%27'));
    const def = resourceDef(request.resource);
    if (!def) throw new Error('unknown resource');
    const plan = new PlanCache(t.db).compile(compileRead(new CompileEnv(dialect, null), def, request));
    const rows = mapRows(await runPlan(t.db, plan, plan.bind(request.params, null)), plan.shape);
    expect(rows).toHaveLength(1);
    const arch = rows[0] as { slug: string; is_supported_by__device_type: Record<string, unknown>[] };
    expect(arch.slug).toBe('armv7hf');
    const types = arch.is_supported_by__device_type.map((d) => ({
      slug: d.slug,
      aliases: (d.device_type_alias as { is_referenced_by__alias: string }[])
        .map((a) => a.is_referenced_by__alias)
        .sort(),
      arch: d.is_of__cpu_architecture,
    }));
    expect(types.sort((a, b) => String(a.slug).localeCompare(String(b.slug)))).toEqual([
      { slug: 'raspberry-pi2', aliases: ['raspberry-pi2', 'raspberrypi2'], arch: [{ slug: 'armv7hf' }] },
      { slug: 'raspberrypi3', aliases: ['raspberry-pi3', 'raspberrypi3'], arch: [{ slug: 'armv7hf' }] },
    ]);
  });
});

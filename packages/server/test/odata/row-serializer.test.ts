import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/principal.js';
import type { RowShape } from '../../src/odata/compiler/select.js';
import { runRows } from '../../src/odata/plan-cache.js';
import type { ReadPlanner } from '../../src/odata/read-planner.js';
import { type ArrayRow, compileRowMapper } from '../../src/odata/row-mapper.js';
import { compileRowSerializer } from '../../src/odata/row-serializer.js';
import { dialects } from '../support/databases.js';
import {
  adminToken,
  createAppEnvVar,
  createDevice,
  createDeviceEnvVar,
  createFleet,
} from '../support/fleet-fixtures.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { CAPTURED_URLS } from './support/captured-urls.js';

/*
 * The read path writes its answers with a serializer precomputed per plan (row-serializer.ts)
 * instead of mapping rows to objects and JSON.stringify-ing them. These tests hold it to exactly the
 * mapper's output: the same text for plain rows, the same value where SQLite's own JSON text of an
 * expansion is passed through.
 */
const ALL_TYPES: RowShape = {
  fields: [
    { name: 'id', type: 'id' },
    { name: 'n', type: 'integer' },
    { name: 'name', type: 'string' },
    { name: 'flag', type: 'boolean' },
    { name: 'at', type: 'datetime' },
    { name: 'parent', type: 'fk' },
    { name: 'blob', type: 'json' },
  ],
  expands: [],
};

const TRICKY_ROWS: ArrayRow[] = [
  [1, 0, 'plain', 1, 1_700_000_000_123, 7, '{"a":[1,2]}'],
  [2, -5, 'quote " backslash \\ slash / newline \n tab \t nul \u0000 bell \u0007', 0, 0, null, 'not json'],
  [3, null, 'unicode é 日本 😀 lone \ud800 surrogate', '1', null, 0, null],
  [4, 2 ** 53, '', true, '1700000000000', '12', '[]'],
  [5, 1.5, null, false, 86_400_000, 3, '"text"'],
  [null, Number.NaN, "it's", null, -1, -2, '{"nested":{"x":null}}'],
];

describe('row serializer: the same JSON as mapping + JSON.stringify', () => {
  it.each(['sqlite', 'postgres'] as const)(
    'writes every field type and awkward value exactly (%s)',
    (dialect) => {
      const serialize = compileRowSerializer(ALL_TYPES, dialect);
      const map = compileRowMapper(ALL_TYPES);
      expect(serialize(TRICKY_ROWS)).toBe(JSON.stringify(map(TRICKY_ROWS)));
      expect(serialize([])).toBe('[]');
    },
  );

  it('writes rows of no fields as empty objects', () => {
    const shape: RowShape = { fields: [], expands: [] };
    expect(compileRowSerializer(shape, 'sqlite')([[], []])).toBe(
      JSON.stringify(compileRowMapper(shape)([[], []])),
    );
  });

  const nested = (fields: RowShape['fields']): RowShape => ({
    fields: [{ name: 'id', type: 'id' }],
    expands: [
      { name: 'kids', count: false, shape: { fields, expands: [] }, joined: false },
      { name: 'kids_count', count: true, shape: null, joined: false },
    ],
  });

  it('passes SQLite JSON text of an expansion through when it needs no conversion', () => {
    const shape = nested([
      { name: 'id', type: 'id' },
      { name: 'slug', type: 'string' },
    ]);
    const text = '[{"id":3,"slug":"a \\"b\\""},{"id":4,"slug":null}]';
    const rows: ArrayRow[] = [
      [1, text, 2],
      [2, '[]', 0],
      [3, null, null],
    ];
    const out = compileRowSerializer(shape, 'sqlite')(rows);
    expect(out).toContain(text); // not re-parsed
    expect(JSON.parse(out)).toEqual(compileRowMapper(shape)(rows));
  });

  it('converts expansions that carry booleans, dates, foreign keys or JSON text', () => {
    const shape = nested([
      { name: 'on', type: 'boolean' },
      { name: 'at', type: 'datetime' },
      { name: 'of', type: 'fk' },
    ]);
    const rows: ArrayRow[] = [[1, '[{"on":1,"at":86400000,"of":5},{"on":0,"at":null,"of":null}]', 2]];
    const out = compileRowSerializer(shape, 'sqlite')(rows);
    expect(out).toBe(JSON.stringify(compileRowMapper(shape)(rows)));
    expect(JSON.parse(out)[0].kids[0]).toEqual({ on: true, at: '1970-01-02T00:00:00.000Z', of: { __id: 5 } });
  });

  it('writes a joined to-one expansion from its columns: the target id, then its fields', () => {
    const shape: RowShape = {
      fields: [{ name: 'id', type: 'id' }],
      expands: [
        {
          name: 'type',
          count: false,
          joined: true,
          shape: {
            fields: [
              { name: 'slug', type: 'string' },
              { name: 'on', type: 'boolean' },
            ],
            expands: [],
          },
        },
        { name: 'n', count: true, shape: null, joined: false },
      ],
    };
    const rows: ArrayRow[] = [
      [1, 9, 'rpi "4"', 1, 3],
      [2, null, null, null, 0],
    ];
    for (const dialect of ['sqlite', 'postgres'] as const) {
      const out = compileRowSerializer(shape, dialect)(rows);
      expect(out).toBe(JSON.stringify(compileRowMapper(shape)(rows)));
      expect(JSON.parse(out)).toEqual([
        { id: 1, type: [{ slug: 'rpi "4"', on: true }], n: 3 },
        { id: 2, type: [], n: 0 },
      ]);
    }
  });

  it('serializes PostgreSQL expansions, which arrive parsed', () => {
    const shape = nested([{ name: 'on', type: 'boolean' }]);
    const rows: ArrayRow[] = [[1, [{ on: true }, { on: false }], 2]];
    const out = compileRowSerializer(shape, 'postgres')(rows);
    expect(out).toBe(JSON.stringify(compileRowMapper(shape)(rows)));
  });
});

const ADMIN: Principal = {
  actorId: 1,
  kind: 'user',
  via: 'session',
  userId: 1,
  applicationId: undefined,
  deviceId: undefined,
  isAdmin: true,
  sessionId: 's',
  authTime: 0,
  apiKeyId: undefined,
  limits: undefined,
};

describe.each(dialects())('row serializer over real plans (%s)', (dialect) => {
  let t: TestApp;
  let planner: ReadPlanner;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    const admin = await adminToken(t);
    const fleet = await createFleet(t, admin, { app_name: 'myapp', organization: 1 });
    const dev1 = await createDevice(t, admin, { fleet: fleet.id, device_name: 'dev "one"' });
    const dev2 = await createDevice(t, admin, { fleet: fleet.id, device_name: 'dév 2 😀' });
    await createAppEnvVar(t, admin, fleet.id, 'FOO', 'line\nbreak');
    await createDeviceEnvVar(t, admin, dev1.id, 'FOO', 'bar');
    await createDeviceEnvVar(t, admin, dev2.id, 'ABC', '"quoted"');
    planner = t.app.mooring.odata.reads;
  });
  afterAll(async () => t?.close());

  const extra = [
    '/v7/device?$select=id,device_name,is_online,created_at,belongs_to__application&$expand=device_environment_variable($select=name,value),is_of__device_type($select=slug)',
    '/v7/application?$expand=owns__device($select=device_name,is_online,last_connectivity_event;$orderby=device_name%20asc),application_environment_variable',
    '/v7/device?$expand=belongs_to__application($expand=owns__device/$count)',
  ];

  it('answers every captured GET URL with the mapper’s value (and text, where nothing is passed through)', async () => {
    let checked = 0;
    for (const url of [...CAPTURED_URLS, ...extra]) {
      if (url.includes('/$count')) continue; // no rows to map: `{"d":n}` is written directly
      const { request, plan } = planner.prepare(url.slice(3), ADMIN);
      if (!plan?.serialize || !plan.map) throw new Error(`no read plan for ${url}`);
      const rows = await runRows(t.ctx.db, plan, plan.bind(request.params, ADMIN));
      const text = plan.serialize(rows);
      const mapped = plan.map(rows);
      expect(JSON.parse(text), url).toEqual(mapped);
      if (dialect === 'postgres' || plan.shape.expands.length === 0)
        expect(text, url).toBe(JSON.stringify(mapped));
      checked += rows.length;
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('builds the same answer in SQL where SQLite can (one JSON text per read)', async () => {
    let wrapped = 0;
    for (const url of [...CAPTURED_URLS, ...extra]) {
      if (url.includes('/$count')) continue;
      const { request, plan } = planner.prepare(url.slice(3), ADMIN);
      if (!plan?.map) throw new Error(`no read plan for ${url}`);
      if (dialect === 'postgres') {
        expect(plan.jsonStatement, url).toBeUndefined();
        continue;
      }
      if (!plan.jsonStatement) continue;
      wrapped++;
      const values = plan.bind(request.params, ADMIN);
      const rows = await runRows(t.ctx.db, plan, values);
      expect(JSON.parse(plan.jsonStatement.get(...values) as string), url).toEqual(plan.map(rows));
    }
    // Most captured reads qualify; the rest (dates, JSON text) keep the serializer.
    if (dialect === 'sqlite') expect(wrapped).toBeGreaterThan(20);
  });
});

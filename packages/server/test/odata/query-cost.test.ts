import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseODataUrl } from '../../src/odata/parse-url.js';
import {
  type CallerTier,
  INLINE_COST,
  type LimitName,
  measureQuery,
  overBudget,
  QUERY_BUDGETS,
  type QueryCost,
} from '../../src/odata/query-cost.js';
import { resourceDef } from '../../src/resources/model.js';
import { dialects } from '../support/databases.js';
import { adminToken, encodeUrl, request } from '../support/fleet-fixtures.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { CAPTURED_URLS } from './support/captured-urls.js';

/**
 * The static query budget (odata/query-cost.ts, docs/threat-model.md "What a query may cost"): each
 * limit refused with a 400 naming it, the same query one step smaller accepted, and every URL
 * balena-sdk was seen to send well within the limits.
 */

/** `/v7/…` in readable form (spaces, quotes) → the measure of the parsed request. */
function measure(url: string): QueryCost {
  const request = parseODataUrl(encodeUrl(url).slice(3));
  const def = resourceDef(request.resource);
  if (!def) throw new Error(`no resource in ${url}`);
  return measureQuery(def, request);
}

const repeat = (n: number, term: (i: number) => string, op: 'and' | 'or'): string =>
  Array.from({ length: n }, (_, i) => term(i)).join(` ${op} `);

/** `depth` nested lambdas over device_type ⇄ device_type_alias, from `from` (a path to a device type). */
function aliasLambdas(depth: number, from = ''): string {
  let f = `a${depth}/is_referenced_by__alias eq 'x'`;
  for (let i = depth; i >= 2; i--) f = `a${i - 1}/device_type/device_type_alias/any(a${i}:${f})`;
  return `${from}device_type_alias/any(a1:${f})`;
}

const nestedAliasLambdas = (depth: number): string => `/v7/device_type?$filter=${aliasLambdas(depth)}`;

const subqueryChain = (last: string): string =>
  `/v7/device_type?$expand=is_of__cpu_architecture($expand=is_supported_by__device_type($expand=is_of__cpu_architecture($filter=is_supported_by__device_type/any(x:${last}))))`;

/**
 * Per limit of the anonymous budget: a URL at or just below it (accepted) and one step over (refused, and
 * this is the first limit it exceeds, so the message names it).
 */
const ANONYMOUS_CASES: readonly { limit: LimitName; at: string; over: string }[] = [
  { limit: 'lambdaDepth', at: nestedAliasLambdas(2), over: nestedAliasLambdas(3) },
  {
    limit: 'countDepth',
    at: `/v7/cpu_architecture?$filter=is_supported_by__device_type/$count($filter=name ne 'x') gt 0`,
    over: `/v7/cpu_architecture?$filter=is_supported_by__device_type/$count($filter=device_type_alias/$count gt 0) gt 0`,
  },
  {
    limit: 'expandDepth',
    at: '/v7/device_type?$expand=is_of__cpu_architecture($expand=is_supported_by__device_type($expand=is_of__cpu_architecture))',
    over: '/v7/device_type?$expand=is_of__cpu_architecture($expand=is_supported_by__device_type($expand=is_of__cpu_architecture($expand=is_supported_by__device_type)))',
  },
  {
    limit: 'orWidth',
    at: `/v7/device_type?$filter=${repeat(32, (i) => `id eq ${i}`, 'or')}`,
    over: `/v7/device_type?$filter=${repeat(33, (i) => `id eq ${i}`, 'or')}`,
  },
  {
    limit: 'subqueryDepth',
    at: subqueryChain(`x/slug eq 'a'`),
    over: subqueryChain(`x/is_of__cpu_architecture/slug eq 'a'`),
  },
  {
    limit: 'subqueries',
    at: `/v7/device_type?$filter=${repeat(16, (i) => `device_type_alias/any(a:a/is_referenced_by__alias eq 'x${i}')`, 'and')}`,
    over: `/v7/device_type?$filter=${repeat(17, (i) => `device_type_alias/any(a:a/is_referenced_by__alias eq 'x${i}')`, 'and')}`,
  },
  {
    limit: 'filterNodes',
    at: `/v7/device_type?$filter=${repeat(66, (i) => `id ne ${i}`, 'and')}`,
    over: `/v7/device_type?$filter=${repeat(67, (i) => `id ne ${i}`, 'and')}`,
  },
  {
    limit: 'cost',
    at: `/v7/device_type?$filter=${repeat(4, (i) => `is_of__cpu_architecture/is_supported_by__device_type/any(a:a/device_type_alias/any(b:b/is_referenced_by__alias eq 'x${i}'))`, 'and')}`,
    over: `/v7/device_type?$filter=${repeat(5, (i) => `is_of__cpu_architecture/is_supported_by__device_type/any(a:a/device_type_alias/any(b:b/is_referenced_by__alias eq 'x${i}'))`, 'and')}`,
  },
];

describe('the static query budget', () => {
  it.each(ANONYMOUS_CASES)('$limit: at the limit accepted, one over refused naming it', (c) => {
    const at = measure(c.at);
    const over = measure(c.over);
    expect(at[c.limit]).toBeLessThanOrEqual(QUERY_BUDGETS.anonymous[c.limit]);
    expect(overBudget(at, 'anonymous')).toBeNull();
    expect(over[c.limit]).toBeGreaterThan(QUERY_BUDGETS.anonymous[c.limit]);
    expect(overBudget(over, 'anonymous')?.message).toContain(`the limit ${c.limit} is`);
    expect(overBudget(over, 'anonymous')?.code).toBe('query_too_expensive');
  });

  it('gives users a larger budget than anonymous callers and device keys', () => {
    const tiers: CallerTier[] = ['anonymous', 'device'];
    for (const tier of tiers) {
      for (const name of Object.keys(QUERY_BUDGETS.user) as LimitName[]) {
        expect(QUERY_BUDGETS.user[name]).toBeGreaterThan(QUERY_BUDGETS[tier][name]);
      }
    }
    expect(overBudget(measure(nestedAliasLambdas(3)), 'user')).toBeNull();
    expect(overBudget(measure(nestedAliasLambdas(4)), 'user')).toBeNull();
    expect(overBudget(measure(nestedAliasLambdas(5)), 'user')?.message).toContain(
      'the limit lambdaDepth is 4',
    );
  });

  it('measures the 691-character attack of issue 18 as exponential', () => {
    let f = `x9/slug eq 'none'`;
    for (let i = 9; i >= 2; i--)
      f = `x${i - 1}/is_of__cpu_architecture/is_supported_by__device_type/any(x${i}:${f})`;
    const cost = measure(
      `/v7/device_type/$count?$filter=is_of__cpu_architecture/is_supported_by__device_type/any(x1:${f})`,
    );
    expect(cost.lambdaDepth).toBe(9);
    expect(cost.subqueryDepth).toBe(18);
    expect(cost.cost).toBeGreaterThan(1e9);
  });

  it('keeps every captured balena-sdk URL well within every budget, and on the inline path', () => {
    expect(CAPTURED_URLS.length).toBeGreaterThan(50);
    for (const url of CAPTURED_URLS) {
      const request = parseODataUrl(url.slice(3));
      const cost = measureQuery(
        resourceDef(request.resource) as NonNullable<ReturnType<typeof resourceDef>>,
        request,
      );
      for (const name of Object.keys(cost) as LimitName[]) {
        expect(cost[name], `${name} of ${url}`).toBeLessThanOrEqual(QUERY_BUDGETS.user[name] / 2);
        expect(cost[name], `${name} of ${url}`).toBeLessThanOrEqual(QUERY_BUDGETS.anonymous[name]);
      }
      // SDK reads by a user never leave the hot inline path.
      expect(cost.cost, url).toBeLessThanOrEqual(INLINE_COST);
    }
  });
});

describe.each(dialects())('query budget over HTTP (%s)', (dialect) => {
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    admin = await adminToken(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each(ANONYMOUS_CASES)('anonymous $limit: 400 naming it, 200 at the limit', async (c) => {
    const refused = await request(t.app, 'GET', encodeUrl(c.over));
    expect(refused.status, refused.body).toBe(400);
    expect(refused.json).toContain(`the limit ${c.limit} is ${QUERY_BUDGETS.anonymous[c.limit]}`);
    const accepted = await request(t.app, 'GET', encodeUrl(c.at));
    expect(accepted.status, accepted.body).toBe(200);
  });

  it('applies the user budget to sessions: deeper accepted, deeper still refused', async () => {
    const accepted = await request(t.app, 'GET', encodeUrl(nestedAliasLambdas(4)), admin);
    expect(accepted.status, accepted.body).toBe(200);
    const refused = await request(t.app, 'GET', encodeUrl(nestedAliasLambdas(5)), admin);
    expect(refused.status, refused.body).toBe(400);
    expect(refused.json).toContain('the limit lambdaDepth is 4 for users');
  });

  it('applies the same budget to the $filter of PATCH and DELETE', async () => {
    const url = (depth: number) =>
      encodeUrl(`/v7/device?$filter=${aliasLambdas(depth, 'is_of__device_type/')}`);
    const patched = await request(t.app, 'PATCH', url(5), admin, { note: 'x' });
    expect(patched.status, patched.body).toBe(400);
    expect(patched.json).toContain('the limit lambdaDepth is 4 for users');
    const deleted = await request(t.app, 'DELETE', url(5), admin);
    expect(deleted.status, deleted.body).toBe(400);
    expect((await request(t.app, 'PATCH', url(4), admin, { note: 'x' })).status).toBe(200);
  });
});

import { ROUTES } from '@mooring/protocol/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCUMENTED_RESPONSES } from '../../src/openapi/responses.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * Routes the contract does not cover, each with the reason. Everything else the server registers is a
 * Mooring API route and must take its schemas from `ROUTES` (packages/protocol/src/contract).
 */
const NOT_IN_CONTRACT: Readonly<Record<string, string>> = {
  '/v7/*': 'OData resources: bodies in the OData wire format, documented from the resource model',
  '/*': 'the dashboard’s static files',
  '/openapi.json': 'the API description itself',
  '/docs': 'the rendered API reference (HTML)',
  '/docs/static/:file': 'the reference’s static assets',
  '/healthz': 'liveness probe for load balancers, not a client API',
  '/readyz': 'readiness probe for load balancers, not a client API',
  '/metrics': 'Prometheus text exposition format',
};
const PARTS = ['params', 'querystring', 'body', 'headers'] as const;

type Schema = Readonly<Record<string, unknown>>;
const contractOf = (key: string): Schema | undefined => (ROUTES as Readonly<Record<string, Schema>>)[key];

describe('wire contract: the server’s route schemas are the contract’s', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite');
  });
  afterAll(async () => t.close());

  const apiRoutes = () =>
    t.app.mooring.routes.filter(
      (r) =>
        !(r.url in NOT_IN_CONTRACT) &&
        // Fastify's automatic HEAD twin of a GET route shares its schema.
        !(r.method === 'HEAD' && t.app.mooring.routes.some((g) => g.method === 'GET' && g.url === r.url)),
    );

  it('every registered API route has an entry in ROUTES, and every entry is registered', () => {
    const registered = apiRoutes().map((r) => `${r.method} ${r.url}`);
    expect(registered.length).toBeGreaterThan(40);
    expect(registered.filter((key) => contractOf(key) === undefined)).toEqual([]);
    expect(Object.keys(ROUTES).filter((key) => !registered.includes(key))).toEqual([]);
  });

  it('params, query, body and headers are the contract’s schema objects, not copies', () => {
    const drift: string[] = [];
    for (const route of apiRoutes()) {
      const key = `${route.method} ${route.url}`;
      const contract = contractOf(key);
      const schema = (route.schema ?? {}) as Schema;
      for (const part of PARTS) {
        if (schema[part] !== contract?.[part]) drift.push(`${key} ${part}`);
      }
    }
    expect(drift).toEqual([]);
  });

  it('answers: a serialising response schema is the contract’s; others are documented from it', () => {
    const drift: string[] = [];
    for (const route of apiRoutes()) {
      const key = `${route.method} ${route.url}`;
      const contract = (contractOf(key)?.response ?? {}) as Schema;
      const own = (route.schema as Schema | undefined)?.response as Schema | undefined;
      const documented = DOCUMENTED_RESPONSES[key] as Record<string, Schema> | undefined;
      expect(Object.keys(contract).length, key).toBeGreaterThan(0);
      for (const [status, schema] of Object.entries(contract)) {
        if (own) {
          if (own[status] !== schema) drift.push(`${key} ${status} (route response)`);
          continue;
        }
        const entry = documented?.[status];
        if (entry === undefined) {
          drift.push(`${key} ${status} (undocumented)`);
          continue;
        }
        const content = entry.content as Record<string, { schema: unknown }> | undefined;
        // An answer without a body is documented by its description alone.
        if (content === undefined) {
          if ((schema as { type?: unknown }).type !== 'null') drift.push(`${key} ${status} (no content)`);
        } else if (!Object.values(content).every((media) => media.schema === schema)) {
          drift.push(`${key} ${status} (documented schema differs)`);
        }
      }
    }
    expect(drift).toEqual([]);
  });

  it('a route added without a contract entry would be caught (the check sees unknown keys)', () => {
    expect(contractOf('GET /mooring/v1/not-in-the-contract')).toBeUndefined();
    expect(contractOf('GET /mooring/v1/sessions')).toBe(ROUTES['GET /mooring/v1/sessions']);
  });
});

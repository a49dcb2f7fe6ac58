import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGISTRY } from '../../src/resources/model.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

type Operation = Record<string, unknown> & {
  security?: Record<string, string[]>[];
  responses?: Record<string, unknown>;
};
type Doc = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, Record<string, unknown>>;
};

/**
 * Routes the document covers in another form, each with the reason:
 * - `/v7/*`: one wildcard per method serves every OData resource; the document lists each resource's
 *   paths instead (asserted below for every resource of the model).
 * - `/*`: the dashboard's static-file catch-all (HTML, JS, CSS), not an API.
 */
const NOT_LITERAL = new Set(['/v7/*', '/*']);

const openapiPath = (url: string): string => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

describe('OpenAPI document', () => {
  let t: TestApp;
  let doc: Doc;
  beforeAll(async () => {
    t = await createTestApp('sqlite');
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    doc = res.json() as Doc;
  });
  afterAll(async () => t.close());

  it('validates against the OpenAPI 3.1 schema', async () => {
    const validator = new Validator();
    const result = await validator.validate(doc as unknown as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(doc.openapi).toBe('3.1.0');
  });

  it('lists every route registered in the app (meta-test over the live route table)', () => {
    const table = t.app.mooring.routes;
    expect(table.length).toBeGreaterThan(30);
    const missing: string[] = [];
    for (const { method, url } of table) {
      expect(t.app.hasRoute({ method: method as 'GET', url })).toBe(true);
      // Fastify's automatic HEAD twin of a GET route is the same operation.
      if (method === 'HEAD' && table.some((r) => r.method === 'GET' && r.url === url)) continue;
      if (NOT_LITERAL.has(url)) continue;
      if (!doc.paths[openapiPath(url)]?.[method.toLowerCase()]) missing.push(`${method} ${url}`);
    }
    expect(missing).toEqual([]);
  });

  it('the route table misses nothing the Fastify router knows (cross-check with printRoutes)', () => {
    // printRoutes draws the router as a tree: `├── /segment (GET, HEAD)`, children indented by 4.
    const stack: string[] = [];
    const routed: string[] = [];
    for (const line of t.app.printRoutes({ commonPrefix: false }).split('\n')) {
      const match = /^((?:│ {3}| {4})*)[├└]── (.+?)(?: \(([^)]+)\))?$/.exec(line);
      if (!match) continue;
      const depth = (match[1] ?? '').length / 4;
      stack.length = depth;
      stack.push(match[2] ?? '');
      for (const method of (match[3] ?? '').split(', ').filter(Boolean))
        routed.push(`${method} ${stack.join('')}`);
    }
    expect(routed.length).toBeGreaterThan(30);
    const table = new Set(t.app.mooring.routes.map((r) => `${r.method} ${r.url}`));
    expect(routed.filter((r) => !table.has(r) && !r.endsWith('*'))).toEqual([]);
  });

  it('documents the /v7 wildcard as every resource with its query options, key paths and /$count', () => {
    const methods = new Set(t.app.mooring.routes.filter((r) => r.url === '/v7/*').map((r) => r.method));
    expect([...methods].sort()).toEqual(['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT']);
    for (const name of Object.keys(REGISTRY)) {
      const list = doc.paths[`/v7/${name}`]?.get;
      expect(list, name).toBeDefined();
      const params = ((list?.parameters ?? []) as { name: string }[]).map((p) => p.name);
      expect(params).toEqual(['$select', '$filter', '$expand', '$orderby', '$top', '$skip']);
      expect(doc.paths[`/v7/${name}({id})`]?.get, name).toBeDefined();
      expect(doc.paths[`/v7/${name}/$count`]?.get, name).toBeDefined();
      expect(doc.components.schemas?.[`v7.${name}`], name).toBeDefined();
    }
    expect(doc.paths["/v7/device(uuid='{uuid}')"]?.get).toBeDefined();
    expect(doc.paths['/v7/device']?.post?.requestBody).toBeDefined();
    expect(doc.paths['/v7/device_type']?.post).toBeUndefined();
    expect(doc.paths['/v7/api_key({id})']?.delete).toBeDefined();
    // PUT where balena's rule (create and update) can hold, with the whole entity as its body.
    expect(doc.paths['/v7/application_environment_variable({id})']?.put?.requestBody).toBeDefined();
    expect(doc.components.schemas?.['v7.application_environment_variable.replace']).toMatchObject({
      required: ['name', 'value'],
    });
    expect(doc.paths['/v7/api_key({id})']?.put).toBeUndefined();
    expect(doc.paths['/v7/device_type({id})']?.put).toBeUndefined();
  });

  it('declares the security schemes, with RFC 9421 as a documented extension, and per-route security from config.access', () => {
    const schemes = doc.components.securitySchemes as Record<string, Record<string, unknown>>;
    expect(schemes.bearerSession).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(schemes.bearerKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(schemes.apiKeyQuery).toMatchObject({ type: 'apiKey', in: 'query', name: 'apikey' });
    expect(schemes.httpSignature?.['x-mooring-signature']).toMatchObject({
      algorithms: ['hmac-sha256', 'ed25519'],
    });
    expect(doc.paths['/mooring/v1/sessions']?.get?.security).toEqual([{ bearerSession: [] }]);
    expect(doc.paths['/login_']?.post?.security?.[0]).toEqual({});
    expect(doc.paths['/device/register']?.post?.security).toEqual([
      { bearerKey: [] },
      { apiKeyQuery: [] },
      { httpSignature: [] },
    ]);
    expect(doc.paths['/mooring/v1/users']?.get?.['x-mooring-access']).toMatch(/administrators only/);
    expect(doc.paths['/mooring/v1/sessions']?.get?.responses?.['401']).toEqual({
      $ref: '#/components/responses/MooringUnauthorized',
    });
    expect(doc.paths['/api-key/user/full']?.post?.responses?.['401']).toEqual({
      $ref: '#/components/responses/BalenaUnauthorized',
    });
  });

  it('every operation has a summary and tags; bodies are documented from the route schemas', () => {
    const untagged: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (typeof op.summary !== 'string' || !Array.isArray(op.tags) || op.tags.length === 0)
          untagged.push(`${method} ${path}`);
      }
    }
    expect(untagged).toEqual([]);
    expect(doc.paths['/login_']?.post?.responses?.['200']).toMatchObject({ content: { 'text/plain': {} } });
    expect(doc.paths['/mooring/v1/sessions/{id}']?.delete?.responses?.['204']).toBeDefined();
    expect(doc.paths['/mooring/v1/sessions']?.get?.responses?.['200']).toMatchObject({
      content: { 'application/json': { schema: { properties: { sessions: { type: 'array' } } } } },
    });
    const body = doc.paths['/api-key/user/full']?.post?.requestBody as {
      content: Record<string, { schema: { properties: object } }>;
    };
    expect(Object.keys(body.content['application/json']?.schema.properties ?? {})).toEqual(
      expect.arrayContaining(['name', 'expiryDate', 'scopes', 'fleets', 'signing']),
    );
  });

  it('serves the rendered reference at /docs with local assets only', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    const srcs = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(srcs.length).toBeGreaterThan(3);
    for (const src of srcs) {
      expect(src.startsWith('/docs/static/')).toBe(true);
      const asset = await t.app.inject({ method: 'GET', url: src });
      expect(asset.statusCode, src).toBe(200);
      expect(asset.body.length, src).toBeGreaterThan(10);
    }
    const init = await t.app.inject({ method: 'GET', url: '/docs/static/initializer.js' });
    expect(init.body).toContain("url: '/openapi.json'");
    const other = await t.app.inject({ method: 'GET', url: '/docs/static/..%2f..%2fpackage.json' });
    expect(other.statusCode).toBe(400);
    expect((await t.app.inject({ method: 'GET', url: '/docs/static/index.html' })).statusCode).toBe(400);
  });
});

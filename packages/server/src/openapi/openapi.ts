import { createRequire } from 'node:module';
import fastifySwagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { registerDocsPage } from './docs-page.js';
import { swaggerOptions } from './document.js';

/**
 * OpenAPI 3.1 at /openapi.json, generated at run time from the route schemas (summary, tags, body,
 * params, querystring, response) and each route's declared access, plus the /v7 resource paths from
 * the resource model; the rendered reference at /docs. Register before any route: @fastify/swagger
 * collects routes through an onRoute hook. The route meta-test compares the document with
 * `app.mooring.routes`, the app's own table of every registered route.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  const version = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
  await app.register(fastifySwagger, swaggerOptions(version));
  let document: string | undefined;

  app.get(
    '/openapi.json',
    {
      config: { access: 'public', wire: 'mooring' },
      schema: { summary: 'This OpenAPI 3.1 document', tags: ['meta'] },
    },
    async (_request, reply) => {
      // Routes cannot change once the app is ready, so the document is built and serialised once.
      document ??= JSON.stringify(app.swagger());
      return reply.type('application/json; charset=utf-8').send(document);
    },
  );
  registerDocsPage(app);
}

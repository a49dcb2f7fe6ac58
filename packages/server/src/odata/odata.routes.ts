import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ODataService } from './odata.service.js';
import type { ReadTags } from './read-tags.js';

/** The path after `/v7`, still percent-encoded (the parser splits on `&` before decoding). */
const odataPath = (request: FastifyRequest): string => request.url.slice(3);

/**
 * `/v7/<resource>…`: access is decided per row by the permission module inside the OData service,
 * so the routes are public at the HTTP level (a presented credential is still verified first).
 */
export function registerODataRoutes(app: FastifyInstance, odata: ODataService, tags: ReadTags): void {
  const config = { access: 'public', wire: 'balena' } as const;
  const url = '/v7/*';

  // HEAD is Fastify's automatic twin of this route. ETag, Cache-Control and 304: read-tags.ts (the
  // table versions are read before the data or with it, so a race yields a stale tag, never a fresh one).
  app.get(url, { config }, async (request, reply) => {
    const json = await tags.read(
      odataPath(request),
      request.principal,
      request.headers['if-none-match'],
      reply,
    );
    if (json === null) return reply.code(304).send();
    return reply.type('application/json').send(json);
  });

  app.post(url, { config }, async (request, reply) => {
    const { id, entity } = await odata.create(odataPath(request), request.body, request.principal);
    const resource = odataPath(request).split(/[/?(]/)[1] ?? '';
    return reply.code(201).header('location', `/v7/${resource}(${id})`).type('application/json').send(entity);
  });

  app.patch(url, { config }, async (request, reply) => {
    await odata.update(odataPath(request), request.body, request.principal);
    return reply.code(200).send('');
  });

  // balena's PUT replaces one entity (pinejs `runPut`); like PATCH it answers 200 with an empty body.
  app.put(url, { config }, async (request, reply) => {
    await odata.replace(odataPath(request), request.body, request.principal);
    return reply.code(200).send('');
  });

  app.delete(url, { config }, async (request, reply) => {
    await odata.remove(odataPath(request), request.principal);
    return reply.code(200).send('');
  });
}

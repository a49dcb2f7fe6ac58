import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ODataService } from './odata.service.js';

/** The path after `/v7`, still percent-encoded (the parser splits on `&` before decoding). */
const odataPath = (request: FastifyRequest): string => request.url.slice(3);

/**
 * `/v7/<resource>…`: access is decided per row by the permission module inside the OData service,
 * so the routes are public at the HTTP level (a presented credential is still verified first).
 */
export function registerODataRoutes(app: FastifyInstance, odata: ODataService): void {
  const config = { access: 'public', wire: 'balena' } as const;
  const url = '/v7/*';

  // Not async: on SQLite the answer is ready synchronously (a string), and only PostgreSQL's is a
  // promise, which Fastify awaits and sends.
  app.get(url, { config }, (request, reply) => {
    const json = odata.readJson(odataPath(request), request.principal);
    reply.type('application/json');
    if (typeof json !== 'string') return json;
    reply.send(json);
    return undefined;
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

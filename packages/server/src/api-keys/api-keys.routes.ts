import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type ActorKeyBody, ROUTES } from '@mooring/protocol/contract';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { principalOf } from '../auth/access.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors/app-error.js';
import { ANY_USER, FRESH_LOGIN } from '../http/route-config.js';
import { createActorKey, createNamedUserKey, rotateKey } from './api-keys.service.js';

/** balena answers these with the key as a JSON string (COMPAT.md A5). */
const sendKey = (reply: FastifyReply, key: string) =>
  reply.code(200).type('application/json; charset=utf-8').send(JSON.stringify(key));

/** Key creation (balena-compatible paths) and Mooring's rotation endpoint. */
export function registerApiKeyRoutes(server: FastifyInstance, ctx: AppContext): void {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  const balena = { access: ANY_USER, wire: 'balena' } as const;

  app.post(
    '/api-key/user/full',
    {
      config: { access: FRESH_LOGIN, wire: 'balena' },
      schema: {
        summary: 'Create a named API key for the caller (password login < 20 min old)',
        description:
          'The key once, as a JSON string; a signing key answers `{key, keyId, signing, requiresSignature}` with its secret once.',
        tags: ['api-keys'],
        body: ROUTES['POST /api-key/user/full'].body,
      },
    },
    async (request, reply) => {
      const issued = await createNamedUserKey(ctx, principalOf(request), request.body);
      // balena's answer is the bare key; a signing key (Mooring's addition) also carries its material.
      return issued.signing ? reply.code(200).send(issued) : sendKey(reply, issued.key);
    },
  );

  const v2 = async (request: FastifyRequest<{ Body: ActorKeyBody }>, reply: FastifyReply) => {
    const body = request.body;
    const role = body.roles[0];
    const target =
      body.actorType === 'application' && role === 'provisioning-api-key'
        ? ({ kind: 'provisioning', id: body.actorTypeId } as const)
        : body.actorType === 'device' && role === 'device-api-key'
          ? ({ kind: 'device', id: body.actorTypeId } as const)
          : undefined;
    if (!target) {
      throw new AppError(
        'validation',
        'Supported: actorType "application" with role "provisioning-api-key", or "device" with "device-api-key"',
      );
    }
    return sendKey(reply, await createActorKey(ctx, principalOf(request), target, body));
  };
  const v2Schema = {
    summary: 'Create a provisioning key (fleet) or device key: the key once, as a JSON string',
    tags: ['api-keys'],
  };
  // The SDK calls it with a trailing slash.
  app.post(
    '/api-key/v2/',
    { config: balena, schema: { ...v2Schema, body: ROUTES['POST /api-key/v2/'].body } },
    v2,
  );
  app.post(
    '/api-key/v2',
    { config: balena, schema: { ...v2Schema, body: ROUTES['POST /api-key/v2'].body } },
    v2,
  );

  // The fleet's provisioning key and the device's own key: same body, different target.
  const actorKeyRoutes = [
    { url: '/api-key/application/:id/provisioning', kind: 'provisioning' },
    { url: '/api-key/device/:id/device-key', kind: 'device' },
  ] as const;
  for (const { url, kind } of actorKeyRoutes) {
    app.post(
      url,
      {
        config: balena,
        schema: {
          summary: `Create a ${kind === 'device' ? 'device key for the device' : 'provisioning key for the fleet'} (legacy path)`,
          tags: ['api-keys'],
          params: ROUTES[`POST ${url}`].params,
          body: ROUTES[`POST ${url}`].body,
        },
      },
      async (request, reply) =>
        sendKey(
          reply,
          await createActorKey(
            ctx,
            principalOf(request),
            { kind, id: request.params.id },
            request.body ?? {},
          ),
        ),
    );
  }

  app.post(
    '/mooring/v1/keys/:id/rotate',
    {
      config: { access: ANY_USER, wire: 'mooring' },
      schema: {
        summary: 'Rotate a key: a successor now, the old key expires after the grace period',
        tags: ['api-keys'],
        params: ROUTES['POST /mooring/v1/keys/:id/rotate'].params,
        body: ROUTES['POST /mooring/v1/keys/:id/rotate'].body,
      },
    },
    async (request) =>
      rotateKey(ctx, principalOf(request), request.params.id, request.body.gracePeriodSeconds, request.body),
  );
}

import type { FastifyInstance, FastifyReply } from 'fastify';
import { principalOf } from '../auth/auth.routes.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors/app-error.js';
import { ANY_USER } from '../http/route-config.js';
import { type SigningInput, signingSchema } from '../signatures/signing-settings.js';
import {
  createActorKey,
  createNamedUserKey,
  type KeyInput,
  type NamedKeyInput,
  rotateKey,
} from './api-keys.service.js';

const nullableString = (maxLength: number) => ({ type: ['string', 'null'], maxLength });
const keyFields = {
  name: nullableString(1564),
  description: nullableString(100_000),
  expiryDate: nullableString(64),
};
const namedKeyBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    ...keyFields,
    name: { type: 'string', maxLength: 1564 },
    scopes: { type: ['array', 'null'], maxItems: 16, items: { type: 'string', maxLength: 32 } },
    fleets: {
      type: ['array', 'null'],
      maxItems: 100,
      items: { anyOf: [{ type: 'integer' }, { type: 'string' }] },
    },
    headerOnly: { type: 'boolean' },
    signing: signingSchema,
    requiresSignature: { type: 'boolean' },
  },
} as const;

/** balena answers these with the key as a JSON string (COMPAT.md A5). */
const sendKey = (reply: FastifyReply, key: string) =>
  reply.code(200).type('application/json; charset=utf-8').send(JSON.stringify(key));

/** Key creation (balena-compatible paths) and Mooring's rotation endpoint. */
export function registerApiKeyRoutes(app: FastifyInstance, ctx: AppContext): void {
  const balena = { access: ANY_USER, wire: 'balena' } as const;

  app.post<{ Body: NamedKeyInput }>(
    '/api-key/user/full',
    {
      config: balena,
      schema: {
        summary: 'Create a named API key for the caller (password login < 20 min old)',
        description:
          'The key once, as a JSON string; a signing key answers `{key, keyId, signing, requiresSignature}` with its secret once.',
        tags: ['api-keys'],
        body: namedKeyBody,
      },
    },
    async (request, reply) => {
      const issued = await createNamedUserKey(ctx, principalOf(request), request.body);
      // balena's answer is the bare key; a signing key (Mooring's addition) also carries its material.
      return issued.signing ? reply.code(200).send(issued) : sendKey(reply, issued.key);
    },
  );

  const v2 = async (request: import('fastify').FastifyRequest, reply: FastifyReply) => {
    const body = request.body as KeyInput & { actorType: string; actorTypeId: number; roles: string[] };
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
    body: {
      type: 'object',
      additionalProperties: false,
      required: ['actorType', 'actorTypeId', 'roles', 'expiryDate'],
      properties: {
        ...keyFields,
        actorType: { enum: ['application', 'device', 'user'] },
        actorTypeId: { type: 'integer', minimum: 1 },
        roles: {
          type: 'array',
          minItems: 1,
          maxItems: 1,
          items: { type: 'string', minLength: 1, maxLength: 64 },
        },
      },
    },
  };
  // The SDK calls it with a trailing slash.
  app.post('/api-key/v2/', { config: balena, schema: v2Schema }, v2);
  app.post('/api-key/v2', { config: balena, schema: v2Schema }, v2);

  const idParam = (name: string) => ({
    type: 'object',
    properties: { [name]: { type: 'integer', minimum: 1, maximum: 2_147_483_647 } },
  });
  const optionalKeyBody = {
    anyOf: [{ type: 'object', additionalProperties: false, properties: keyFields }, { type: 'null' }],
  };

  // The fleet's provisioning key and the device's own key: same body, different target.
  const actorKeyRoutes = [
    { url: '/api-key/application/:id/provisioning', kind: 'provisioning' },
    { url: '/api-key/device/:id/device-key', kind: 'device' },
  ] as const;
  for (const { url, kind } of actorKeyRoutes) {
    app.post<{ Params: { id: number }; Body: KeyInput | null }>(
      url,
      {
        config: balena,
        schema: {
          summary: `Create a ${kind === 'device' ? 'device key for the device' : 'provisioning key for the fleet'} (legacy path)`,
          tags: ['api-keys'],
          params: idParam('id'),
          body: optionalKeyBody,
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

  app.post<{
    Params: { id: number };
    Body: { gracePeriodSeconds: number; signing?: SigningInput | null; requiresSignature?: boolean };
  }>(
    '/mooring/v1/keys/:id/rotate',
    {
      config: { access: ANY_USER, wire: 'mooring' },
      schema: {
        summary: 'Rotate a key: a successor now, the old key expires after the grace period',
        tags: ['api-keys'],
        params: idParam('id'),
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['gracePeriodSeconds'],
          properties: {
            gracePeriodSeconds: { type: 'integer', minimum: 0, maximum: 604_800 },
            signing: signingSchema,
            requiresSignature: { type: 'boolean' },
          },
        },
      },
    },
    async (request) =>
      rotateKey(ctx, principalOf(request), request.params.id, request.body.gracePeriodSeconds, request.body),
  );
}

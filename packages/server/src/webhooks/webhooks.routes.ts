// Type-only: adds `summary`/`tags` to FastifySchema (the OpenAPI document is generated from route schemas).
import type {} from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../auth/auth.routes.js';
import type { AppContext } from '../context.js';
import { EVENT_TYPES } from '../events/event-types.js';
import type { EventNotifier } from '../events/notifier.js';
import { ANY_USER } from '../http/route-config.js';
import { WebhookDispatcher } from './dispatcher.js';
import { registerWebhookMetrics } from './metrics.js';
import { MAX_URL_LENGTH } from './ssrf.js';
import type { DeliveryStatus } from './webhooks.repository.js';
import {
  createEndpoint,
  DEFAULT_GRACE_SECONDS,
  deleteEndpoint,
  type EndpointInput,
  type EndpointUpdate,
  getEndpoint,
  listDeliveries,
  listEndpoints,
  redeliver,
  rotateSecret,
  sendTestEvent,
  updateEndpoint,
} from './webhooks.service.js';

/** What tests and metrics reach through `app.webhooks`. */
export interface WebhooksRuntime {
  readonly dispatcher: WebhookDispatcher;
}

declare module 'fastify' {
  interface FastifyInstance {
    webhooks: WebhooksRuntime;
  }
}

const TAGS = ['webhooks'];
const ACCESS = { access: ANY_USER, wire: 'mooring' } as const;
const ID = { type: 'integer', minimum: 1, maximum: 2_147_483_647 } as const;
const idParams = { type: 'object', required: ['id'], properties: { id: ID } } as const;
const nullableDate = { type: ['string', 'null'], format: 'date-time' } as const;
const typeList = {
  type: ['array', 'null'],
  minItems: 1,
  maxItems: 64,
  items: { type: 'string', maxLength: 64 },
  description: `Event types (${EVENT_TYPES.join(', ')}; or device.*, api_key.*, webhook.*); null: all`,
} as const;
const fleetList = {
  type: ['array', 'null'],
  minItems: 1,
  maxItems: 100,
  items: ID,
  description: 'Only these fleets’ events (fleets of the organization); null: all',
} as const;
const url = { type: 'string', minLength: 1, maxLength: MAX_URL_LENGTH } as const;
const description = { type: ['string', 'null'], maxLength: 500 } as const;

const ENDPOINT_SCHEMA = {
  type: 'object',
  required: ['id', 'organization', 'url', 'types', 'fleets', 'enabled', 'publicKey'],
  properties: {
    id: { type: 'integer' },
    organization: { type: 'integer' },
    url: { type: 'string' },
    description: { type: ['string', 'null'] },
    types: { type: ['array', 'null'], items: { type: 'string' } },
    fleets: { type: ['array', 'null'], items: { type: 'integer' } },
    enabled: { type: 'boolean' },
    disabledReason: { type: ['string', 'null'], description: 'manual, gone (410), failing (5 days)' },
    disabledAt: nullableDate,
    publicKey: { type: 'string', description: '`whpk_…`: verifies `v1a,` (Ed25519) signatures' },
    previousSecretExpiresAt: nullableDate,
    failingSince: nullableDate,
    createdAt: { type: 'string', format: 'date-time' },
    modifiedAt: { type: 'string', format: 'date-time' },
  },
} as const;

const WITH_SECRET = {
  ...ENDPOINT_SCHEMA,
  required: [...ENDPOINT_SCHEMA.required, 'secret'],
  properties: {
    ...ENDPOINT_SCHEMA.properties,
    secret: { type: 'string', description: '`whsec_…`: shown only now' },
  },
} as const;

const DELIVERY_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    webhookId: { type: 'string' },
    eventId: { type: ['integer', 'null'] },
    type: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'delivered', 'failed', 'cancelled'] },
    attempts: { type: 'integer' },
    nextAttemptAt: nullableDate,
    lastStatus: { type: ['integer', 'null'] },
    lastError: { type: ['string', 'null'] },
    createdAt: { type: 'string', format: 'date-time' },
    completedAt: nullableDate,
    attemptLog: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          attempt: { type: 'integer' },
          at: { type: 'string', format: 'date-time' },
          statusCode: { type: ['integer', 'null'] },
          durationMs: { type: 'integer' },
          error: { type: ['string', 'null'] },
          response: { type: ['string', 'null'], description: 'The first 1 KiB of the answer' },
          succeeded: { type: 'boolean' },
        },
      },
    },
  },
} as const;

/**
 * Webhook endpoints (docs/events.md "Webhooks"): management by organization administrators, the
 * delivery log, redelivery and test events. Starts this instance's dispatcher, stopped on close.
 */
export function registerWebhookRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  notifier: EventNotifier,
): WebhooksRuntime {
  const dispatcher = new WebhookDispatcher(ctx, notifier);
  const runtime: WebhooksRuntime = { dispatcher };
  app.decorate('webhooks', runtime);
  dispatcher.start();
  app.addHook('onClose', async () => dispatcher.close());
  if (app.mooring.metrics) registerWebhookMetrics(app.mooring.metrics.registry, ctx, dispatcher);
  const wake = (): void => dispatcher.kick();

  app.post<{ Body: EndpointInput }>(
    '/mooring/v1/webhooks',
    {
      config: ACCESS,
      schema: {
        summary: 'Create a webhook endpoint (organization administrators)',
        description:
          'The answer carries the `whsec_` secret (HMAC, `v1,` signatures), shown only now, and the `whpk_` public key (Ed25519, `v1a,`). The endpoint receives the organization’s events written from now on.',
        tags: TAGS,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['organization', 'url'],
          properties: {
            organization: {
              anyOf: [ID, { type: 'string', minLength: 1, maxLength: 220 }],
              description: 'Organization id or handle',
            },
            url,
            description,
            types: typeList,
            fleets: fleetList,
            enabled: { type: 'boolean' },
          },
        },
        response: { 201: WITH_SECRET },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createEndpoint(ctx, principalOf(request), request.body)),
  );

  app.get<{ Querystring: { organization?: number } }>(
    '/mooring/v1/webhooks',
    {
      config: ACCESS,
      schema: {
        summary: 'Webhook endpoints the caller manages',
        tags: TAGS,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { organization: ID, apikey: { type: 'string', maxLength: 4096 } },
        },
        response: {
          200: {
            type: 'object',
            properties: { endpoints: { type: 'array', items: ENDPOINT_SCHEMA } },
          },
        },
      },
    },
    async (request) => ({
      endpoints: await listEndpoints(ctx, principalOf(request), request.query.organization),
    }),
  );

  app.get<{ Params: { id: number } }>(
    '/mooring/v1/webhooks/:id',
    {
      config: ACCESS,
      schema: {
        summary: 'One webhook endpoint',
        tags: TAGS,
        params: idParams,
        response: { 200: ENDPOINT_SCHEMA },
      },
    },
    async (request) => getEndpoint(ctx, principalOf(request), request.params.id),
  );

  app.patch<{ Params: { id: number }; Body: EndpointUpdate }>(
    '/mooring/v1/webhooks/:id',
    {
      config: ACCESS,
      schema: {
        summary: 'Change a webhook endpoint: url, description, types, fleets, enabled',
        description:
          'Re-enabling a disabled endpoint starts from the next event (redeliver for the ones in between).',
        tags: TAGS,
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: { url, description, types: typeList, fleets: fleetList, enabled: { type: 'boolean' } },
        },
        response: { 200: ENDPOINT_SCHEMA },
      },
    },
    async (request) => updateEndpoint(ctx, principalOf(request), request.params.id, request.body),
  );

  app.delete<{ Params: { id: number } }>(
    '/mooring/v1/webhooks/:id',
    {
      config: ACCESS,
      schema: { summary: 'Delete a webhook endpoint and its delivery log', tags: TAGS, params: idParams },
    },
    async (request, reply) => {
      await deleteEndpoint(ctx, principalOf(request), request.params.id);
      return reply.code(204).send();
    },
  );

  app.post<{ Params: { id: number }; Body: { gracePeriodSeconds?: number } | null }>(
    '/mooring/v1/webhooks/:id/rotate-secret',
    {
      config: ACCESS,
      schema: {
        summary: 'A new whsec_ secret; the old one keeps signing during the grace period',
        tags: TAGS,
        params: idParams,
        body: {
          anyOf: [
            {
              type: 'object',
              additionalProperties: false,
              properties: {
                gracePeriodSeconds: {
                  type: 'integer',
                  minimum: 0,
                  maximum: 604_800,
                  description: `Default ${DEFAULT_GRACE_SECONDS} (24 h)`,
                },
              },
            },
            { type: 'null' },
          ],
        },
        response: {
          200: {
            type: 'object',
            required: ['secret', 'previousSecretExpiresAt'],
            properties: { secret: { type: 'string' }, previousSecretExpiresAt: nullableDate },
          },
        },
      },
    },
    async (request) =>
      rotateSecret(
        ctx,
        principalOf(request),
        request.params.id,
        request.body?.gracePeriodSeconds ?? DEFAULT_GRACE_SECONDS,
      ),
  );

  app.get<{
    Params: { id: number };
    Querystring: { before?: number; limit?: number; status?: DeliveryStatus };
  }>(
    '/mooring/v1/webhooks/:id/deliveries',
    {
      config: ACCESS,
      schema: {
        summary:
          'The delivery log, newest first: each attempt’s time, status, latency, first 1 KiB of the answer',
        tags: TAGS,
        params: idParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            before: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
            limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
            status: { type: 'string', enum: ['pending', 'delivered', 'failed', 'cancelled'] },
            apikey: { type: 'string', maxLength: 4096 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              deliveries: { type: 'array', items: DELIVERY_SCHEMA },
              next: { type: ['integer', 'null'], description: 'Pass as `before` for older deliveries' },
            },
          },
        },
      },
    },
    async (request) => listDeliveries(ctx, principalOf(request), request.params.id, request.query),
  );

  app.post<{ Params: { id: number }; Body: { eventId?: number; since?: string } }>(
    '/mooring/v1/webhooks/:id/redeliver',
    {
      config: ACCESS,
      schema: {
        summary: 'Send one event again, or every event since a time (same webhook-id)',
        tags: TAGS,
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          maxProperties: 1,
          properties: {
            eventId: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
            since: { type: 'string', format: 'date-time', maxLength: 64 },
          },
        },
        response: {
          202: {
            type: 'object',
            properties: { queued: { type: 'integer' }, truncated: { type: 'boolean' } },
          },
        },
      },
    },
    async (request, reply) =>
      reply.code(202).send(await redeliver(ctx, principalOf(request), request.params.id, request.body, wake)),
  );

  app.post<{ Params: { id: number } }>(
    '/mooring/v1/webhooks/:id/test',
    {
      config: ACCESS,
      schema: {
        summary: 'Send a webhook.test message now (once, not retried)',
        tags: TAGS,
        params: idParams,
        response: { 202: { type: 'object', properties: { webhookId: { type: 'string' } } } },
      },
    },
    async (request, reply) =>
      reply.code(202).send(await sendTestEvent(ctx, principalOf(request), request.params.id, wake)),
  );

  return runtime;
}

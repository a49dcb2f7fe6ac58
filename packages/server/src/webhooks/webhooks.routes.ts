// Type-only: adds `summary`/`tags` to FastifySchema (the OpenAPI document is generated from route schemas).
import type {} from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ROUTES } from '@mooring/protocol/contract';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../auth/access.js';
import type { AppContext } from '../context.js';
import type { EventNotifier } from '../events/notifier.js';
import { ANY_USER } from '../http/route-config.js';
import { WebhookDispatcher } from './dispatcher.js';
import { registerWebhookMetrics } from './metrics.js';
import {
  createEndpoint,
  DEFAULT_GRACE_SECONDS,
  deleteEndpoint,
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
/**
 * Webhook endpoints (docs/events.md "Webhooks"): management by organization administrators, the
 * delivery log, redelivery and test events. Starts this instance's dispatcher, stopped on close.
 */
export function registerWebhookRoutes(
  server: FastifyInstance,
  ctx: AppContext,
  notifier: EventNotifier,
): WebhooksRuntime {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  const dispatcher = new WebhookDispatcher(ctx, notifier);
  const runtime: WebhooksRuntime = { dispatcher };
  app.decorate('webhooks', runtime);
  dispatcher.start();
  app.addHook('onClose', async () => dispatcher.close());
  if (app.mooring.metrics) registerWebhookMetrics(app.mooring.metrics.registry, ctx, dispatcher);
  const wake = (): void => dispatcher.kick();

  // Every answer here is serialised by its contract schema (`response`): exactly the fields it lists.
  const create = ROUTES['POST /mooring/v1/webhooks'];
  app.post(
    '/mooring/v1/webhooks',
    {
      config: ACCESS,
      schema: {
        summary: 'Create a webhook endpoint (organization administrators)',
        description:
          'The answer carries the `whsec_` secret (HMAC, `v1,` signatures), shown only now, and the `whpk_` public key (Ed25519, `v1a,`). The endpoint receives the organization’s events written from now on.',
        tags: TAGS,
        body: create.body,
        response: create.response,
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createEndpoint(ctx, principalOf(request), request.body)),
  );

  const list = ROUTES['GET /mooring/v1/webhooks'];
  app.get(
    '/mooring/v1/webhooks',
    {
      config: ACCESS,
      schema: {
        summary: 'Webhook endpoints the caller manages',
        tags: TAGS,
        querystring: list.querystring,
        response: list.response,
      },
    },
    async (request) => ({
      endpoints: await listEndpoints(ctx, principalOf(request), request.query.organization),
    }),
  );

  const one = ROUTES['GET /mooring/v1/webhooks/:id'];
  app.get(
    '/mooring/v1/webhooks/:id',
    {
      config: ACCESS,
      schema: { summary: 'One webhook endpoint', tags: TAGS, params: one.params, response: one.response },
    },
    async (request) => getEndpoint(ctx, principalOf(request), request.params.id),
  );

  const change = ROUTES['PATCH /mooring/v1/webhooks/:id'];
  app.patch(
    '/mooring/v1/webhooks/:id',
    {
      config: ACCESS,
      schema: {
        summary: 'Change a webhook endpoint: url, description, types, fleets, enabled',
        description:
          'Re-enabling a disabled endpoint starts from the next event (redeliver for the ones in between).',
        tags: TAGS,
        params: change.params,
        body: change.body,
        response: change.response,
      },
    },
    async (request) => updateEndpoint(ctx, principalOf(request), request.params.id, request.body),
  );

  app.delete(
    '/mooring/v1/webhooks/:id',
    {
      config: ACCESS,
      schema: {
        summary: 'Delete a webhook endpoint and its delivery log',
        tags: TAGS,
        params: ROUTES['DELETE /mooring/v1/webhooks/:id'].params,
      },
    },
    async (request, reply) => {
      await deleteEndpoint(ctx, principalOf(request), request.params.id);
      return reply.code(204).send();
    },
  );

  const rotate = ROUTES['POST /mooring/v1/webhooks/:id/rotate-secret'];
  app.post(
    '/mooring/v1/webhooks/:id/rotate-secret',
    {
      config: ACCESS,
      schema: {
        summary: 'A new whsec_ secret; the old one keeps signing during the grace period',
        tags: TAGS,
        params: rotate.params,
        body: rotate.body,
        response: rotate.response,
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

  const deliveries = ROUTES['GET /mooring/v1/webhooks/:id/deliveries'];
  app.get(
    '/mooring/v1/webhooks/:id/deliveries',
    {
      config: ACCESS,
      schema: {
        summary:
          'The delivery log, newest first: each attempt’s time, status, latency, first 1 KiB of the answer',
        tags: TAGS,
        params: deliveries.params,
        querystring: deliveries.querystring,
        response: deliveries.response,
      },
    },
    async (request) => listDeliveries(ctx, principalOf(request), request.params.id, request.query),
  );

  const again = ROUTES['POST /mooring/v1/webhooks/:id/redeliver'];
  app.post(
    '/mooring/v1/webhooks/:id/redeliver',
    {
      config: ACCESS,
      schema: {
        summary: 'Send one event again, or every event since a time (same webhook-id)',
        tags: TAGS,
        params: again.params,
        body: again.body,
        response: again.response,
      },
    },
    async (request, reply) =>
      reply.code(202).send(await redeliver(ctx, principalOf(request), request.params.id, request.body, wake)),
  );

  const test = ROUTES['POST /mooring/v1/webhooks/:id/test'];
  app.post(
    '/mooring/v1/webhooks/:id/test',
    {
      config: ACCESS,
      schema: {
        summary: 'Send a webhook.test message now (once, not retried)',
        tags: TAGS,
        params: test.params,
        response: test.response,
      },
    },
    async (request, reply) =>
      reply.code(202).send(await sendTestEvent(ctx, principalOf(request), request.params.id, wake)),
  );

  return runtime;
}

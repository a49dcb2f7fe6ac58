// Type-only: adds `summary`/`tags` to FastifySchema (the OpenAPI document is generated from route schemas).
import type {} from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ROUTES } from '@mooring/protocol/contract';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../auth/access.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors/app-error.js';
import { ANY_USER } from '../http/route-config.js';
import { MAX_WAIT_SECONDS, parseFilters, readFeed, requireEventRights } from './events.service.js';
import { EventHub } from './hub.js';
import { EventMaintenance } from './maintenance.js';
import type { EventNotifier } from './notifier.js';
import { SseSubscriber } from './sse.js';

/** What tests and metrics reach through `app.events`. */
export interface EventsRuntime {
  readonly notifier: EventNotifier;
  readonly hub: EventHub;
  readonly maintenance: EventMaintenance;
}

declare module 'fastify' {
  interface FastifyInstance {
    events: EventsRuntime;
  }
}

const TAGS = ['events'];

/**
 * The event feed (page + long-poll) and stream (Server-Sent Events), docs/events.md. Also starts the
 * stream hub and the periodic maintenance (key expiry events, retention), stopped when the app closes.
 */
export async function registerEventRoutes(
  server: FastifyInstance,
  ctx: AppContext,
  notifier: EventNotifier,
): Promise<EventsRuntime> {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  const hub = new EventHub(ctx, notifier);
  const maintenance = new EventMaintenance(ctx);
  const runtime: EventsRuntime = { notifier, hub, maintenance };
  app.decorate('events', runtime);
  await hub.start();
  maintenance.start();
  // Before the server stops accepting: open streams and parked long-polls would otherwise keep it
  // from closing (a long-poll answers at once with what it has).
  app.addHook('preClose', async () => {
    hub.close();
    await notifier.close();
  });
  app.addHook('onClose', async () => maintenance.stop());

  const feed = ROUTES['GET /mooring/v1/events'];
  app.get(
    '/mooring/v1/events',
    {
      config: { access: ANY_USER, wire: 'mooring' },
      schema: {
        summary: 'Events after a cursor, oldest first; optionally wait for the next ones',
        description: `Only events the caller may receive now (organizations, fleet limits, scopes). \`next\` is the cursor for the following call. With \`wait\` (≤ ${MAX_WAIT_SECONDS} s) an empty answer is held until an event arrives. Device and provisioning keys: 403.`,
        tags: TAGS,
        querystring: feed.querystring,
        response: { 200: feed.response[200] },
      },
    },
    async (request) => readFeed(ctx, notifier, principalOf(request), request.query),
  );

  const stream = ROUTES['GET /mooring/v1/events/stream'];
  app.get(
    '/mooring/v1/events/stream',
    {
      config: { access: ANY_USER, wire: 'mooring' },
      schema: {
        summary: 'Events as a Server-Sent Events stream',
        description:
          'text/event-stream: `id:` = cursor, `event:` = type, `data:` = the event as JSON (as in the feed). Resumes after `Last-Event-ID` (or `after`); without either, starts with the next event. A `: keep-alive` comment every 15 s. An `unauthorized` event ends the stream when the credential is revoked; `reconnect` asks the client to resume.',
        tags: TAGS,
        querystring: stream.querystring,
        headers: stream.headers,
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      requireEventRights(principal);
      const filters = parseFilters(request.query.types, request.query.fleet);
      const lastEventId = request.headers['last-event-id'];
      const resumeAt = typeof lastEventId === 'string' ? Number(lastEventId.trim()) : request.query.after;
      if (resumeAt !== undefined && !Number.isSafeInteger(resumeAt))
        throw new AppError('validation', 'Last-Event-ID must be an event cursor');
      // HEAD (Fastify's automatic twin of GET): the headers a stream would have, and no stream.
      if (request.method === 'HEAD') return reply.code(200).type('text/event-stream; charset=utf-8').send();
      const cursor = resumeAt ?? (await hub.currentHead());
      const subscriber = new SseSubscriber(reply.raw, principal, filters, cursor, (s) => hub.remove(s));
      hub.add(subscriber);
      reply.hijack();
      subscriber.begin();
    },
  );

  return runtime;
}

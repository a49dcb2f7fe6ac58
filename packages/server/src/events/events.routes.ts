// Type-only: adds `summary`/`tags` to FastifySchema (the OpenAPI document is generated from route schemas).
import type {} from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../auth/auth.routes.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors/app-error.js';
import { ANY_USER } from '../http/route-config.js';
import { EVENT_SCHEMA, EVENT_TYPES } from './event-types.js';
import {
  type FeedQuery,
  MAX_LIMIT,
  MAX_WAIT_SECONDS,
  parseFilters,
  readFeed,
  requireEventRights,
} from './events.service.js';
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
const MAX_CURSOR = Number.MAX_SAFE_INTEGER;
const filterProperties = {
  apikey: { type: 'string', maxLength: 4096 },
  after: { type: 'integer', minimum: 0, maximum: MAX_CURSOR, description: 'Events after this cursor' },
  types: {
    type: 'string',
    maxLength: 2000,
    description: `Comma-separated: ${EVENT_TYPES.join(', ')}; or device.*, api_key.*`,
  },
  fleet: { type: 'integer', minimum: 1, maximum: 2_147_483_647, description: 'Only this fleet’s events' },
} as const;

/**
 * The event feed (page + long-poll) and stream (Server-Sent Events), docs/events.md. Also starts the
 * stream hub and the periodic maintenance (key expiry events, retention), stopped when the app closes.
 */
export async function registerEventRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  notifier: EventNotifier,
): Promise<EventsRuntime> {
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

  app.get<{ Querystring: FeedQuery }>(
    '/mooring/v1/events',
    {
      config: { access: ANY_USER, wire: 'mooring' },
      schema: {
        summary: 'Events after a cursor, oldest first; optionally wait for the next ones',
        description: `Only events the caller may receive now (organizations, fleet limits, scopes). \`next\` is the cursor for the following call. With \`wait\` (≤ ${MAX_WAIT_SECONDS} s) an empty answer is held until an event arrives. Device and provisioning keys: 403.`,
        tags: TAGS,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...filterProperties,
            limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: 100 },
            wait: { type: 'integer', minimum: 0, maximum: MAX_WAIT_SECONDS, default: 0 },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['events', 'next'],
            properties: { events: { type: 'array', items: EVENT_SCHEMA }, next: { type: 'integer' } },
          },
        },
      },
    },
    async (request) => readFeed(ctx, notifier, principalOf(request), request.query),
  );

  app.get<{ Querystring: { after?: number; types?: string; fleet?: number } }>(
    '/mooring/v1/events/stream',
    {
      config: { access: ANY_USER, wire: 'mooring' },
      schema: {
        summary: 'Events as a Server-Sent Events stream',
        description:
          'text/event-stream: `id:` = cursor, `event:` = type, `data:` = the event as JSON (as in the feed). Resumes after `Last-Event-ID` (or `after`); without either, starts with the next event. A `: keep-alive` comment every 15 s. An `unauthorized` event ends the stream when the credential is revoked; `reconnect` asks the client to resume.',
        tags: TAGS,
        querystring: { type: 'object', additionalProperties: false, properties: filterProperties },
        headers: {
          type: 'object',
          properties: { 'last-event-id': { type: 'string', pattern: '^\\s*\\d{1,16}\\s*$' } },
        },
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

// Type-only: adds `summary`/`tags` to FastifySchema (the OpenAPI document is generated from route schemas).
import type {} from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { REPORTED_FIELD_SCHEMAS, ROUTES } from '@mooring/protocol/contract';
import type { FastifyInstance } from 'fastify';
import type { RouteAccess } from '../auth/access.js';
import { principalOf } from '../auth/access.js';
import type { AppContext } from '../context.js';
import { ANY_USER } from '../http/route-config.js';
import { Heartbeats } from './heartbeat.js';
import { registerDevice } from './registration.service.js';
import { DeviceStateService } from './state.service.js';
import { statusHistory } from './status-history.service.js';
import type { StateApiVersion } from './target-state.js';

/** What tests, metrics and the dashboard reach through `app.devices`. */
export interface DevicesRuntime {
  readonly heartbeats: Heartbeats;
  readonly state: DeviceStateService;
}

declare module 'fastify' {
  interface FastifyInstance {
    devices: DevicesRuntime;
  }
}

const PROVISIONING_KEY: RouteAccess = { actors: ['application'] };
const DEVICE_KEY: RouteAccess = { actors: ['device'] };
const TAGS = ['devices'];

/**
 * Device endpoints: registration, the state endpoints (the heartbeat), the status history. Also
 * starts the heartbeat flusher and sweeper, and stops them (with a last flush) when the app closes.
 */
export function registerDeviceRoutes(server: FastifyInstance, ctx: AppContext): DevicesRuntime {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  const heartbeats = new Heartbeats(ctx);
  const state = new DeviceStateService(ctx, heartbeats);
  const runtime: DevicesRuntime = { heartbeats, state };
  app.decorate('devices', runtime);
  heartbeats.start();
  app.addHook('onClose', async () => heartbeats.stop());

  const register = ROUTES['POST /device/register'];
  app.post(
    '/device/register',
    {
      config: { access: PROVISIONING_KEY, wire: 'balena' },
      schema: {
        summary: 'Register a device with a provisioning key',
        description:
          'Creates the device and its device key in the provisioning key’s fleet. 201 `{id, uuid, api_key}`; 409 `"uuid" must be unique.` / `"key" must be unique.`; 404 for an unknown device type.',
        tags: TAGS,
        querystring: register.querystring,
        body: register.body,
        // Serialised by this schema: the answer carries exactly these fields.
        response: { 201: register.response[201] },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await registerDevice(ctx, principalOf(request), request.body ?? {})),
  );

  for (const version of ['v2', 'v3'] as const satisfies readonly StateApiVersion[]) {
    const poll = ROUTES[`GET /device/${version}/:uuid/state`];
    app.get(
      `/device/${version}/:uuid/state`,
      {
        config: { access: DEVICE_KEY, wire: 'balena' },
        schema: {
          summary: `Target state (${version}); each poll is a heartbeat`,
          description:
            'Only the device’s own key. Sends `ETag`; `If-None-Match` with the current tag → 304. An unknown uuid, or another device’s, is a bare 304 (balena’s graceful deny).',
          tags: TAGS,
          params: poll.params,
          querystring: poll.querystring,
        },
      },
      async (request, reply) => {
        const result = await state.poll(
          principalOf(request),
          request.params.uuid,
          version,
          request.headers['if-none-match'],
        );
        if (result.kind === 'deny') return reply.code(304).send();
        reply.header('etag', result.etag);
        if (result.kind === 'not-modified') return reply.code(304).send();
        return reply.code(200).type('application/json; charset=utf-8').send(result.body);
      },
    );

    const report = ROUTES[`PATCH /device/${version}/:uuid/state`];
    app.patch(
      `/device/${version}/:uuid/state`,
      {
        config: { access: DEVICE_KEY, wire: 'balena' },
        schema: {
          summary: `Report the device’s current state (${version})`,
          description: `Known fields (${Object.keys(REPORTED_FIELD_SCHEMAS).join(', ')}) are type-checked and stored; other fields are ignored, as balena does.`,
          tags: TAGS,
          params: report.params,
          querystring: report.querystring,
          body: report.body,
        },
      },
      async (request, reply) => {
        await state.report(principalOf(request), request.params.uuid, version, request.body ?? {});
        return reply.code(200).send();
      },
    );
  }

  const history = ROUTES['GET /mooring/v1/devices/:uuid/status-history'];
  app.get(
    '/mooring/v1/devices/:uuid/status-history',
    {
      config: { access: ANY_USER, wire: 'mooring' },
      schema: {
        summary: 'Heartbeat status changes of a device, newest first',
        tags: TAGS,
        params: history.params,
        querystring: history.querystring,
      },
    },
    async (request) =>
      statusHistory(ctx, principalOf(request), request.params.uuid, {
        limit: request.query.limit ?? 100,
        before: request.query.before,
        since: request.query.since,
      }),
  );

  return runtime;
}

// Type-only: adds `summary`/`tags` to FastifySchema (the OpenAPI document is generated from route schemas).
import type {} from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../auth/auth.routes.js';
import type { AppContext } from '../context.js';
import { ANY_USER, type RouteAccess } from '../http/route-config.js';
import { Heartbeats } from './heartbeat.js';
import { type RegisterInput, registerDevice } from './registration.service.js';
import { deviceReportSchema, REPORTED_FIELD_SCHEMAS } from './reported-state.js';
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

const UUID_PATTERN = '^[a-f0-9]{32}([a-f0-9]{30})?$';
const PROVISIONING_KEY: RouteAccess = { actors: ['application'] };
const DEVICE_KEY: RouteAccess = { actors: ['device'] };
const TAGS = ['devices'];
/** `?apikey=` is how supervisors and older tools send their key (COMPAT.md A5); nothing else is accepted. */
const apikeyOnly = {
  type: 'object',
  additionalProperties: false,
  properties: { apikey: { type: 'string', maxLength: 4096 } },
} as const;
const uuidParams = {
  type: 'object',
  required: ['uuid'],
  properties: { uuid: { type: 'string', pattern: UUID_PATTERN } },
} as const;

/**
 * Device endpoints: registration, the state endpoints (the heartbeat), the status history. Also
 * starts the heartbeat flusher and sweeper, and stops them (with a last flush) when the app closes.
 */
export function registerDeviceRoutes(app: FastifyInstance, ctx: AppContext): DevicesRuntime {
  const heartbeats = new Heartbeats(ctx);
  const state = new DeviceStateService(ctx, heartbeats);
  const runtime: DevicesRuntime = { heartbeats, state };
  app.decorate('devices', runtime);
  heartbeats.start();
  app.addHook('onClose', async () => heartbeats.stop());

  app.post<{ Body: RegisterInput }>(
    '/device/register',
    {
      config: { access: PROVISIONING_KEY, wire: 'balena' },
      schema: {
        summary: 'Register a device with a provisioning key',
        description:
          'Creates the device and its device key in the provisioning key’s fleet. 201 `{id, uuid, api_key}`; 409 `"uuid" must be unique.` / `"key" must be unique.`; 404 for an unknown device type.',
        tags: TAGS,
        querystring: apikeyOnly,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            user: { type: ['integer', 'null'] },
            application: { type: 'integer', minimum: 1, maximum: 2_147_483_647 },
            device_type: { type: 'string', minLength: 1, maxLength: 255 },
            uuid: { type: 'string', maxLength: 62 },
            api_key: { type: 'string', maxLength: 512 },
            device_name: { type: 'string', minLength: 1, maxLength: 255 },
            supervisor_version: { type: ['string', 'null'], maxLength: 255 },
            os_version: { type: ['string', 'null'], maxLength: 255 },
            os_variant: { type: ['string', 'null'], enum: ['prod', 'dev', null] },
            mac_address: { type: ['string', 'null'], maxLength: 10_000 },
          },
        },
        response: {
          201: {
            type: 'object',
            required: ['id', 'uuid', 'api_key'],
            properties: { id: { type: 'integer' }, uuid: { type: 'string' }, api_key: { type: 'string' } },
          },
        },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await registerDevice(ctx, principalOf(request), request.body ?? {})),
  );

  for (const version of ['v2', 'v3'] as const satisfies readonly StateApiVersion[]) {
    app.get<{ Params: { uuid: string } }>(
      `/device/${version}/:uuid/state`,
      {
        config: { access: DEVICE_KEY, wire: 'balena' },
        schema: {
          summary: `Target state (${version}); each poll is a heartbeat`,
          description:
            'Only the device’s own key. Sends `ETag`; `If-None-Match` with the current tag → 304. An unknown uuid, or another device’s, is a bare 304 (balena’s graceful deny).',
          tags: TAGS,
          params: uuidParams,
          querystring: apikeyOnly,
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

    app.patch<{ Params: { uuid: string }; Body: Record<string, unknown> }>(
      `/device/${version}/:uuid/state`,
      {
        config: { access: DEVICE_KEY, wire: 'balena' },
        schema: {
          summary: `Report the device’s current state (${version})`,
          description: `Known fields (${Object.keys(REPORTED_FIELD_SCHEMAS).join(', ')}) are type-checked and stored; other fields are ignored, as balena does.`,
          tags: TAGS,
          params: uuidParams,
          querystring: apikeyOnly,
          body:
            version === 'v2'
              ? {
                  type: 'object',
                  additionalProperties: false,
                  properties: { local: deviceReportSchema, dependent: { type: 'object' } },
                }
              : {
                  type: 'object',
                  additionalProperties: false,
                  maxProperties: 1,
                  patternProperties: { [UUID_PATTERN]: deviceReportSchema },
                },
        },
      },
      async (request, reply) => {
        await state.report(principalOf(request), request.params.uuid, version, request.body ?? {});
        return reply.code(200).send();
      },
    );
  }

  app.get<{ Params: { uuid: string }; Querystring: { limit?: number; before?: string } }>(
    '/mooring/v1/devices/:uuid/status-history',
    {
      config: { access: ANY_USER, wire: 'mooring' },
      schema: {
        summary: 'Heartbeat status changes of a device, newest first',
        tags: TAGS,
        params: uuidParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            apikey: { type: 'string', maxLength: 4096 },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            before: { type: 'string', maxLength: 64 },
          },
        },
      },
    },
    async (request) =>
      statusHistory(ctx, principalOf(request), request.params.uuid, {
        limit: request.query.limit ?? 100,
        before: request.query.before,
      }),
  );

  return runtime;
}

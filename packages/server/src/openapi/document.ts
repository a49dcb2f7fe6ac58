import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import { ErrorEnvelope } from '@mooring/protocol/contract';
import type { FastifySchema, RouteOptions } from 'fastify';
import type { WireFormat } from '../http/route-config.js';
import { DOCUMENTED_RESPONSES } from './responses.js';
import { describeAccess, SECURITY_SCHEMES, securityFor } from './security.js';
import { v7Paths, v7Schemas } from './v7-paths.js';

type Json = Record<string, unknown>;

/** Wildcard routes documented otherwise: /v7/* by the generated resource paths; /* is the dashboard's file server. */
const GENERATED_ELSEWHERE = new Set(['/v7/*', '/*']);

/** Mooring's error body, from the contract (its `code` lists the registry's codes). */
const mooringError = ErrorEnvelope as unknown as Json;
const balenaError = { type: 'string', description: 'The message, as a JSON string (balena wire format).' };
const response = (description: string, schema: Json, headers?: Json): Json => ({
  description,
  content: { 'application/json': { schema } },
  ...(headers ? { headers } : {}),
});
const RETRY_AFTER = {
  'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer', minimum: 1 } },
};

const RESPONSES = {
  MooringBadRequest: response('Malformed or invalid input.', mooringError),
  MooringUnauthorized: response(
    'No valid credential (one uniform answer for unknown, malformed, expired and revoked).',
    mooringError,
  ),
  MooringForbidden: response('The credential is valid but lacks the right.', mooringError),
  MooringNotFound: response('No such resource (or not visible to the caller).', mooringError),
  MooringConflict: response('Conflicts with the current state.', mooringError),
  BalenaBadRequest: response('Malformed or invalid input.', balenaError),
  BalenaUnauthorized: {
    description: 'No valid credential; empty body (balena wire format), or a short message.',
  },
  BalenaForbidden: response('The credential is valid but lacks the right.', balenaError),
  BalenaNotFound: response('No such resource.', balenaError),
  BalenaConflict: response('A uniqueness rule, e.g. `"uuid" must be unique.`', balenaError),
  RateLimited: { description: 'Too many requests; retry after `Retry-After` seconds.', headers: RETRY_AFTER },
};

/** Adds the declared access (security and `x-mooring-*`) to every operation; hides wildcards documented elsewhere. */
function transform({ schema, url, route }: { schema: FastifySchema; url: string; route: RouteOptions }): {
  schema: FastifySchema;
  url: string;
} {
  const base: Json = { ...((schema ?? {}) as Json) };
  if (GENERATED_ELSEWHERE.has(url)) return { schema: { ...base, hide: true } as FastifySchema, url };
  const access = route.config?.access;
  const wire: WireFormat = route.config?.wire ?? 'mooring';
  const documented = DOCUMENTED_RESPONSES[`${[route.method].flat()[0]} ${url}`];
  return {
    schema: {
      ...base,
      ...(base.response === undefined && documented ? { response: documented } : {}),
      security: securityFor(access),
      'x-mooring-access': describeAccess(access),
      'x-mooring-wire': wire,
    } as FastifySchema,
    url,
  };
}

/** Error responses by wire format, and the generated /v7 paths and schemas. */
function transformObject(documentObject: { openapiObject?: Json }): Json {
  const doc = documentObject.openapiObject ?? {};
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Json>>;
  for (const item of Object.values(paths)) {
    for (const operation of Object.values(item)) {
      const prefix = operation['x-mooring-wire'] === 'balena' ? 'Balena' : 'Mooring';
      const security = operation.security as Json[] | undefined;
      const responses = (operation.responses ?? {}) as Json;
      const add = (status: string, name: string): void => {
        if (!(status in responses)) responses[status] = { $ref: `#/components/responses/${name}` };
      };
      add('400', `${prefix}BadRequest`);
      if (security && !(security.length > 0 && Object.keys(security[0] ?? {}).length === 0)) {
        add('401', `${prefix}Unauthorized`);
        add('403', `${prefix}Forbidden`);
      }
      add('429', 'RateLimited');
      operation.responses = responses;
    }
  }
  const components = (doc.components ?? {}) as Json;
  return {
    ...doc,
    paths: { ...paths, ...v7Paths() },
    components: {
      ...components,
      schemas: { ...((components.schemas ?? {}) as Json), ...v7Schemas() },
      responses: { ...((components.responses ?? {}) as Json), ...RESPONSES },
    },
  };
}

/** @fastify/swagger options: OpenAPI 3.1, generated from the route schemas at run time. */
export function swaggerOptions(version: string): FastifyDynamicSwaggerOptions {
  return {
    mode: 'dynamic',
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Mooring API',
        version,
        description:
          'Self-hosted fleet API, wire-compatible with balena-sdk (COMPAT.md), with named/scoped/revocable API keys and RFC 9421 signed requests. Mooring endpoints answer errors as `{ error: { code, message, requestId } }`; balena-compatible ones as a JSON string (401: empty).',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      tags: [
        { name: 'auth', description: 'Login, identity, session refresh (balena-compatible)' },
        { name: 'sessions', description: 'Listing and revoking sessions; password change' },
        { name: 'api-keys', description: 'Key creation (balena paths) and rotation' },
        { name: 'devices', description: 'Registration, state endpoints (the heartbeat), status history' },
        { name: 'admin', description: 'Instance administration' },
        { name: 'audit', description: 'Audit events' },
        { name: 'meta', description: 'Health, this document and its rendered reference' },
      ],
      components: { securitySchemes: SECURITY_SCHEMES as unknown as Record<string, never> },
    },
    transform: transform as unknown as FastifyDynamicSwaggerOptions['transform'],
    transformObject: transformObject as unknown as FastifyDynamicSwaggerOptions['transformObject'],
  };
}

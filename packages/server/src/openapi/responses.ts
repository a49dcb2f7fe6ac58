import { ROUTES, type RouteKey } from '@mooring/protocol/contract';

/*
 * Success answers of the routes whose schema declares none. A response schema on a route would also
 * change how Fastify serialises the answer (fast-json-stringify drops unlisted fields), and several of
 * these answers follow the balena wire format byte for byte; so their shapes are documented here, for
 * the document only. The shapes are the contract's (`ROUTES[…].response`), as are the inputs the
 * route schemas carry; this file adds only the media type and the description.
 */
type Json = Record<string, unknown>;

/** The contract's schema of one answer. */
const answer = (route: RouteKey, status: number): Json =>
  (ROUTES[route].response as unknown as Readonly<Record<number, Json>>)[status] ?? {};

const text = (description: string, route: RouteKey, status = 200): Json => ({
  description,
  content: { 'text/plain': { schema: answer(route, status) } },
});
const json = (description: string, route: RouteKey, status = 200): Json => ({
  description,
  content: { 'application/json': { schema: answer(route, status) } },
});
const none = (description: string): Json => ({ description });
const str = { type: 'string' };
const TOKEN = 'A session token (JWT).';
const KEY = 'The key.';
const NOT_FOUND = { $ref: '#/components/responses/MooringNotFound' };
const CONFLICT = { $ref: '#/components/responses/MooringConflict' };

/** `METHOD url` → responses, for routes without `schema.response`. */
export const DOCUMENTED_RESPONSES: Readonly<Record<string, Json>> = {
  'GET /ping': { 200: text('`OK`', 'GET /ping') },
  'POST /login_': { 200: text(TOKEN, 'POST /login_') },
  'GET /actor/v1/whoami': { 200: json('The calling actor.', 'GET /actor/v1/whoami') },
  'GET /user/v1/whoami': { 200: json('The calling user.', 'GET /user/v1/whoami') },
  'GET /user/v1/refresh-token': { 200: text(TOKEN, 'GET /user/v1/refresh-token') },
  'POST /user/v1/refresh-token': { 200: text(TOKEN, 'POST /user/v1/refresh-token') },
  'GET /whoami': { 200: text(TOKEN, 'GET /whoami') },
  'GET /mooring/v1/sessions': { 200: json('My active sessions.', 'GET /mooring/v1/sessions') },
  'DELETE /mooring/v1/sessions/:id': { 204: none('Revoked.'), 404: NOT_FOUND },
  'POST /mooring/v1/sessions/revoke-others': {
    200: json('How many sessions were revoked.', 'POST /mooring/v1/sessions/revoke-others'),
  },
  'POST /mooring/v1/password': { 200: json('Changed.', 'POST /mooring/v1/password') },
  'GET /mooring/v1/audit-events': { 200: json('Newest first.', 'GET /mooring/v1/audit-events') },
  'GET /mooring/v1/users': { 200: json('All users.', 'GET /mooring/v1/users') },
  'POST /mooring/v1/users': { 201: json('The new user.', 'POST /mooring/v1/users', 201), 409: CONFLICT },
  'GET /mooring/v1/organizations': { 200: json('All organizations.', 'GET /mooring/v1/organizations') },
  'POST /mooring/v1/organizations': {
    201: json('The new organization.', 'POST /mooring/v1/organizations', 201),
    409: CONFLICT,
  },
  'PUT /mooring/v1/organizations/:orgId/members/:userId': {
    204: none('Member added or role changed.'),
    404: NOT_FOUND,
  },
  'DELETE /mooring/v1/organizations/:orgId/members/:userId': {
    204: none('Removed.'),
    404: NOT_FOUND,
    409: CONFLICT,
  },
  'POST /api-key/user/full': {
    200: json(
      'The key; for a signing key, an object with its signing material (shown once).',
      'POST /api-key/user/full',
    ),
  },
  'POST /api-key/v2/': { 200: json(KEY, 'POST /api-key/v2/') },
  'POST /api-key/v2': { 200: json(KEY, 'POST /api-key/v2') },
  'POST /api-key/application/:id/provisioning': {
    200: json(KEY, 'POST /api-key/application/:id/provisioning'),
  },
  'POST /api-key/device/:id/device-key': { 200: json(KEY, 'POST /api-key/device/:id/device-key') },
  'POST /mooring/v1/keys/:id/rotate': {
    200: json(
      'The successor (shown once) and when the old key stops working.',
      'POST /mooring/v1/keys/:id/rotate',
    ),
    404: NOT_FOUND,
    409: CONFLICT,
  },
  'GET /device/v2/:uuid/state': {
    200: json('The target state; `ETag` names its version.', 'GET /device/v2/:uuid/state'),
    304: none('Not modified (or not this device’s: balena’s graceful deny).'),
  },
  'GET /device/v3/:uuid/state': {
    200: json('The target state; `ETag` names its version.', 'GET /device/v3/:uuid/state'),
    304: none('Not modified (or not this device’s: balena’s graceful deny).'),
  },
  'PATCH /device/v2/:uuid/state': { 200: none('Stored.') },
  'PATCH /device/v3/:uuid/state': { 200: none('Stored.') },
  'GET /mooring/v1/devices/:uuid/status-history': {
    200: json('Newest first.', 'GET /mooring/v1/devices/:uuid/status-history'),
    404: NOT_FOUND,
  },
  'GET /mooring/v1/fleets/:id/detection': {
    200: json('The detection time of the fleet’s devices.', 'GET /mooring/v1/fleets/:id/detection'),
    404: NOT_FOUND,
  },
  'GET /mooring/v1/events/stream': {
    200: {
      description: 'Server-Sent Events.',
      content: { 'text/event-stream': { schema: answer('GET /mooring/v1/events/stream', 200) } },
    },
  },
  'DELETE /mooring/v1/webhooks/:id': { 204: none('Deleted.'), 404: NOT_FOUND },
  'GET /openapi.json': {
    200: { description: 'This document.', content: { 'application/json': { schema: { type: 'object' } } } },
  },
  'GET /docs': { 200: { description: 'HTML page.', content: { 'text/html': { schema: str } } } },
  'GET /docs/static/:file': { 200: none('The asset (CSS, JavaScript or PNG).') },
};

/*
 * Success answers of the routes whose schema declares none. A response schema on a route would also
 * change how Fastify serialises the answer (fast-json-stringify drops unlisted fields), and several of
 * these answers follow the balena wire format byte for byte; so their shapes are documented here, for
 * the document only. Inputs (body, params, querystring) always come from the route schemas.
 */
type Json = Record<string, unknown>;

const text = (description: string): Json => ({
  description,
  content: { 'text/plain': { schema: { type: 'string' } } },
});
const json = (description: string, schema: Json): Json => ({
  description,
  content: { 'application/json': { schema } },
});
const none = (description: string): Json => ({ description });
const obj = (properties: Record<string, Json>, required = Object.keys(properties)): Json => ({
  type: 'object',
  properties,
  required,
});
const str = { type: 'string' };
const nstr = { type: ['string', 'null'] };
const int = { type: 'integer' };
const date = { type: 'string', format: 'date-time' };

const session = obj({
  id: str,
  createdAt: date,
  authenticatedAt: date,
  expiresAt: date,
  lastRefreshedAt: date,
  userAgent: nstr,
  ipAddress: nstr,
  current: { type: 'boolean' },
});
const user = obj({
  id: int,
  actor: int,
  username: str,
  email: nstr,
  isAdmin: { type: 'boolean' },
  createdAt: date,
});
const organization = obj({ id: int, name: str, handle: str });
const actor = {
  oneOf: [
    obj({ id: int, actorType: { const: 'user' }, actorTypeId: int, username: str, email: nstr }),
    obj({ id: int, actorType: { const: 'application' }, actorTypeId: int, slug: str }),
    obj({ id: int, actorType: { const: 'device' }, actorTypeId: int, uuid: str }),
  ],
};
const signing = obj({ alg: { enum: ['hmac-sha256', 'ed25519'] }, secret: str, publicKey: str }, ['alg']);
const keyString = { type: 'string', description: 'The key (shown once), as a JSON string.' };
const token = text('A session token (JWT).');

/** `METHOD url` → responses, for routes without `schema.response`. */
export const DOCUMENTED_RESPONSES: Readonly<Record<string, Json>> = {
  'GET /ping': { 200: text('`OK`') },
  'POST /login_': { 200: token },
  'GET /actor/v1/whoami': { 200: json('The calling actor.', actor) },
  'GET /user/v1/whoami': { 200: json('The calling user.', obj({ id: int, username: str, email: nstr })) },
  'GET /user/v1/refresh-token': { 200: token },
  'POST /user/v1/refresh-token': { 200: token },
  'GET /whoami': { 200: token },
  'GET /mooring/v1/sessions': {
    200: json('My active sessions.', obj({ sessions: { type: 'array', items: session } })),
  },
  'DELETE /mooring/v1/sessions/:id': {
    204: none('Revoked.'),
    404: { $ref: '#/components/responses/MooringNotFound' },
  },
  'POST /mooring/v1/sessions/revoke-others': {
    200: json('How many sessions were revoked.', obj({ revoked: int })),
  },
  'POST /mooring/v1/password': { 200: json('Changed.', obj({ revokedSessions: int })) },
  'GET /mooring/v1/audit-events': {
    200: json(
      'Newest first.',
      obj({
        events: { type: 'array', items: obj({ id: int, at: date, type: str, ipAddress: nstr, details: {} }) },
      }),
    ),
  },
  'GET /mooring/v1/users': { 200: json('All users.', obj({ users: { type: 'array', items: user } })) },
  'POST /mooring/v1/users': {
    201: json('The new user.', user),
    409: { $ref: '#/components/responses/MooringConflict' },
  },
  'GET /mooring/v1/organizations': {
    200: json('All organizations.', obj({ organizations: { type: 'array', items: organization } })),
  },
  'POST /mooring/v1/organizations': {
    201: json('The new organization.', organization),
    409: { $ref: '#/components/responses/MooringConflict' },
  },
  'PUT /mooring/v1/organizations/:orgId/members/:userId': {
    204: none('Member added or role changed.'),
    404: { $ref: '#/components/responses/MooringNotFound' },
  },
  'POST /api-key/user/full': {
    200: json('The key; for a signing key, an object with its signing material (shown once).', {
      oneOf: [keyString, obj({ key: str, keyId: str, signing, requiresSignature: { type: 'boolean' } })],
    }),
  },
  'POST /api-key/v2/': { 200: json('The key.', keyString) },
  'POST /api-key/v2': { 200: json('The key.', keyString) },
  'POST /api-key/application/:id/provisioning': { 200: json('The key.', keyString) },
  'POST /api-key/device/:id/device-key': { 200: json('The key.', keyString) },
  'POST /mooring/v1/keys/:id/rotate': {
    200: json(
      'The successor (shown once) and when the old key stops working.',
      obj({ id: int, key: str, previousExpiresAt: date, signing, requiresSignature: { type: 'boolean' } }, [
        'id',
        'key',
        'previousExpiresAt',
      ]),
    ),
    404: { $ref: '#/components/responses/MooringNotFound' },
    409: { $ref: '#/components/responses/MooringConflict' },
  },
  'GET /openapi.json': { 200: json('This document.', { type: 'object' }) },
  'GET /docs': { 200: { description: 'HTML page.', content: { 'text/html': { schema: str } } } },
  'GET /docs/static/:file': { 200: none('The asset (CSS, JavaScript or PNG).') },
};

/**
 * @mooring/protocol/contract: the wire contract of the Mooring API, defined once. TypeBox schemas
 * (JSON Schema with static types) for every route's params, query, body and answers (`ROUTES`),
 * and the error-code registry. The server validates and documents with them; the SDK and the CLI
 * use their `Static` types, so the two sides cannot drift apart unnoticed.
 */
export * from './admin.js';
export * from './api-keys.js';
export * from './auth.js';
export * from './devices.js';
export * from './envelope.js';
export * from './errors.js';
export * from './events.js';
export * from './routes.js';
export * from './sessions.js';
export * from './shapes.js';
export * from './webhooks.js';

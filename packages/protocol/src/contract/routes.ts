import Type, { type TSchema } from 'typebox';
import {
  CreateOrganizationBody,
  CreateUserBody,
  MemberParams,
  MemberRemovalParams,
  Organization,
  OrganizationList,
  SetRoleBody,
  User,
  UserList,
} from './admin.js';
import {
  ActorKeyBody,
  KeyIdParams,
  KeyString,
  KeyUsage,
  KeyUsageQuery,
  NamedKeyAnswer,
  NamedKeyBody,
  OptionalKeyBody,
  RotatedKey,
  RotateKeyBody,
} from './api-keys.js';
import { Actor, LoginBody, Pong, RefreshBody, SessionToken, UserWhoami } from './auth.js';
import {
  ApiKeyQuery,
  FleetDetection,
  FleetIdParams,
  RegisterBody,
  RegisteredDevice,
  StateReportV2,
  StateReportV3,
  StatusHistory,
  StatusHistoryQuery,
  TargetState,
  UuidParams,
} from './devices.js';
import { EventFeedQuery, EventPage, EventStream, EventStreamHeaders, EventStreamQuery } from './events.js';
import {
  AuditEventList,
  AuditEventsQuery,
  PasswordChangeBody,
  PasswordChanged,
  RevokedSessions,
  SessionIdParams,
  SessionList,
} from './sessions.js';
import {
  CreatedWebhookEndpoint,
  CreateWebhookBody,
  RedeliverBody,
  Redelivered,
  RotatedWebhookSecret,
  RotateWebhookSecretBody,
  UpdateWebhookBody,
  WebhookDeliveriesQuery,
  WebhookDeliveryPage,
  WebhookEndpoint,
  WebhookEndpointList,
  WebhookIdParams,
  WebhookListQuery,
  WebhookTestSent,
} from './webhooks.js';

/** The schemas of one route: what it accepts and what it answers, by status. */
export interface RouteContract {
  readonly params?: TSchema;
  readonly querystring?: TSchema;
  readonly body?: TSchema;
  readonly headers?: TSchema;
  /** Successful answers by status; a status without a body (204, 304) maps to `NoBody`. */
  readonly response: Readonly<Record<number, TSchema>>;
}

/** An answer without a body (204, or the device state's 304). */
export const NoBody = Type.Null({ description: 'No body.' });

/**
 * Every route of the Mooring API except the `/v7` OData resources (whose bodies are the OData wire
 * format, described by the resource model) — keyed `METHOD url` as the server registers them. The
 * server validates with these schemas and documents them in OpenAPI; the SDK's types are their
 * `Static` types. `packages/server/test/contract/contract-drift.test.ts` fails when a route is
 * registered without its entry here or with other schemas.
 */
export const ROUTES = {
  // Authentication (balena-compatible, docs/compat.md A1–A3).
  'GET /ping': { response: { 200: Pong } },
  'POST /login_': { body: LoginBody, response: { 200: SessionToken } },
  'GET /actor/v1/whoami': { response: { 200: Actor } },
  'GET /user/v1/whoami': { response: { 200: UserWhoami } },
  'GET /user/v1/refresh-token': { response: { 200: SessionToken } },
  'GET /whoami': { response: { 200: SessionToken } },
  'POST /user/v1/refresh-token': { body: RefreshBody, response: { 200: SessionToken } },

  // Sessions, password, audit.
  'GET /mooring/v1/sessions': { response: { 200: SessionList } },
  'DELETE /mooring/v1/sessions/:id': { params: SessionIdParams, response: { 204: NoBody } },
  'GET /mooring/v1/audit-events': { querystring: AuditEventsQuery, response: { 200: AuditEventList } },
  'POST /mooring/v1/sessions/revoke-others': { response: { 200: RevokedSessions } },
  'POST /mooring/v1/password': { body: PasswordChangeBody, response: { 200: PasswordChanged } },

  // Administration.
  'GET /mooring/v1/users': { response: { 200: UserList } },
  'POST /mooring/v1/users': { body: CreateUserBody, response: { 201: User } },
  'GET /mooring/v1/organizations': { response: { 200: OrganizationList } },
  'POST /mooring/v1/organizations': { body: CreateOrganizationBody, response: { 201: Organization } },
  'PUT /mooring/v1/organizations/:orgId/members/:userId': {
    params: MemberParams,
    body: SetRoleBody,
    response: { 204: NoBody },
  },
  'DELETE /mooring/v1/organizations/:orgId/members/:userId': {
    params: MemberRemovalParams,
    response: { 204: NoBody },
  },

  // API keys (balena paths answer the key as a JSON string, docs/compat.md A5).
  'POST /api-key/user/full': { body: NamedKeyBody, response: { 200: NamedKeyAnswer } },
  'POST /api-key/v2/': { body: ActorKeyBody, response: { 200: KeyString } },
  'POST /api-key/v2': { body: ActorKeyBody, response: { 200: KeyString } },
  'POST /api-key/application/:id/provisioning': {
    params: KeyIdParams,
    body: OptionalKeyBody,
    response: { 200: KeyString },
  },
  'POST /api-key/device/:id/device-key': {
    params: KeyIdParams,
    body: OptionalKeyBody,
    response: { 200: KeyString },
  },
  'POST /mooring/v1/keys/:id/rotate': {
    params: KeyIdParams,
    body: RotateKeyBody,
    response: { 200: RotatedKey },
  },
  'GET /mooring/v1/keys/:id/usage': {
    params: KeyIdParams,
    querystring: KeyUsageQuery,
    response: { 200: KeyUsage },
  },

  // Devices (docs/devices.md).
  'POST /device/register': {
    querystring: ApiKeyQuery,
    body: RegisterBody,
    response: { 201: RegisteredDevice },
  },
  'GET /device/v2/:uuid/state': {
    params: UuidParams,
    querystring: ApiKeyQuery,
    response: { 200: TargetState, 304: NoBody },
  },
  'PATCH /device/v2/:uuid/state': {
    params: UuidParams,
    querystring: ApiKeyQuery,
    body: StateReportV2,
    response: { 200: NoBody },
  },
  'GET /device/v3/:uuid/state': {
    params: UuidParams,
    querystring: ApiKeyQuery,
    response: { 200: TargetState, 304: NoBody },
  },
  'PATCH /device/v3/:uuid/state': {
    params: UuidParams,
    querystring: ApiKeyQuery,
    body: StateReportV3,
    response: { 200: NoBody },
  },
  'GET /mooring/v1/devices/:uuid/status-history': {
    params: UuidParams,
    querystring: StatusHistoryQuery,
    response: { 200: StatusHistory },
  },
  'GET /mooring/v1/fleets/:id/detection': {
    params: FleetIdParams,
    querystring: ApiKeyQuery,
    response: { 200: FleetDetection },
  },

  // Events (docs/events.md).
  'GET /mooring/v1/events': { querystring: EventFeedQuery, response: { 200: EventPage } },
  'GET /mooring/v1/events/stream': {
    querystring: EventStreamQuery,
    headers: EventStreamHeaders,
    response: { 200: EventStream },
  },

  // Webhooks (docs/events.md "Webhooks").
  'POST /mooring/v1/webhooks': { body: CreateWebhookBody, response: { 201: CreatedWebhookEndpoint } },
  'GET /mooring/v1/webhooks': { querystring: WebhookListQuery, response: { 200: WebhookEndpointList } },
  'GET /mooring/v1/webhooks/:id': { params: WebhookIdParams, response: { 200: WebhookEndpoint } },
  'PATCH /mooring/v1/webhooks/:id': {
    params: WebhookIdParams,
    body: UpdateWebhookBody,
    response: { 200: WebhookEndpoint },
  },
  'DELETE /mooring/v1/webhooks/:id': { params: WebhookIdParams, response: { 204: NoBody } },
  'POST /mooring/v1/webhooks/:id/rotate-secret': {
    params: WebhookIdParams,
    body: RotateWebhookSecretBody,
    response: { 200: RotatedWebhookSecret },
  },
  'GET /mooring/v1/webhooks/:id/deliveries': {
    params: WebhookIdParams,
    querystring: WebhookDeliveriesQuery,
    response: { 200: WebhookDeliveryPage },
  },
  'POST /mooring/v1/webhooks/:id/redeliver': {
    params: WebhookIdParams,
    body: RedeliverBody,
    response: { 202: Redelivered },
  },
  'POST /mooring/v1/webhooks/:id/test': { params: WebhookIdParams, response: { 202: WebhookTestSent } },
} as const satisfies Record<string, RouteContract>;

export type RouteKey = keyof typeof ROUTES;

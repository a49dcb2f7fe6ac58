import Type, { type Static } from 'typebox';
import { EVENT_TYPES } from './events.js';
import {
  ApiKeyParam,
  DateTime,
  List,
  NullableDateTime,
  nullableArray,
  nullableInteger,
  nullableString,
  RowId,
} from './shapes.js';

/** Longest endpoint URL accepted. */
export const MAX_WEBHOOK_URL_LENGTH = 2048;
/** How long a rotated secret keeps signing when the caller names no grace period (24 h). */
export const DEFAULT_WEBHOOK_GRACE_SECONDS = 86_400;

export const WebhookIdParams = Type.Object({ id: RowId });

/** A webhook endpoint (docs/events.md "Webhooks"); never its secrets. */
export const WebhookEndpoint = Type.Object({
  id: Type.Integer(),
  organization: Type.Integer(),
  url: Type.String(),
  description: nullableString(),
  types: nullableArray(Type.String(), { description: 'Event types it receives; null: all' }),
  fleets: nullableArray(Type.Integer(), { description: 'Fleets whose events it receives; null: all' }),
  enabled: Type.Boolean(),
  disabledReason: nullableString({ description: 'manual, gone (410), failing (5 days)' }),
  disabledAt: NullableDateTime,
  publicKey: Type.String({ description: '`whpk_…`: verifies `v1a,` (Ed25519) signatures' }),
  previousSecretExpiresAt: NullableDateTime,
  failingSince: NullableDateTime,
  createdAt: DateTime,
  modifiedAt: DateTime,
});
export type WebhookEndpoint = Static<typeof WebhookEndpoint>;

/** A new endpoint with its `whsec_` secret, which the server shows only this once. */
export const CreatedWebhookEndpoint = Type.Object({
  ...WebhookEndpoint.properties,
  secret: Type.String({ description: '`whsec_…`: shown only now' }),
});
export type CreatedWebhookEndpoint = Static<typeof CreatedWebhookEndpoint>;

export const WebhookEndpointList = Type.Object({ endpoints: List(WebhookEndpoint) });

export const WebhookListQuery = Type.Object(
  { organization: Type.Optional(RowId), apikey: Type.Optional(ApiKeyParam) },
  { additionalProperties: false },
);

const typeList = nullableArray(Type.String({ maxLength: 64 }), {
  minItems: 1,
  maxItems: 64,
  description: `Event types (${EVENT_TYPES.join(', ')}; or device.*, api_key.*, webhook.*); null: all`,
});
const fleetList = nullableArray(RowId, {
  minItems: 1,
  maxItems: 100,
  description: 'Only these fleets’ events (fleets of the organization); null: all',
});
const url = Type.String({ minLength: 1, maxLength: MAX_WEBHOOK_URL_LENGTH });
const description = nullableString({ maxLength: 500 });

export const CreateWebhookBody = Type.Object(
  {
    organization: Type.Union([RowId, Type.String({ minLength: 1, maxLength: 220 })], {
      description: 'Organization id or handle',
    }),
    url,
    description: Type.Optional(description),
    types: Type.Optional(typeList),
    fleets: Type.Optional(fleetList),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type CreateWebhookBody = Static<typeof CreateWebhookBody>;

export const UpdateWebhookBody = Type.Object(
  {
    url: Type.Optional(url),
    description: Type.Optional(description),
    types: Type.Optional(typeList),
    fleets: Type.Optional(fleetList),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateWebhookBody = Static<typeof UpdateWebhookBody>;

export const RotateWebhookSecretBody = Type.Union([
  Type.Object(
    {
      gracePeriodSeconds: Type.Optional(
        Type.Integer({
          minimum: 0,
          maximum: 604_800,
          description: `Default ${DEFAULT_WEBHOOK_GRACE_SECONDS} (24 h)`,
        }),
      ),
    },
    { additionalProperties: false },
  ),
  Type.Null(),
]);

export const RotatedWebhookSecret = Type.Object({
  secret: Type.String(),
  previousSecretExpiresAt: NullableDateTime,
});
export type RotatedWebhookSecret = Static<typeof RotatedWebhookSecret>;

export const WebhookDeliveryStatus = Type.Unsafe<'pending' | 'delivered' | 'failed' | 'cancelled'>({
  type: 'string',
  enum: ['pending', 'delivered', 'failed', 'cancelled'],
});
export type WebhookDeliveryStatus = Static<typeof WebhookDeliveryStatus>;

export const WebhookAttempt = Type.Object({
  attempt: Type.Integer(),
  at: DateTime,
  statusCode: nullableInteger(),
  durationMs: Type.Integer(),
  error: nullableString(),
  response: nullableString({ description: 'The first 1 KiB of the answer' }),
  succeeded: Type.Boolean(),
});
export type WebhookAttempt = Static<typeof WebhookAttempt>;

export const WebhookDelivery = Type.Object({
  id: Type.Integer(),
  webhookId: Type.String({
    description: 'The `webhook-id` header: the same for every attempt and redelivery',
  }),
  eventId: nullableInteger(),
  type: Type.String(),
  status: WebhookDeliveryStatus,
  attempts: Type.Integer(),
  nextAttemptAt: NullableDateTime,
  lastStatus: nullableInteger(),
  lastError: nullableString(),
  createdAt: DateTime,
  completedAt: NullableDateTime,
  attemptLog: List(WebhookAttempt),
});
export type WebhookDelivery = Static<typeof WebhookDelivery>;

export const WebhookDeliveriesQuery = Type.Object(
  {
    before: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    status: Type.Optional(WebhookDeliveryStatus),
    apikey: Type.Optional(ApiKeyParam),
  },
  { additionalProperties: false },
);
export type WebhookDeliveriesQuery = Static<typeof WebhookDeliveriesQuery>;

export const WebhookDeliveryPage = Type.Object({
  deliveries: List(WebhookDelivery),
  next: nullableInteger({ description: 'Pass as `before` for older deliveries' }),
});
export type WebhookDeliveryPage = Static<typeof WebhookDeliveryPage>;

export const RedeliverBody = Type.Object(
  {
    eventId: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
    since: Type.Optional(Type.String({ format: 'date-time', maxLength: 64 })),
  },
  { additionalProperties: false, minProperties: 1, maxProperties: 1 },
);
export type RedeliverBody = Static<typeof RedeliverBody>;

export const Redelivered = Type.Object({ queued: Type.Integer(), truncated: Type.Boolean() });
export type Redelivered = Static<typeof Redelivered>;

export const WebhookTestSent = Type.Object({ webhookId: Type.String() });
export type WebhookTestSent = Static<typeof WebhookTestSent>;

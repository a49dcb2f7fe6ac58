import Type, { type Static } from 'typebox';
import { ApiKeyParam, DateTime, INT32_MAX, List, nullableInteger, nullableString } from './shapes.js';

/**
 * Event types of the event log (docs/events.md): dotted `<subject>.<what>` names; subscribers
 * filter on them with `?types=`.
 */
export const EVENT_TYPES = [
  'device.online',
  'device.timeout',
  'device.offline',
  'device.registered',
  'device.moved',
  'device.deleted',
  'api_key.expiring',
  'api_key.expired',
  'api_key.revoked',
  // An organization's webhook endpoint was disabled by Mooring (410 Gone, or failing for 5 days).
  'webhook.disabled',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** One event of the log, as the feed, the stream and webhooks deliver it. */
export const MooringEvent = Type.Object({
  id: Type.Integer({ description: 'Global cursor' }),
  type: Type.Unsafe<EventType>({ type: 'string', enum: [...EVENT_TYPES] }),
  at: DateTime,
  organization: nullableInteger(),
  fleet: nullableInteger(),
  device: nullableInteger(),
  deviceUuid: nullableString(),
  deviceSeq: nullableInteger(),
  apiKey: nullableInteger(),
  previousStatus: nullableString(),
  status: nullableString(),
  data: Type.Unsafe<Record<string, unknown> | null>({ type: ['object', 'null'], additionalProperties: true }),
});
export type MooringEvent = Static<typeof MooringEvent>;

export const MAX_EVENT_CURSOR = Number.MAX_SAFE_INTEGER;
/** Longest `wait` of a long-poll, in seconds. */
export const MAX_WAIT_SECONDS = 30;
/** Most events in one page. */
export const MAX_EVENT_LIMIT = 1000;

const filterProperties = {
  apikey: Type.Optional(ApiKeyParam),
  after: Type.Optional(
    Type.Integer({ minimum: 0, maximum: MAX_EVENT_CURSOR, description: 'Events after this cursor' }),
  ),
  types: Type.Optional(
    Type.String({
      maxLength: 2000,
      description: `Comma-separated: ${EVENT_TYPES.join(', ')}; or device.*, api_key.*`,
    }),
  ),
  fleet: Type.Optional(
    Type.Integer({ minimum: 1, maximum: INT32_MAX, description: 'Only this fleet’s events' }),
  ),
};

export const EventFeedQuery = Type.Object(
  {
    ...filterProperties,
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_EVENT_LIMIT, default: 100 })),
    wait: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_WAIT_SECONDS, default: 0 })),
  },
  { additionalProperties: false },
);
export type EventFeedQuery = Static<typeof EventFeedQuery>;

export const EventStreamQuery = Type.Object(filterProperties, { additionalProperties: false });
export type EventStreamQuery = Static<typeof EventStreamQuery>;

export const EventStreamHeaders = Type.Object({
  'last-event-id': Type.Optional(Type.String({ pattern: '^\\s*\\d{1,16}\\s*$' })),
});

export const EventPage = Type.Object({
  events: List(MooringEvent),
  next: Type.Integer({ description: 'Pass as `after` to continue.' }),
});
export type EventPage = Static<typeof EventPage>;

/** `text/event-stream`: `id:` = cursor, `event:` = type, `data:` = a {@link MooringEvent} as JSON. */
export const EventStream = Type.String({
  description: 'Server-Sent Events; each `data:` is one event as JSON.',
});

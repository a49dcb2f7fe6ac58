/**
 * Event types and their wire shape (docs/events.md). Types are dotted `<subject>.<what>` names;
 * subscribers filter on them with `?types=`.
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

const KNOWN: ReadonlySet<string> = new Set(EVENT_TYPES);

export function isEventType(value: string): value is EventType {
  return KNOWN.has(value);
}

/** An event about to be written (events/event-writer.ts). */
export interface NewEvent {
  readonly type: EventType;
  /** When the change happened (for heartbeat timeouts: when it was due), epoch ms. */
  readonly at: number;
  readonly organization: number | null;
  readonly application: number | null;
  /** The actor that owns what the event is about (a user key's owner: who may see it). */
  readonly actor: number | null;
  readonly device: number | null;
  readonly deviceUuid: string | null;
  /** Per-device sequence number (device events only): 1, 2, 3… without gaps. */
  readonly deviceSeq: number | null;
  readonly apiKey: number | null;
  readonly previousStatus: string | null;
  readonly status: string | null;
  readonly data: Readonly<Record<string, unknown>> | null;
}

/** An event as delivered by the feed, the stream (and, later, webhooks). */
export interface EventView {
  /** The global cursor: resume with `after=<id>` / `Last-Event-ID: <id>`. */
  readonly id: number;
  readonly type: string;
  readonly at: string;
  readonly organization: number | null;
  readonly fleet: number | null;
  readonly device: number | null;
  readonly deviceUuid: string | null;
  readonly deviceSeq: number | null;
  readonly apiKey: number | null;
  readonly previousStatus: string | null;
  readonly status: string | null;
  readonly data: Readonly<Record<string, unknown>> | null;
}

/** A row of `event_log` as read (numbers may arrive as strings from drivers; normalised here). */
export interface EventRow {
  readonly id: number | string;
  readonly type: string;
  readonly at: number | string;
  readonly organization: number | null;
  readonly application: number | null;
  readonly device: number | null;
  readonly device_uuid: string | null;
  readonly device_seq: number | null;
  readonly api_key: number | null;
  readonly previous_status: string | null;
  readonly status: string | null;
  readonly data: string | null;
}

export function toView(row: EventRow): EventView {
  return {
    id: Number(row.id),
    type: row.type,
    at: new Date(Number(row.at)).toISOString(),
    organization: row.organization === null ? null : Number(row.organization),
    fleet: row.application === null ? null : Number(row.application),
    device: row.device === null ? null : Number(row.device),
    deviceUuid: row.device_uuid,
    deviceSeq: row.device_seq === null ? null : Number(row.device_seq),
    apiKey: row.api_key === null ? null : Number(row.api_key),
    previousStatus: row.previous_status,
    status: row.status,
    data: row.data === null ? null : (JSON.parse(row.data) as Record<string, unknown>),
  };
}

/** JSON Schema of {@link EventView} (OpenAPI document, response serialization). */
export const EVENT_SCHEMA = {
  type: 'object',
  required: ['id', 'type', 'at', 'organization', 'fleet', 'device', 'deviceUuid', 'deviceSeq', 'status'],
  properties: {
    id: { type: 'integer', description: 'Global cursor' },
    type: { type: 'string', enum: [...EVENT_TYPES] },
    at: { type: 'string', format: 'date-time' },
    organization: { type: ['integer', 'null'] },
    fleet: { type: ['integer', 'null'] },
    device: { type: ['integer', 'null'] },
    deviceUuid: { type: ['string', 'null'] },
    deviceSeq: { type: ['integer', 'null'] },
    apiKey: { type: ['integer', 'null'] },
    previousStatus: { type: ['string', 'null'] },
    status: { type: ['string', 'null'] },
    data: { type: ['object', 'null'], additionalProperties: true },
  },
} as const;

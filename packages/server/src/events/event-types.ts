import { EVENT_TYPES, type EventType, type MooringEvent } from '@mooring/protocol/contract';

/**
 * Event types (their list is the wire contract's) and their wire shape (docs/events.md). Types are dotted `<subject>.<what>` names;
 * subscribers filter on them with `?types=`.
 */
export { EVENT_TYPES, type EventType };

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

/** An event as delivered by the feed, the stream and webhooks: the contract's `MooringEvent`. */
export type EventView = MooringEvent;

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
    // Only known types are written (events/event-writer.ts takes an EventType).
    type: row.type as EventType,
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

import type { EventView } from '../events/event-types.js';
import type { WebhookScope } from '../permissions/permissions.js';
import type { NewDelivery } from './webhooks.repository.js';

/** An endpoint's stored filters as the permission module's scope. */
export function scopeOf(row: {
  organization: number;
  event_types: string | null;
  fleet_ids: string | null;
}): WebhookScope {
  return {
    organization: Number(row.organization),
    types: row.event_types === null ? null : (JSON.parse(row.event_types) as string[]),
    fleetIds: row.fleet_ids === null ? null : (JSON.parse(row.fleet_ids) as number[]),
  };
}

/**
 * The `webhook-id` of an event's deliveries: the same for every attempt and every redelivery of that
 * event, so receivers de-duplicate on it (Standard Webhooks, "webhook-id").
 */
export function messageIdOf(eventId: number): string {
  return `msg_${eventId}`;
}

/**
 * The body sent for an event: the Standard Webhooks envelope `{type, timestamp, data}` with the
 * event exactly as the feed and the stream show it in `data` (cursor `id`, `deviceSeq`, statuses…).
 */
export function payloadOf(view: EventView): string {
  return JSON.stringify({ type: view.type, timestamp: view.at, data: view });
}

export function deliveryFor(view: EventView): NewDelivery {
  return {
    event: view.id,
    messageId: messageIdOf(view.id),
    type: view.type,
    organization: view.organization,
    application: view.fleet,
    device: view.device,
    payload: payloadOf(view),
  };
}

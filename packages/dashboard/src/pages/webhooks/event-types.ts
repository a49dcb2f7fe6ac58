import type { MooringEventType } from '@mooring/sdk';

/**
 * Every event type an endpoint can subscribe to, in words (docs/events.md "Event types"). A
 * `Record` over the SDK's union: a type added to the API fails the build until it is named here.
 */
export const EVENT_TYPE_LABELS: Readonly<Record<MooringEventType, string>> = {
  'device.online': 'Device online',
  'device.timeout': 'Device timed out',
  'device.offline': 'Device offline',
  'device.registered': 'Device registered',
  'device.moved': 'Device moved to another fleet',
  'device.deleted': 'Device deleted',
  'api_key.expiring': 'Key expires within 7 days',
  'api_key.expired': 'Key expired',
  'api_key.revoked': 'Key revoked',
  'webhook.disabled': 'Endpoint disabled by Mooring',
};

export const EVENT_TYPES = Object.keys(EVENT_TYPE_LABELS) as MooringEventType[];

/** The checkbox groups of the event type choice. */
export const EVENT_GROUPS: readonly {
  readonly title: string;
  readonly types: readonly MooringEventType[];
}[] = [
  { title: 'Devices', types: EVENT_TYPES.filter((t) => t.startsWith('device.')) },
  { title: 'Provisioning and device keys', types: EVENT_TYPES.filter((t) => t.startsWith('api_key.')) },
  { title: 'Webhooks', types: EVENT_TYPES.filter((t) => t.startsWith('webhook.')) },
];

/** What an endpoint receives, in words: null is every type, including types added later. */
export function describeTypes(types: readonly string[] | null): string {
  if (types === null) return 'All events';
  return types.map((t) => EVENT_TYPE_LABELS[t as MooringEventType] ?? t).join(', ');
}

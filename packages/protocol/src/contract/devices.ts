import Type, { type Static } from 'typebox';
import { ApiKeyParam, DateTime, INT32_MAX, List, nullableString } from './shapes.js';

export const UUID_PATTERN = '^[a-f0-9]{32}([a-f0-9]{30})?$';

export const UuidParams = Type.Object({ uuid: Type.String({ pattern: UUID_PATTERN }) });

/** Device endpoints accept the key as `?apikey=` and nothing else in the query. */
export const ApiKeyQuery = Type.Object(
  { apikey: Type.Optional(ApiKeyParam) },
  { additionalProperties: false },
);

/** `POST /device/register` (docs/compat.md A7). */
export const RegisterBody = Type.Object(
  {
    user: Type.Optional(Type.Unsafe<number | null>({ type: ['integer', 'null'] })),
    application: Type.Optional(Type.Integer({ minimum: 1, maximum: INT32_MAX })),
    device_type: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    uuid: Type.Optional(Type.String({ maxLength: 62 })),
    api_key: Type.Optional(Type.String({ maxLength: 512 })),
    device_name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    supervisor_version: Type.Optional(nullableString({ maxLength: 255 })),
    os_version: Type.Optional(nullableString({ maxLength: 255 })),
    os_variant: Type.Optional(
      Type.Unsafe<'prod' | 'dev' | null>({ type: ['string', 'null'], enum: ['prod', 'dev', null] }),
    ),
    mac_address: Type.Optional(nullableString({ maxLength: 10_000 })),
  },
  { additionalProperties: false },
);
export type RegisterBody = Static<typeof RegisterBody>;

export const RegisteredDevice = Type.Object({
  id: Type.Integer(),
  uuid: Type.String(),
  api_key: Type.String(),
});
export type RegisteredDevice = Static<typeof RegisteredDevice>;

const text = (maxLength: number) => nullableString({ maxLength });
const count = Type.Unsafe<number | null>({
  type: ['number', 'null'],
  minimum: -INT32_MAX,
  maximum: INT32_MAX,
});

/**
 * The state fields a device reports with `PATCH /device/v2|v3/:uuid/state` that the API stores
 * (column name → schema). Anything else a supervisor sends is accepted and ignored, as balena does.
 */
export const REPORTED_FIELD_SCHEMAS = {
  status: text(255),
  ip_address: text(10_000),
  mac_address: text(10_000),
  os_version: text(255),
  os_variant: Type.Unsafe<'prod' | 'dev' | null>({ type: ['string', 'null'], enum: ['prod', 'dev', null] }),
  supervisor_version: text(255),
  memory_usage: count,
  memory_total: count,
  storage_block_device: text(255),
  storage_usage: count,
  storage_total: count,
  cpu_usage: count,
  cpu_temp: count,
  cpu_id: text(255),
  is_undervolted: Type.Unsafe<boolean | null>({ type: ['boolean', 'null'] }),
  download_progress: count,
  provisioning_progress: count,
  provisioning_state: text(255),
  api_port: count,
  update_status: text(64),
  local_id: text(255),
} as const;

/** One device's report: known fields typed, everything else passes validation (and is dropped). */
export const DeviceReport = Type.Partial(Type.Object(REPORTED_FIELD_SCHEMAS), { additionalProperties: true });
export type DeviceReport = Static<typeof DeviceReport>;

/** `PATCH /device/v2/:uuid/state`: `{ local, dependent? }`. */
export const StateReportV2 = Type.Object(
  { local: Type.Optional(DeviceReport), dependent: Type.Optional(Type.Object({})) },
  { additionalProperties: false },
);
export type StateReportV2 = Static<typeof StateReportV2>;

/** `PATCH /device/v3/:uuid/state`: `{ "<uuid>": report }`, the device's own uuid only. */
export const StateReportV3 = Type.Unsafe<Record<string, DeviceReport>>({
  type: 'object',
  additionalProperties: false,
  maxProperties: 1,
  patternProperties: { [UUID_PATTERN]: DeviceReport },
});
export type StateReportV3 = Static<typeof StateReportV3>;

/** The target state as `GET /device/v2|v3/:uuid/state` answers it (balena's format, passed through). */
export const TargetState = Type.Record(Type.String(), Type.Unknown(), {
  description: 'The target state (balena supervisor format).',
});

export const HeartbeatState = Type.Enum(['online', 'offline', 'timeout', 'unknown']);
export type HeartbeatState = Static<typeof HeartbeatState>;

/** A device's detection latency (docs/events.md, "Detection latency"). */
export const DeviceDetection = Type.Object({
  pollIntervalMs: Type.Integer({
    description: 'The poll interval in force (ms); the heartbeat times out after 1.5 ×.',
  }),
  source: Type.Enum(['device', 'fleet', 'default'], {
    description:
      '`device` or `fleet`: a `BALENA_SUPERVISOR_POLL_INTERVAL` config variable; else the server default.',
  }),
  configuredMs: Type.Unsafe<number | null>({ type: ['integer', 'null'] }),
  floorMs: Type.Integer(),
  floorApplied: Type.Boolean(),
  timeoutAfterMs: Type.Integer(),
  offlineAfterMs: Type.Integer(),
});
export type DeviceDetection = Static<typeof DeviceDetection>;

export const StatusHistoryQuery = Type.Object(
  {
    apikey: Type.Optional(ApiKeyParam),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    before: Type.Optional(Type.String({ maxLength: 64 })),
    since: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

/** `GET /mooring/v1/devices/:uuid/status-history` (wire names; the SDK shows them in camelCase). */
export const StatusHistory = Type.Object({
  uuid: Type.String(),
  api_heartbeat_state: HeartbeatState,
  last_heartbeat_at: nullableString({
    format: 'date-time',
    description: '"Last seen": null before the first heartbeat.',
  }),
  events: List(Type.Object({ from: HeartbeatState, to: HeartbeatState, at: DateTime }), {
    description: 'Newest first; `at` is when the change happened.',
  }),
  detection: DeviceDetection,
  since: Type.Optional(Type.String({ description: 'With `?since=`: the window start, echoed.' })),
  state_at_since: Type.Optional(
    Type.Unsafe<HeartbeatState | null>({
      type: ['string', 'null'],
      description:
        'With `?since=`: the state at the window start; null when the window holds more changes than `limit`.',
    }),
  ),
});
export type StatusHistory = Static<typeof StatusHistory>;

export const FleetIdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: INT32_MAX }) });

/** `GET /mooring/v1/fleets/:id/detection`: what applies to the fleet's devices without their own interval. */
export const FleetDetection = DeviceDetection;

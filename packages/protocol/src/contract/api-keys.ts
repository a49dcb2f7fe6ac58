import Type, { type Static } from 'typebox';
import { DateTime, INT32_MAX, List, nullableArray, nullableString } from './shapes.js';

/** Signing settings of a new or rotated key (docs/signatures.md "Signing keys"). */
export const SigningRequest = Type.Unsafe<{
  alg: 'hmac-sha256' | 'ed25519';
  /** Ed25519 only: base64url/base64 of the 32 raw bytes (JWK `x`), or a PEM SPKI. */
  publicKey?: string;
} | null>({
  type: ['object', 'null'],
  additionalProperties: false,
  required: ['alg'],
  properties: {
    alg: { enum: ['hmac-sha256', 'ed25519'] },
    publicKey: { type: 'string', maxLength: 1024 },
  },
});
export type SigningRequest = Static<typeof SigningRequest>;

/** Shown once when a signing key is created or rotated: the HMAC secret, or the Ed25519 key as stored. */
export const SigningReveal = Type.Object({
  alg: Type.Enum(['hmac-sha256', 'ed25519']),
  secret: Type.Optional(Type.String()),
  publicKey: Type.Optional(Type.String()),
});
export type SigningReveal = Static<typeof SigningReveal>;

const keyFields = {
  name: Type.Optional(nullableString({ maxLength: 1564 })),
  description: Type.Optional(nullableString({ maxLength: 100_000 })),
  expiryDate: Type.Optional(nullableString({ maxLength: 64 })),
};

/** `POST /api-key/user/full`: balena's fields plus Mooring's limits and signing (docs/compat.md). */
export const NamedKeyBody = Type.Object(
  {
    ...keyFields,
    name: Type.String({ maxLength: 1564 }),
    scopes: Type.Optional(nullableArray(Type.String({ maxLength: 32 }), { maxItems: 16 })),
    fleets: Type.Optional(nullableArray(Type.Union([Type.Integer(), Type.String()]), { maxItems: 100 })),
    headerOnly: Type.Optional(Type.Boolean()),
    signing: Type.Optional(SigningRequest),
    requiresSignature: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type NamedKeyBody = Static<typeof NamedKeyBody>;

/** The key, shown once, as a JSON string (balena's answer). */
export const KeyString = Type.String({ description: 'The key (shown once), as a JSON string.' });

/** `POST /api-key/user/full` for a signing key: the key with its signing material, shown once. */
export const IssuedSigningKey = Type.Object({
  key: Type.String(),
  keyId: Type.String(),
  signing: SigningReveal,
  requiresSignature: Type.Boolean(),
});
export type IssuedSigningKey = Static<typeof IssuedSigningKey>;

export const NamedKeyAnswer = Type.Union([KeyString, IssuedSigningKey]);
export type NamedKeyAnswer = Static<typeof NamedKeyAnswer>;

/** `POST /api-key/v2`: a provisioning key (fleet) or a device key. */
export const ActorKeyBody = Type.Object(
  {
    ...keyFields,
    actorType: Type.Enum(['application', 'device', 'user']),
    actorTypeId: Type.Integer({ minimum: 1 }),
    roles: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 1 }),
    expiryDate: nullableString({ maxLength: 64 }),
  },
  { additionalProperties: false },
);
export type ActorKeyBody = Static<typeof ActorKeyBody>;

/** The legacy provisioning- and device-key paths: the key fields, or no body. */
export const OptionalKeyBody = Type.Union([
  Type.Object(keyFields, { additionalProperties: false }),
  Type.Null(),
]);
export type OptionalKeyBody = Static<typeof OptionalKeyBody>;

export const KeyIdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: INT32_MAX }) });

export const RotateKeyBody = Type.Object(
  {
    gracePeriodSeconds: Type.Integer({ minimum: 0, maximum: 604_800 }),
    signing: Type.Optional(SigningRequest),
    requiresSignature: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type RotateKeyBody = Static<typeof RotateKeyBody>;

/** The successor (shown once) and when the rotated key stops working. */
export const RotatedKey = Type.Object({
  id: Type.Integer(),
  key: Type.String(),
  previousExpiresAt: DateTime,
  signing: Type.Optional(SigningReveal),
  requiresSignature: Type.Optional(Type.Boolean()),
});
export type RotatedKey = Static<typeof RotatedKey>;

/** How many days of per-key usage the server keeps. */
export const USAGE_RETENTION_DAYS = 90;

export const KeyUsageQuery = Type.Object(
  {
    apikey: Type.Optional(Type.String({ maxLength: 4096 })),
    days: Type.Optional(Type.Integer({ minimum: 1, maximum: USAGE_RETENTION_DAYS, default: 30 })),
  },
  { additionalProperties: false },
);

/** Requests per UTC day of one key, and its last use. */
export const KeyUsage = Type.Object(
  {
    keyId: Type.Integer(),
    lastUsedAt: nullableString({ description: 'Recorded at most once a minute; null: never used.' }),
    total: Type.Integer({ description: 'Requests in the window.' }),
    days: List(
      Type.Object(
        { day: Type.String({ description: '`YYYY-MM-DD` (UTC)' }), requests: Type.Integer() },
        { additionalProperties: false },
      ),
      { description: 'One entry per UTC day, oldest first, today last; unused days count 0.' },
    ),
  },
  { additionalProperties: false },
);
export type KeyUsage = Static<typeof KeyUsage>;

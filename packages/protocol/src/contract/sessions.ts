import Type, { type Static } from 'typebox';
import { DateTime, List, nullableString } from './shapes.js';

export const Session = Type.Object({
  id: Type.String(),
  createdAt: DateTime,
  authenticatedAt: DateTime,
  expiresAt: DateTime,
  lastRefreshedAt: DateTime,
  userAgent: nullableString(),
  ipAddress: nullableString(),
  current: Type.Boolean({ description: 'The session this client is using.' }),
});
export type Session = Static<typeof Session>;

export const SessionList = Type.Object({ sessions: List(Session) });
export type SessionList = Static<typeof SessionList>;

export const SessionIdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

export const RevokedSessions = Type.Object({ revoked: Type.Integer() });
export type RevokedSessions = Static<typeof RevokedSessions>;

export const PasswordChangeBody = Type.Object(
  {
    currentPassword: Type.String({ maxLength: 4096 }),
    newPassword: Type.String({ maxLength: 4096 }),
  },
  { additionalProperties: false },
);
export type PasswordChangeBody = Static<typeof PasswordChangeBody>;

export const PasswordChanged = Type.Object({ revokedSessions: Type.Integer() });
export type PasswordChanged = Static<typeof PasswordChanged>;

export const AuditEvent = Type.Object({
  id: Type.Integer(),
  at: DateTime,
  type: Type.String(),
  ipAddress: nullableString(),
  details: Type.Unknown(),
});
export type AuditEvent = Static<typeof AuditEvent>;

export const AuditEventsQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
});

export const AuditEventList = Type.Object({ events: List(AuditEvent) });
export type AuditEventList = Static<typeof AuditEventList>;

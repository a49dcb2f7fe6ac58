import Type, { type Static } from 'typebox';
import { DateTime, INT32_MAX, List, nullableString } from './shapes.js';

export const User = Type.Object({
  id: Type.Integer(),
  actor: Type.Integer(),
  username: Type.String(),
  email: nullableString(),
  isAdmin: Type.Boolean(),
  createdAt: DateTime,
});
export type User = Static<typeof User>;

export const UserList = Type.Object({ users: List(User) });

export const CreateUserBody = Type.Object(
  {
    username: Type.String({ maxLength: 64 }),
    email: Type.Optional(nullableString({ maxLength: 255 })),
    password: Type.String({ maxLength: 4096 }),
    isAdmin: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type CreateUserBody = Static<typeof CreateUserBody>;

/** An organization as the server answers it (the SDK's `Organization` is the same shape). */
export const Organization = Type.Object({ id: Type.Integer(), name: Type.String(), handle: Type.String() });
export type Organization = Static<typeof Organization>;

export const OrganizationList = Type.Object({ organizations: List(Organization) });

export const CreateOrganizationBody = Type.Object(
  {
    name: Type.String({ maxLength: 255 }),
    handle: Type.Optional(Type.String({ maxLength: 220 })),
  },
  { additionalProperties: false },
);
export type CreateOrganizationBody = Static<typeof CreateOrganizationBody>;

export const Role = Type.Enum(['administrator', 'member']);
export type Role = Static<typeof Role>;

/** `PUT …/members/:userId` (add or change role). */
export const MemberParams = Type.Object({
  orgId: Type.Integer({ minimum: 1 }),
  userId: Type.Integer({ minimum: 1 }),
});

/** `DELETE …/members/:userId`. */
export const MemberRemovalParams = Type.Object({
  orgId: Type.Integer({ minimum: 1, maximum: INT32_MAX }),
  userId: Type.Integer({ minimum: 1, maximum: INT32_MAX }),
});

export const SetRoleBody = Type.Object({ role: Role }, { additionalProperties: false });
export type SetRoleBody = Static<typeof SetRoleBody>;

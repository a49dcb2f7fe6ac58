import Type, { type Static } from 'typebox';
import { nullableString } from './shapes.js';

/** `POST /login_` (docs/compat.md A1). */
export const LoginBody = Type.Object({
  // PostgreSQL refuses NUL in text: refused here as bad input rather than failing later.
  username: Type.String({ maxLength: 512, pattern: '^[^\\u0000]*$' }),
  password: Type.String({ maxLength: 4096 }),
});
export type LoginBody = Static<typeof LoginBody>;

/** A session token (JWT), sent as `text/plain`. */
export const SessionToken = Type.String({ description: 'A session token (JWT).' });
export type SessionToken = Static<typeof SessionToken>;

/** `POST /user/v1/refresh-token`: with `password`, also a fresh `authTime`. */
export const RefreshBody = Type.Union([
  Type.Object({ password: Type.Optional(Type.String({ maxLength: 4096 })) }),
  Type.Null(),
]);
export type RefreshBody = Static<typeof RefreshBody>;

/** `GET /actor/v1/whoami`: the calling user, fleet (provisioning key) or device. */
export const Actor = Type.Union([
  Type.Object({
    id: Type.Integer(),
    actorType: Type.Literal('user'),
    actorTypeId: Type.Integer(),
    username: Type.String(),
    email: nullableString(),
  }),
  Type.Object({
    id: Type.Integer(),
    actorType: Type.Literal('application'),
    actorTypeId: Type.Integer(),
    slug: Type.String(),
  }),
  Type.Object({
    id: Type.Integer(),
    actorType: Type.Literal('device'),
    actorTypeId: Type.Integer(),
    uuid: Type.String(),
  }),
]);
export type Actor = Static<typeof Actor>;

/** Legacy `GET /user/v1/whoami`. */
export const UserWhoami = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  email: nullableString(),
});
export type UserWhoami = Static<typeof UserWhoami>;

/** `GET /ping`. */
export const Pong = Type.String({ description: '`OK`' });

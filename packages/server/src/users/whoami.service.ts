import type { Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors/app-error.js';
import { findUserById } from './users.repository.js';
import { findWhoamiDevice, findWhoamiFleet, findWhoamiUser } from './whoami.repository.js';

export type ActorWhoami =
  | { id: number; actorType: 'user'; actorTypeId: number; username: string; email: string | null }
  | { id: number; actorType: 'application'; actorTypeId: number; slug: string }
  | { id: number; actorType: 'device'; actorTypeId: number; uuid: string };

/** `GET /actor/v1/whoami` (COMPAT.md A2). */
export async function whoamiActor(ctx: AppContext, principal: Principal): Promise<ActorWhoami> {
  if (principal.kind === 'user' && principal.userId !== undefined) {
    const user = await findWhoamiUser(ctx.db, principal.userId);
    if (!user) throw new AppError('unauthorized', '');
    return {
      id: user.actor,
      actorType: 'user',
      actorTypeId: user.id,
      username: user.username,
      email: user.email,
    };
  }
  if (principal.kind === 'application' && principal.applicationId !== undefined) {
    const app = await findWhoamiFleet(ctx.db, principal.applicationId);
    if (app) return { id: principal.actorId, actorType: 'application', actorTypeId: app.id, slug: app.slug };
  }
  if (principal.kind === 'device' && principal.deviceId !== undefined) {
    const device = await findWhoamiDevice(ctx.db, principal.deviceId);
    if (device)
      return { id: principal.actorId, actorType: 'device', actorTypeId: device.id, uuid: device.uuid };
  }
  throw new AppError('unauthorized', '');
}

/** Legacy `GET /user/v1/whoami`: `{id, username, email}` of the user. */
export async function whoamiUser(
  ctx: AppContext,
  principal: Principal,
): Promise<{ id: number; username: string; email: string | null }> {
  const user = principal.userId === undefined ? undefined : await findUserById(ctx.db, principal.userId);
  if (!user) throw new AppError('unauthorized', '');
  return { id: user.id, username: user.username, email: user.email };
}

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ROUTES } from '@mooring/protocol/contract';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../auth/access.js';
import type { AppContext } from '../context.js';
import { clientInfo } from '../http/client-info.js';
import { ANY_USER, SESSION_USER } from '../http/route-config.js';
import type { LoginLimiters } from '../users/password-attempts.js';
import { getMyAuditEvents } from './audit.service.js';
import { changePassword } from './password.service.js';
import { listSessions, revokeOneSession, revokeOtherSessions } from './sessions.service.js';

/** Mooring's own session management: list, revoke one, log out everywhere, change password. */
export function registerSessionRoutes(
  server: FastifyInstance,
  ctx: AppContext,
  limiters: LoginLimiters,
): void {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  const config = { access: SESSION_USER, wire: 'mooring' } as const;

  const tags = ['sessions'];
  app.get(
    '/mooring/v1/sessions',
    { config, schema: { summary: 'My active sessions', tags } },
    async (request) => ({
      sessions: await listSessions(ctx, principalOf(request)),
    }),
  );

  app.delete(
    '/mooring/v1/sessions/:id',
    {
      config,
      schema: {
        summary: 'Revoke one of my sessions (204; 404 if not mine or not active)',
        tags,
        params: ROUTES['DELETE /mooring/v1/sessions/:id'].params,
      },
    },
    async (request, reply) => {
      await revokeOneSession(ctx, principalOf(request), request.params.id);
      return reply.code(204).send();
    },
  );

  app.get(
    '/mooring/v1/audit-events',
    {
      config: { access: ANY_USER, wire: 'mooring' },
      schema: {
        summary: 'My audit trail (logins, sessions, keys), newest first',
        tags: ['audit'],
        querystring: ROUTES['GET /mooring/v1/audit-events'].querystring,
      },
    },
    async (request) => ({
      events: await getMyAuditEvents(ctx, principalOf(request), request.query.limit ?? 100),
    }),
  );

  const revokeOthers = { summary: 'Log out everywhere else: `{revoked}`', tags };
  app.post('/mooring/v1/sessions/revoke-others', { config, schema: revokeOthers }, async (request) => ({
    revoked: await revokeOtherSessions(ctx, principalOf(request)),
  }));

  app.post(
    '/mooring/v1/password',
    {
      config,
      schema: {
        summary: 'Change my password (revokes my other sessions): `{revokedSessions}`',
        description:
          'A wrong `currentPassword` is 403 and counts against the login limits (per username and per client IP); 429 with `Retry-After` once they are reached.',
        tags,
        body: ROUTES['POST /mooring/v1/password'].body,
      },
    },
    async (request) => changePassword(ctx, principalOf(request), request.body, limiters, clientInfo(request)),
  );
}

import type { FastifyInstance } from 'fastify';
import { getMyAuditEvents } from '../audit/audit.service.js';
import { clientInfo, principalOf } from '../auth/auth.routes.js';
import type { LoginLimiters } from '../auth/password-attempts.js';
import type { AppContext } from '../context.js';
import { ANY_USER, SESSION_USER } from '../http/route-config.js';
import { changePassword } from '../users/users.service.js';
import { listSessions, revokeOneSession, revokeOtherSessions } from './sessions.service.js';

/** Mooring's own session management: list, revoke one, log out everywhere, change password. */
export function registerSessionRoutes(app: FastifyInstance, ctx: AppContext, limiters: LoginLimiters): void {
  const config = { access: SESSION_USER, wire: 'mooring' } as const;

  const tags = ['sessions'];
  app.get(
    '/mooring/v1/sessions',
    { config, schema: { summary: 'My active sessions', tags } },
    async (request) => ({
      sessions: await listSessions(ctx, principalOf(request)),
    }),
  );

  app.delete<{ Params: { id: string } }>(
    '/mooring/v1/sessions/:id',
    {
      config,
      schema: {
        summary: 'Revoke one of my sessions (204; 404 if not mine or not active)',
        tags,
        params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } } },
      },
    },
    async (request, reply) => {
      await revokeOneSession(ctx, principalOf(request), request.params.id);
      return reply.code(204).send();
    },
  );

  app.get<{ Querystring: { limit?: number } }>(
    '/mooring/v1/audit-events',
    {
      config: { access: ANY_USER, wire: 'mooring' },
      schema: {
        summary: 'My audit trail (logins, sessions, keys), newest first',
        tags: ['audit'],
        querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 500 } } },
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

  app.post<{ Body: { currentPassword: string; newPassword: string } }>(
    '/mooring/v1/password',
    {
      config,
      schema: {
        summary: 'Change my password (revokes my other sessions): `{revokedSessions}`',
        description:
          'A wrong `currentPassword` is 403 and counts against the login limits (per username and per client IP); 429 with `Retry-After` once they are reached.',
        tags,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['currentPassword', 'newPassword'],
          properties: {
            currentPassword: { type: 'string', maxLength: 4096 },
            newPassword: { type: 'string', maxLength: 4096 },
          },
        },
      },
    },
    async (request) => changePassword(ctx, principalOf(request), request.body, limiters, clientInfo(request)),
  );
}

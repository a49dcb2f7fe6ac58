import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ROUTES } from '@mooring/protocol/contract';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { principalOf } from '../auth/access.js';
import type { AppContext } from '../context.js';
import { clientInfo } from '../http/client-info.js';
import { ANY_USER, SESSION_USER } from '../http/route-config.js';
import type { LoginLimiters } from '../users/password-attempts.js';
import { whoamiActor, whoamiUser } from '../users/whoami.service.js';
import { login } from './login.service.js';
import { reauthenticateSession, refreshSession } from './sessions.service.js';

/** balena-compatible authentication endpoints (COMPAT.md A1–A3). */
export function registerAuthRoutes(server: FastifyInstance, ctx: AppContext, limiters: LoginLimiters): void {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/ping',
    {
      config: { access: 'public', wire: 'balena' },
      schema: { summary: 'Health check: `OK`', tags: ['meta'] },
    },
    async (_request, reply) => reply.type('text/plain; charset=utf-8').send('OK'),
  );

  app.post(
    '/login_',
    {
      config: { access: 'public', wire: 'balena' },
      schema: {
        summary: 'Log in with a username (or e-mail) and password: the session token as text',
        description:
          'Every failure is the same empty 401; 429 with `Retry-After` after 10 attempts per username.',
        tags: ['auth'],
        body: ROUTES['POST /login_'].body,
      },
    },
    async (request, reply) => {
      const token = await login(ctx, limiters, request.body, clientInfo(request));
      return reply.type('text/plain; charset=utf-8').send(token);
    },
  );

  app.get(
    '/actor/v1/whoami',
    {
      config: { access: { actors: ['user', 'application', 'device'] }, wire: 'balena' },
      schema: {
        summary: 'The calling actor: a user, a fleet (provisioning key) or a device',
        tags: ['auth'],
      },
    },
    (request) => whoamiActor(ctx, principalOf(request)),
  );

  const userWhoami = { summary: 'The calling user: `{id, username, email}`', tags: ['auth'] };
  app.get(
    '/user/v1/whoami',
    { config: { access: ANY_USER, wire: 'balena' }, schema: userWhoami },
    (request) => whoamiUser(ctx, principalOf(request)),
  );

  const sendRefreshed = async (request: FastifyRequest, reply: import('fastify').FastifyReply) => {
    const token = await refreshSession(ctx, principalOf(request));
    return reply.type('text/plain; charset=utf-8').send(token);
  };
  const refresh = { summary: 'A fresh session token (text), same `authTime`', tags: ['auth'] };
  app.get(
    '/user/v1/refresh-token',
    { config: { access: SESSION_USER, wire: 'balena' }, schema: refresh },
    sendRefreshed,
  );
  // Legacy refresh path used by older clients (COMPAT.md "differs" item 6).
  app.get(
    '/whoami',
    { config: { access: SESSION_USER, wire: 'balena' }, schema: { ...refresh, deprecated: true } },
    sendRefreshed,
  );
  app.post(
    '/user/v1/refresh-token',
    {
      config: { access: SESSION_USER, wire: 'balena' },
      schema: {
        summary: 'A fresh session token; with `password`, also a fresh `authTime`',
        tags: ['auth'],
        body: ROUTES['POST /user/v1/refresh-token'].body,
      },
    },
    async (request, reply) => {
      const password = request.body?.password;
      if (password !== undefined) {
        // Re-stamping authTime needs the password again (COMPAT.md A3); a wrong one is a 401.
        const principal = principalOf(request);
        const token = await reauthenticateSession(ctx, limiters, principal, password, clientInfo(request));
        return reply.type('text/plain; charset=utf-8').send(token);
      }
      return sendRefreshed(request, reply);
    },
  );
}

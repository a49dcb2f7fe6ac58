import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { AppError } from '../errors/app-error.js';
import { ANY_USER, SESSION_USER } from '../http/route-config.js';
import type { ClientInfo } from '../sessions/sessions.service.js';
import { reauthenticateSession, refreshSession } from '../sessions/sessions.service.js';
import { type LoginLimiters, login } from './login.service.js';
import { whoamiActor, whoamiUser } from './whoami.service.js';

export function clientInfo(request: FastifyRequest): ClientInfo {
  const ua = request.headers['user-agent'];
  return { ip: request.ip ?? null, userAgent: typeof ua === 'string' ? ua : null };
}

/** balena-compatible authentication endpoints (COMPAT.md A1–A3). */
export function registerAuthRoutes(app: FastifyInstance, ctx: AppContext, limiters: LoginLimiters): void {
  app.get(
    '/ping',
    {
      config: { access: 'public', wire: 'balena' },
      schema: { summary: 'Health check: `OK`', tags: ['meta'] },
    },
    async (_request, reply) => reply.type('text/plain; charset=utf-8').send('OK'),
  );

  app.post<{ Body: { username: string; password: string } }>(
    '/login_',
    {
      config: { access: 'public', wire: 'balena' },
      schema: {
        summary: 'Log in with a username (or e-mail) and password: the session token as text',
        description:
          'Every failure is the same empty 401; 429 with `Retry-After` after 10 attempts per username.',
        tags: ['auth'],
        body: {
          type: 'object',
          required: ['username', 'password'],
          properties: {
            // PostgreSQL refuses NUL in text: refuse it here as bad input rather than fail later.
            username: { type: 'string', maxLength: 512, pattern: '^[^\\u0000]*$' },
            password: { type: 'string', maxLength: 4096 },
          },
        },
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
  app.post<{ Body: { password?: string } | undefined }>(
    '/user/v1/refresh-token',
    {
      config: { access: SESSION_USER, wire: 'balena' },
      schema: {
        summary: 'A fresh session token; with `password`, also a fresh `authTime`',
        tags: ['auth'],
        body: {
          anyOf: [
            { type: 'object', properties: { password: { type: 'string', maxLength: 4096 } } },
            { type: 'null' },
          ],
        },
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

/** The guard has already ensured a principal on non-public routes. */
export function principalOf(request: FastifyRequest) {
  if (!request.principal) throw new AppError('unauthorized', '');
  return request.principal;
}

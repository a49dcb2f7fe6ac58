import type { FastifyInstance } from 'fastify';
import { principalOf } from '../auth/auth.routes.js';
import type { AppContext } from '../context.js';
import { ADMIN_SESSION } from '../http/route-config.js';
import { addMember, createOrganization, getOrganizations } from '../organizations/organizations.service.js';
import { createUser, getUsers } from './users.service.js';

/** Instance administration: users, organizations, memberships. Administrators' sessions only. */
export function registerAdminRoutes(app: FastifyInstance, ctx: AppContext): void {
  const config = { access: ADMIN_SESSION, wire: 'mooring' } as const;

  const tags = ['admin'];
  app.get('/mooring/v1/users', { config, schema: { summary: 'All users', tags } }, async () => ({
    users: await getUsers(ctx),
  }));

  app.post<{ Body: { username: string; email?: string | null; password: string; isAdmin?: boolean } }>(
    '/mooring/v1/users',
    {
      config,
      schema: {
        summary: 'Create a user (201)',
        tags,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['username', 'password'],
          properties: {
            username: { type: 'string', maxLength: 64 },
            email: { type: ['string', 'null'], maxLength: 255 },
            password: { type: 'string', maxLength: 4096 },
            isAdmin: { type: 'boolean' },
          },
        },
      },
    },
    async (request, reply) => reply.code(201).send(await createUser(ctx, request.body, principalOf(request))),
  );

  app.get(
    '/mooring/v1/organizations',
    { config, schema: { summary: 'All organizations', tags } },
    async () => ({
      organizations: await getOrganizations(ctx),
    }),
  );

  app.post<{ Body: { name: string; handle?: string } }>(
    '/mooring/v1/organizations',
    {
      config,
      schema: {
        summary: 'Create an organization (201)',
        tags,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name'],
          properties: {
            name: { type: 'string', maxLength: 255 },
            handle: { type: 'string', maxLength: 220 },
          },
        },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createOrganization(ctx, request.body, principalOf(request))),
  );

  app.put<{ Params: { orgId: number; userId: number }; Body: { role: 'administrator' | 'member' } }>(
    '/mooring/v1/organizations/:orgId/members/:userId',
    {
      config,
      schema: {
        summary: 'Add a user to an organization or change their role (204)',
        tags,
        params: {
          type: 'object',
          properties: { orgId: { type: 'integer', minimum: 1 }, userId: { type: 'integer', minimum: 1 } },
        },
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['role'],
          properties: { role: { enum: ['administrator', 'member'] } },
        },
      },
    },
    async (request, reply) => {
      await addMember(
        ctx,
        { organizationId: request.params.orgId, userId: request.params.userId, role: request.body.role },
        principalOf(request),
      );
      return reply.code(204).send();
    },
  );
}

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ROUTES } from '@mooring/protocol/contract';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../auth/access.js';
import type { AppContext } from '../context.js';
import { ADMIN_SESSION } from '../http/route-config.js';
import { addMember, createOrganization, getOrganizations } from '../organizations/organizations.service.js';
import { createUser, getUsers } from '../users/users.service.js';

/** Instance administration: users, organizations, memberships. Administrators' sessions only. */
export function registerAdminRoutes(server: FastifyInstance, ctx: AppContext): void {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  const config = { access: ADMIN_SESSION, wire: 'mooring' } as const;

  const tags = ['admin'];
  app.get('/mooring/v1/users', { config, schema: { summary: 'All users', tags } }, async () => ({
    users: await getUsers(ctx),
  }));

  app.post(
    '/mooring/v1/users',
    {
      config,
      schema: {
        summary: 'Create a user (201)',
        tags,
        body: ROUTES['POST /mooring/v1/users'].body,
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

  app.post(
    '/mooring/v1/organizations',
    {
      config,
      schema: {
        summary: 'Create an organization (201)',
        tags,
        body: ROUTES['POST /mooring/v1/organizations'].body,
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createOrganization(ctx, request.body, principalOf(request))),
  );

  app.put(
    '/mooring/v1/organizations/:orgId/members/:userId',
    {
      config,
      schema: {
        summary: 'Add a user to an organization or change their role (204)',
        tags,
        params: ROUTES['PUT /mooring/v1/organizations/:orgId/members/:userId'].params,
        body: ROUTES['PUT /mooring/v1/organizations/:orgId/members/:userId'].body,
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

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ROUTES } from '@mooring/protocol/contract';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../auth/access.js';
import type { AppContext } from '../context.js';
import { ANY_USER } from '../http/route-config.js';
import { removeMember } from './membership.service.js';

/**
 * `DELETE /mooring/v1/organizations/:orgId/members/:userId` (204). balena's
 * `DELETE /v7/organization_membership(…)` stays 405 (the model is read-only); this is the way.
 * Open to users (sessions and unlimited keys); the service decides who may remove whom.
 */
export function registerMembershipRoutes(server: FastifyInstance, ctx: AppContext): void {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  app.delete(
    '/mooring/v1/organizations/:orgId/members/:userId',
    {
      config: { access: ANY_USER, wire: 'mooring' },
      schema: {
        summary: 'Remove a user from an organization (204); the last administrator: 409',
        tags: ['admin'],
        params: ROUTES['DELETE /mooring/v1/organizations/:orgId/members/:userId'].params,
      },
    },
    async (request, reply) => {
      await removeMember(
        ctx,
        { organizationId: request.params.orgId, userId: request.params.userId },
        principalOf(request),
      );
      return reply.code(204).send();
    },
  );
}

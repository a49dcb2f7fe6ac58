import type { FastifyInstance } from 'fastify';
import { principalOf } from '../auth/auth.routes.js';
import type { AppContext } from '../context.js';
import { ANY_USER } from '../http/route-config.js';
import { removeMember } from './membership.service.js';

/**
 * `DELETE /mooring/v1/organizations/:orgId/members/:userId` (204). balena's
 * `DELETE /v7/organization_membership(…)` stays 405 (the model is read-only); this is the way.
 * Open to users (sessions and unlimited keys); the service decides who may remove whom.
 */
export function registerMembershipRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.delete<{ Params: { orgId: number; userId: number } }>(
    '/mooring/v1/organizations/:orgId/members/:userId',
    {
      config: { access: ANY_USER, wire: 'mooring' },
      schema: {
        summary: 'Remove a user from an organization (204); the last administrator: 409',
        tags: ['admin'],
        params: {
          type: 'object',
          properties: {
            orgId: { type: 'integer', minimum: 1, maximum: 2147483647 },
            userId: { type: 'integer', minimum: 1, maximum: 2147483647 },
          },
        },
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

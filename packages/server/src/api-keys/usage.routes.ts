import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ROUTES } from '@mooring/protocol/contract';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../auth/access.js';
import type { AppContext } from '../context.js';
import { ANY_USER } from '../http/route-config.js';
import { keyUsage } from './usage.service.js';
import { USAGE_RETENTION_DAYS } from './usage-tracker.js';

/** Per-key usage: requests per UTC day and the last use. */
export function registerKeyUsageRoutes(server: FastifyInstance, ctx: AppContext): void {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  const usage = ROUTES['GET /mooring/v1/keys/:id/usage'];
  app.get(
    '/mooring/v1/keys/:id/usage',
    {
      config: { access: ANY_USER, wire: 'mooring' },
      schema: {
        summary: 'Requests per UTC day and last use of a key the caller may read',
        description: `\`days\` from 1 to ${USAGE_RETENTION_DAYS} (default 30), today included; 404 for a key the caller cannot read.`,
        tags: ['api-keys'],
        params: usage.params,
        querystring: usage.querystring,
        // Serialised by this schema: exactly these fields.
        response: usage.response,
      },
    },
    async (request) => keyUsage(ctx, principalOf(request), request.params.id, request.query.days ?? 30),
  );
}

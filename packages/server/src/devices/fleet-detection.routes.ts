import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ROUTES } from '@mooring/protocol/contract';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../auth/access.js';
import type { AppContext } from '../context.js';
import { ANY_USER } from '../http/route-config.js';
import { fleetDetection } from './fleet-detection.service.js';

/** The detection time of a fleet's devices (`fleet-detection.service.ts`). */
export function registerFleetDetectionRoute(server: FastifyInstance, ctx: AppContext): void {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  const route = ROUTES['GET /mooring/v1/fleets/:id/detection'];
  app.get(
    '/mooring/v1/fleets/:id/detection',
    {
      config: { access: ANY_USER, wire: 'mooring' },
      schema: {
        summary: "The poll interval and detection time that apply to a fleet's devices",
        description:
          "For devices without their own poll interval: the fleet's `BALENA_SUPERVISOR_POLL_INTERVAL`, else the server default, never below the floor. 404 for a fleet the caller cannot read.",
        tags: ['devices'],
        params: route.params,
        querystring: route.querystring,
      },
    },
    async (request) => fleetDetection(ctx, principalOf(request), request.params.id),
  );
}

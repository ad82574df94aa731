import type { Deps } from '#domain/ports.ts';
import { getStats, statsQuerySchema } from '#domain/rollups.ts';
import { apiHandler, routeSpec, ok } from '#http/api-handler.ts';

export const spec = routeSpec({ auth: 'read', query: statsQuerySchema });

/** GET /v1/stats — total operations, success, partial success, failed, success rate. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, spec, async ({ principal, query }) => ok(await getStats(deps, principal, query)));
